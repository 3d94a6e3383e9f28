/**
 * `stemplay render --transpose --speed` (issue 24): the bounce lands on the new key and the
 * new length; bad values are usage errors (exit 2) that write nothing. Real CLI, real
 * Rubber Band.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeWav } from "../src/sources/wav.ts";
import { estimateFrequency } from "./support/fixtures.ts";
import { runCli } from "./support/cli.ts";
import { decodeWav } from "./support/wav_reader.ts";
import { writeManifest } from "./support/songs.ts";
import { cents, harmonicTone, middle } from "./support/stretch_signals.ts";

const RATE = 48_000;

async function withToneSong(fn: (song: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-keytempo-cli-" });
  try {
    const song = join(dir, "song");
    await Deno.mkdir(song);
    await Deno.writeFile(join(song, "keys.wav"), encodeWav([harmonicTone(220, 4)], RATE, "f32"));
    await writeManifest(song, { tracks: [{ file: "keys.wav", route: [1] }] });
    await fn(song, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("stemplay render --transpose 2 --speed 0.9: on the new key, 1/0.9 as long", async () => {
  await withToneSong(async (song, dir) => {
    const out = join(dir, "mix.wav");
    const run = await runCli(["render", song, "-o", out, "--transpose", "2", "--speed", "0.9"]);
    assert.equal(run.code, 0, run.stderr);
    const wav = decodeWav(await Deno.readFile(out));
    assert.ok(Math.abs(wav.channels[0].length - Math.round(4 * RATE / 0.9)) <= 1);
    const error = cents(estimateFrequency(middle(wav.channels[0], 1), RATE), 220 * 2 ** (2 / 12));
    console.log(`  render --transpose 2 --speed 0.9: ${error.toFixed(3)} cents off`);
    assert.ok(Math.abs(error) < 2, `${error} cents`);
  });
});

Deno.test("stemplay render: a bad --transpose or --speed exits 2 and writes nothing", async () => {
  await withToneSong(async (song, dir) => {
    const out = join(dir, "mix.wav");
    for (const flags of [["--transpose", "13"], ["--transpose", "up"], ["--speed", "0"]]) {
      const run = await runCli(["render", song, "-o", out, ...flags]);
      assert.equal(run.code, 2, `${flags.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(flags[0]));
      await assert.rejects(Deno.stat(out));
    }
  });
});

Deno.test("stemplay play --transpose/--speed: a good value plays, a bad one exits 2", async () => {
  await withToneSong(async (song) => {
    const good = await runCli([
      "play",
      song,
      "--backend",
      "null",
      "--speed",
      "2",
      "--transpose",
      "-1",
    ]);
    assert.equal(good.code, 0, good.stderr);
    assert.doesNotMatch(good.stderr, /error/i);
    for (const flags of [["--speed", "2.5"], ["--transpose", "NaN"], ["--speed", ""]]) {
      const run = await runCli(["play", song, "--backend", "null", ...flags]);
      assert.equal(run.code, 2, `${flags.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(flags[0]));
    }
  });
});
