/**
 * A newcomer's first `task demo` downloads only what the player uses: the test-only npm packages
 * (puppeteer-core, jsqr) live in tests/deno.lock and the test files, never in deno.json's import
 * map or the root lockfile, which Deno installs whole on the first npm import.
 */

import assert from "node:assert/strict";

const TEST_ONLY_PACKAGES = ["puppeteer-core", "jsqr"];

Deno.test("the CLI's and the library's module graph pull in no test-only npm package", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "stemplay-demo-path-" });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["cache", "cli.ts", "mod.ts"],
      env: { DENO_DIR: denoDir, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, log);
    const installed: string[] = [];
    for await (const registry of Deno.readDir(`${denoDir}/npm`)) {
      for await (const entry of Deno.readDir(`${denoDir}/npm/${registry.name}`)) {
        installed.push(entry.name);
      }
    }
    assert.ok(installed.includes("qrcode"), `the player's own packages are there: ${installed}`);
    for (const name of TEST_ONLY_PACKAGES) {
      assert.ok(!installed.includes(name), `${name} was downloaded for the CLI: ${installed}`);
    }
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});
