/**
 * The programs in examples/ run as their header says, with the permissions it lists.
 */

import assert from "node:assert/strict";
import { encodeWav } from "../src/sources/wav.ts";

const example = new URL("../examples/play_folder.ts", import.meta.url);

Deno.test("examples/play_folder.ts plays a folder of stems to its end", async () => {
  const folder = await Deno.makeTempDir({ prefix: "stemplay-example-" });
  try {
    const frames = 48000 * 0.4;
    const sine = (hz: number) =>
      new Float32Array(frames).map((_, i) => 0.2 * Math.sin(2 * Math.PI * hz * i / 48000));
    await Deno.writeFile(`${folder}/bass.wav`, encodeWav([sine(110), sine(110)], 48000, "s16"));
    await Deno.writeFile(`${folder}/click.wav`, encodeWav([sine(1000)], 48000, "f32"));
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-ffi",
        "--allow-read",
        "--allow-write",
        "--allow-run",
        "--allow-env",
        example.pathname,
        folder,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    const title = folder.split("/").pop();
    assert.equal(stdout.trim(), `${title}: 2 tracks, 0.4 s`, stderr);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("examples/play_folder.ts without a folder says how to use it", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", example.pathname],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.notEqual(output.code, 0);
  assert.match(new TextDecoder().decode(output.stderr), /usage: play_folder\.ts <folder/);
});
