/**
 * `stemplay console [LIBRARY] [--port N] [--hostname H] [--pin P]`: usage errors, and a run
 * that serves the library with its own PIN until interrupted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLI, runCli } from "./support/cli.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

Deno.test("cli console: bad flags and a missing library are usage errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-console-" });
  try {
    const cases: [string[], RegExp][] = [
      [[dir, "--pin", "12ab"], /--pin must be 6 to 12 digits, got "12ab"/],
      [[dir, "--port", "70000"], /--port must be a whole number from 0 to 65535/],
      [[dir, "other"], /takes one library folder/],
      [[join(dir, "nope")], /no such library folder/],
      [[dir, "--remote", "8080"], /unknown flag/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(["console", ...args, "--backend", "null"]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    }
    const help = await runCli(["console", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /stemplay console \[LIBRARY\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli console: serves the library (default: this folder) with its own PIN", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-console-" });
  await writeSineSong(dir, "Way Maker", ["bass.wav"]);
  const port = freeTcpPort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "console",
      "--backend",
      "null",
      "--port",
      String(port),
      "--pin",
      "90125783",
    ],
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const said: string[] = [];
  const reading = Promise.all([child.stdout, child.stderr].map(async (stream) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) said.push(chunk);
  }));
  try {
    const deadline = Date.now() + 90_000;
    while (!said.join("").includes(`http://127.0.0.1:${port}/`) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(
      said.join(""),
      new RegExp(`console: http://127\\.0\\.0\\.1:${port}/ {2}PIN 90125783`),
    );
    const wrong = await loginFrom(port, "111111");
    assert.equal(wrong.status, 401);
    const login = await loginFrom(port, "90125783");
    assert.equal(login.status, 303);
    const library = await fetch(`http://127.0.0.1:${port}/api/library`, {
      headers: { cookie: login.cookie! },
    });
    const { songs } = await library.json();
    assert.deepEqual(songs.map((song: { title: string }) => song.title), ["Way Maker"]);
  } finally {
    child.kill("SIGINT");
    const status = await child.status;
    await reading;
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0, said.join(""));
  }
});
