/**
 * On the command line, a song.json with several mistakes prints each on its own line, and a
 * song whose tempo looks like a chart's dotted-quarter tempo prints the warning.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./support/cli.ts";
import { writeManifest, writeStems } from "./support/songs.ts";

Deno.test("cli: every problem of a song.json on its own line, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await writeStems(join(dir, "song"), [{ file: "a.wav" }]);
    const manifest = await writeManifest(folder, {
      bpm: 120,
      tracks: [{ file: "a.wav", pan: 4 }],
      markers: [{ name: "Verse", at: "0:30" }],
    });
    const run = await runCli(["render", folder, "-o", join(dir, "mix.wav")]);
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines[0], `stemplay: ${manifest}: 3 problems:`);
    assert.match(lines[1], /^ {2}bpm: unknown key/);
    assert.match(lines[2], /^ {2}tracks\[1\]\.pan: must be from -1 to 1, got 4$/);
    assert.match(lines[3], /^ {2}markers\[1\]\.at: must be seconds/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: a 6/8 tempo that looks like the chart's dotted quarter is warned about", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await writeStems(join(dir, "song"), [{ file: "a.wav" }]);
    await writeManifest(folder, { tempo: 50, timeSignature: [6, 8], tracks: [{ file: "a.wav" }] });
    const run = await runCli(["render", folder, "-o", join(dir, "mix.wav")]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: .*song\.json: tempo: 50 in 6\/8 counts eighths/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
