/**
 * A FLAC cut short on disk while it streams, under AddressSanitizer and UndefinedBehaviorSanitizer
 * (native/tests/stream_cut_check.c): cut anywhere across its second and third FLAC frames, then
 * sought or read into the cut and sought back a little, the stream reads the intact file's frames
 * bit for bit, and never a sample pointer dr_flac left NULL when the cut frame failed to decode
 * (a reader thread crashed on one, at 0x34d4, in tests/streaming_test.ts's FLAC cut short on disk).
 * Cut and then replaced by a file at another rate, the decoder opened again is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeWav } from "../src/sources/wav.ts";
import { lcgNoise } from "./support/align.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { buildHarness, runHarness, SANITIZER_CC } from "./support/sanitize.ts";

/** A 1.5 s stereo 16-bit noise FLAC at `rate` (flac's 4096-frame blocks). */
async function writeFlac(dir: string, rate: number): Promise<string> {
  const frames = Math.round(1.5 * rate);
  const wav = join(dir, `noise-${rate}.wav`);
  await Deno.writeFile(wav, encodeWav([lcgNoise(frames, 4), lcgNoise(frames, 5)], rate, "s16"));
  const flac = join(dir, `noise-${rate}.flac`);
  const made = await new Deno.Command("flac", { args: ["--silent", "--force", "-o", flac, wav] })
    .output();
  assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
  return flac;
}

/** Runs the harness on `files` under ASan and UBSan: fails on any report or a non-zero exit;
 * returns what it printed, and the report to fail with. */
async function runCut(files: string[], what: string): Promise<{ stdout: string; report: string }> {
  const build = await buildHarness("address,undefined", [], "stream_cut_check");
  const run = await runHarness(build, files, {
    ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
    UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
  });
  const report = `${what}: exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
  assert.doesNotMatch(run.stderr, /runtime error:|Sanitizer/, report);
  assert.equal(run.code, 0, report);
  return { stdout: run.stdout, report };
}

/** A test that needs the sanitizing compiler and flac, with a temporary folder. */
function cutTest(name: string, fn: (dir: string) => Promise<void>): void {
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      requireTool("flac", name);
      const dir = await Deno.makeTempDir({ prefix: "stemplay-cut-" });
      try {
        await fn(dir);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

cutTest(
  "streaming under ASan+UBSan: a FLAC (resampled, and at 48 kHz) cut on disk mid-frame, sought or read into and sought back, reads its intact frames",
  async (dir) => {
    for (const rate of [44100, 48000]) {
      const { stdout, report } = await runCut([await writeFlac(dir, rate)], `${rate} Hz`);
      const [, rounds, whole] = stdout.match(/stream cut: (\d+) rounds, (\d+) read whole, ok/) ??
        assert.fail(report);
      // Most cuts leave the frames sought back to whole: those are compared in full.
      assert.ok(Number(whole) > Number(rounds) / 2, report);
    }
  },
);

cutTest(
  "streaming under ASan+UBSan: a FLAC cut on disk, then replaced by one at another rate, is not read at the song's rate",
  async (dir) => {
    // A stem exported again over the loaded one (a cut while it is written, then another
    // file): the decoder opened again before the next seek read the new file's frames as if
    // at the song's rate, 440 Hz played as 479 Hz.
    for (const [song, other] of [[48000, 44100], [44100, 48000]]) {
      const { stdout, report } = await runCut(
        [await writeFlac(dir, song), await writeFlac(dir, other)],
        `${song} Hz replaced by ${other} Hz`,
      );
      assert.match(stdout, /stream cut: replaced, refused/, report);
    }
  },
);
