/**
 * The decoder's large sample buffers (native/decode.c asks for transparent huge pages from
 * 2 MiB: posix_memalign + madvise) under AddressSanitizer and UndefinedBehaviorSanitizer
 * (LeakSanitizer included), through native/tests/fuzz_decode.c: files whose buffer is just
 * under, exactly at and just over 2 MiB, an odd channel count, containers whose length is only
 * estimated (MP3, Ogg Vorbis: the buffer grows by realloc of the aligned block), at the four
 * target rates (resampled: exactly sized), and mutated copies (truncations, lying sizes) that
 * fail mid-way and must free it. The small seeds of tests/fuzz_test.ts never reach 2 MiB.
 */
import { join } from "node:path";
import { writeToneFiles } from "./support/fixtures.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { runFuzzDecode, SANITIZER_CC } from "./support/sanitize.ts";

const CASES = 120;
const SEED = 20261206;
/** Frames per channel of a stereo float buffer of exactly 2 MiB at 48 kHz. */
const STEREO_2MIB_FRAMES = (2 << 20) / (2 * 4);

async function writeSeeds(dir: string): Promise<string[]> {
  const seconds = (frames: number, rate = 48000) => frames / rate;
  const under = await writeToneFiles(dir, {
    seconds: seconds(STEREO_2MIB_FRAMES - 1),
    name: "under",
  });
  const exact = await writeToneFiles(dir, { seconds: seconds(STEREO_2MIB_FRAMES), name: "exact" });
  // 3 channels: 3 × 174,763 frames × 4 bytes is 4 bytes over 2 MiB.
  const odd = await writeToneFiles(dir, {
    seconds: seconds(174_763),
    channels: 3,
    name: "odd",
  });
  const seeds = [under.wavS16, exact.wavF32, odd.wavS24];
  if (requireTool("flac", "FLAC seeds") && odd.flac) seeds.push(odd.flac);
  if (requireTool("lame", "MP3 seeds") && exact.mp3) seeds.push(exact.mp3.path);
  if (requireTool("sox", "Ogg Vorbis seeds")) {
    const ogg = join(dir, "exact.ogg");
    const run = await new Deno.Command("sox", { args: [exact.wavS16, ogg] }).output();
    if (!run.success) throw new Error("sox could not write exact.ogg");
    seeds.push(ogg);
  }
  return seeds;
}

{
  const name =
    "decode: buffers around 2 MiB (huge pages) under ASan+UBSan+LSan: no report, no leak";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const dir = await Deno.makeTempDir({ prefix: "stemplay-huge-buffer-" });
      try {
        const seeds = await writeSeeds(dir);
        // Some still decode (the whole buffer is filled), some fail mid-way (it is freed).
        const run = await runFuzzDecode(dir, CASES, SEED, seeds);
        console.log(run.stdout.trim());
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
