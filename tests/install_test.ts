/**
 * `deno task install` (issue 28): from a fresh HOME, the task writes a `stemplay` command into
 * ~/.deno/bin that runs with Deno from npx (no `deno` on PATH), says where it went and the PATH
 * line to add; `--root` picks the folder; a file it did not write is kept unless `--force`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A fresh HOME, but the machine's npm and Deno caches (so npx finds the pinned Deno and the
 * CLI's npm packages without fetching them again), and a PATH without any `deno`. */
function freshEnv(home: string): Record<string, string> {
  const realHome = Deno.env.get("HOME") ?? "/";
  const path = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => {
    try {
      return !Deno.statSync(join(dir, "deno")).isFile;
    } catch {
      return true;
    }
  });
  return {
    HOME: home,
    PATH: path.join(":"),
    npm_config_cache: Deno.env.get("npm_config_cache") ?? join(realHome, ".npm"),
    DENO_DIR: Deno.env.get("DENO_DIR") ?? join(realHome, ".cache", "deno"),
  };
}

async function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

Deno.test("install: from a fresh HOME, the installed stemplay --version works with Deno from npx", async () => {
  const home = await Deno.makeTempDir({ prefix: "stemplay-home-" });
  try {
    const env = freshEnv(home);
    const installed = await run(Deno.execPath(), ["task", "install"], ROOT, env);
    assert.equal(installed.code, 0, installed.stderr);
    const command = join(home, ".deno", "bin", "stemplay");
    assert.match(installed.stdout, new RegExp(`installed the stemplay command: ${command}`));
    assert.match(installed.stdout, /export PATH='.*\/\.deno\/bin':"\$PATH"/);
    assert.ok(((await Deno.stat(command)).mode! & 0o111) !== 0, "the command is executable");
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(join(home, ".deno", "bin")))).map((e) => e.name),
      ["stemplay"],
      "no temporary file is left",
    );
    // Run from elsewhere, as a user would, with no deno on PATH.
    const version = await run(command, ["--version"], home, env);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), `stemplay ${denoJson.version}`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("install: --root picks the folder; a stemplay it did not write needs --force", async () => {
  const home = await Deno.makeTempDir({ prefix: "stemplay-home-" });
  try {
    const env = freshEnv(home);
    const root = join(home, "tools");
    // Run from the user's folder: a relative --root is theirs, not the checkout's (deno task
    // runs the task in the checkout).
    const first = await run(
      Deno.execPath(),
      ["task", "--config", join(ROOT, "deno.json"), "install", "--root", "tools"],
      home,
      env,
    );
    assert.equal(first.code, 0, first.stderr);
    const command = join(root, "bin", "stemplay");
    assert.match(await Deno.readTextFile(command), /exec npx -y deno@\d+\.\d+\.\d+ run -A /);
    // Installing again replaces our own shim.
    const again = await run(Deno.execPath(), ["task", "install", "--root", root], ROOT, env);
    assert.equal(again.code, 0, again.stderr);
    // Someone else's stemplay is kept: exit 2 and a line naming --force.
    await Deno.writeTextFile(command, "#!/bin/sh\necho mine\n");
    const refused = await run(Deno.execPath(), ["task", "install", "--root", root], ROOT, env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /was not written by this installer \(--force replaces it\)/);
    assert.equal(await Deno.readTextFile(command), "#!/bin/sh\necho mine\n");
    const forced = await run(
      Deno.execPath(),
      ["task", "install", "--root", root, "--force"],
      ROOT,
      env,
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await Deno.readTextFile(command), /stemplay command/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
