/**
 * Fuzzing the native decoder: native/tests/fuzz_decode.c runs 4,000 mutated copies of
 * small valid WAV, AIFF, FLAC, MP3 and Ogg Vorbis files (byte flips, truncations, size fields that lie) through
 * the decode job API, built with AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer
 * included). Nothing may crash, trip a sanitizer or leak, and every failure must carry a
 * detail. Every mutated WAV's peaks (native/peaks_wav.c) must equal the decoder path's bit for bit. The generator's seed is fixed, so a failure reproduces.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeToneFiles } from "./support/fixtures.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { runFuzzDecode, SANITIZER_CC } from "./support/sanitize.ts";

const CASES = 4000;
const SEED = 20261124;

/** Small seed files of every container and a few shapes. */
async function writeSeeds(dir: string): Promise<string[]> {
  const stereo = await writeToneFiles(dir, { seconds: 0.05, name: "stereo" });
  const mono = await writeToneFiles(dir, {
    seconds: 0.05,
    channels: 1,
    sampleRate: 44100,
    frequency: 1000,
    name: "mono",
  });
  const quad = await writeToneFiles(dir, { seconds: 0.02, channels: 4, name: "quad" });
  const seeds = [stereo.wavS16, stereo.wavS24, stereo.wavF32, mono.wavS16, quad.wavS24];
  for (const files of [stereo, mono, quad]) {
    if (requireTool("flac", "FLAC fuzz seeds") && files.flac) seeds.push(files.flac);
  }
  for (const files of [stereo, mono]) {
    if (requireTool("lame", "MP3 fuzz seeds") && files.mp3) seeds.push(files.mp3.path);
  }
  if (requireTool("sox", "AIFF and Ogg Vorbis fuzz seeds")) {
    // AIFF 16-bit, 24-bit mono, AIFF-C float and ulaw, and Ogg Vorbis stereo and mono (sox).
    const made: Array<[string, string[], string]> = [
      [stereo.wavS16, [], "stereo.aiff"],
      [mono.wavS16, ["-b", "24"], "mono24.aiff"],
      [stereo.wavF32, ["-e", "floating-point"], "stereo_f32.aifc"],
      [stereo.wavS16, ["-e", "u-law"], "stereo_ulaw.aifc"],
      [stereo.wavS16, [], "stereo.ogg"],
      [mono.wavS16, [], "mono.ogg"],
    ];
    for (const [input, options, name] of made) {
      const output = join(dir, name);
      const run = await new Deno.Command("sox", { args: [input, ...options, output] }).output();
      if (!run.success) throw new Error(`sox could not write ${name}`);
      seeds.push(output);
    }
  }
  return seeds;
}

{
  const name =
    "fuzz: 4,000 mutated WAV/AIFF/FLAC/MP3/Ogg files under ASan+UBSan+LSan: no crash, no leak";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const dir = await Deno.makeTempDir({ prefix: "stemplay-fuzz-" });
      try {
        const seeds = await writeSeeds(dir);
        const { stdout, report } = await runFuzzDecode(dir, CASES, SEED, seeds);
        assert.match(stdout, /fuzz: \d+ x not a valid audio file/, report);
        // AIFF and Ogg Vorbis are reached too, some still decoding, most refused.
        for (const format of ["AIFF", "AIFF-C", "Ogg Vorbis", "WAV", "FLAC", "MP3"]) {
          const line = new RegExp(`fuzz: format "${format}": (\\d+) cases, (\\d+) ok`).exec(
            stdout,
          );
          assert.ok(line, `${format} was fuzzed\n${report}`);
          const [cases, ok] = [Number(line[1]), Number(line[2])];
          assert.ok(ok > 0 && ok < cases, `${format}: ${ok} of ${cases} decoded`);
        }
        console.log(stdout.trim());
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
