/**
 * Fuzzing the native decoder: native/tests/fuzz_decode.c runs at least 2,000 mutated copies of
 * small valid WAV, FLAC and MP3 files (byte flips, truncations, size fields that lie) through
 * the decode job API, built with AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer
 * included). Nothing may crash, trip a sanitizer or leak, and every failure must carry a
 * detail. The generator's seed is fixed, so a failure reproduces.
 */
import assert from "node:assert/strict";
import { writeToneFiles } from "./support/fixtures.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { buildHarness, runHarness, SANITIZER_CC } from "./support/sanitize.ts";

const CASES = 2400;
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
  return seeds;
}

{
  const name = "fuzz: 2,400 mutated WAV/FLAC/MP3 files under ASan+UBSan+LSan: no crash, no leak";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const dir = await Deno.makeTempDir({ prefix: "stemplay-fuzz-" });
      try {
        const seeds = await writeSeeds(dir);
        const build = await buildHarness("address,undefined", [], "fuzz_decode");
        const run = await runHarness(build, [dir, String(CASES), String(SEED), ...seeds], {
          ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
          UBSAN_OPTIONS: "print_stacktrace=1",
        });
        const report = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${
          run.stderr.slice(0, 8000)
        }`;
        assert.doesNotMatch(run.stderr, /Sanitizer|runtime error/, report);
        assert.equal(run.code, 0, report);
        assert.match(run.stdout, new RegExp(`fuzz: ${CASES} cases, ok`), report);
        // The mutations really reach the decoder's failure paths, and some still decode.
        assert.match(run.stdout, /fuzz: \d+ x ok/, report);
        assert.match(run.stdout, /fuzz: \d+ x the file is truncated/, report);
        assert.match(run.stdout, /fuzz: \d+ x not a valid audio file/, report);
        console.log(run.stdout.trim());
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
