/**
 * songPeaks: 16 stereo stems of 4 minutes, 48 kHz, as 24-bit WAV and as FLAC (files in the page
 * cache after a first read), computed (cache empty) and cached (the second call). Medians
 * printed, nothing asserted. Targets (issue 25): WAV ≤ 1 s computed, ≤ 50 ms cached.
 *
 * WAV is also measured through the decoder (STEMPLAY_PEAKS_DECODER=1), as before the direct
 * WAV path, and the ratio printed.
 *
 * Run: `deno run -A bench/peaks_bench.ts` (needs sox; writes ~0.3 GB to a temporary folder,
 * removed at the end). PEAKS_BENCH_RUNS changes the 5.
 *
 * @module
 */

import { join } from "node:path";
import { songPeaks } from "../mod.ts";
import { run } from "./material.ts";

const STEMS = 16;
const SECONDS = 240;
const POINTS = 2000;
const RUNS = Number(Deno.env.get("PEAKS_BENCH_RUNS") ?? "5");

/** A song folder of STEMS files (4 distinct stems, each linked 4 times: same decode work). */
async function writeSong(dir: string, type: "wav" | "flac"): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const distinct: string[] = [];
  for (let k = 0; k < 4; k++) {
    const file = join(dir, `source${k}.${type}.tmp`);
    await run("sox", [
      "-n",
      "-r",
      "48000",
      "-c",
      "2",
      "-b",
      "24",
      "-t",
      type,
      file,
      "synth",
      String(SECONDS),
      "sine",
      String(110 + 55 * k),
      "pinknoise",
      "vol",
      "0.2",
    ]); // deno-fmt-ignore
    distinct.push(file);
  }
  for (let i = 0; i < STEMS; i++) {
    await Deno.link(distinct[i % 4], join(dir, `stem${String(i + 1).padStart(2, "0")}.${type}`));
  }
  for (const file of distinct) await Deno.remove(file);
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Medians of computed and cached; `decoder` sends WAV through miniaudio's decoder as before
 * the direct WAV path (native/peaks_wav.c), for the ratio. */
async function measure(song: string, label: string, decoder = false): Promise<number> {
  const computed: number[] = [], cached: number[] = [];
  if (decoder) Deno.env.set("STEMPLAY_PEAKS_DECODER", "1");
  for (let i = 0; i < RUNS; i++) {
    const cache = await Deno.makeTempDir({ prefix: "stemplay-peaks-cache-" });
    Deno.env.set("STEMPLAY_CACHE", cache);
    let t = performance.now();
    await songPeaks(song, { points: POINTS });
    computed.push(performance.now() - t);
    t = performance.now();
    await songPeaks(song, { points: POINTS });
    cached.push(performance.now() - t);
    await Deno.remove(cache, { recursive: true });
  }
  console.log(
    `${label}: computed median ${median(computed).toFixed(0)} ms, cached median ${
      median(cached).toFixed(1)
    } ms (${RUNS} runs; ${STEMS} stereo stems × ${SECONDS / 60} min, ${POINTS} points)`,
  );
  Deno.env.delete("STEMPLAY_PEAKS_DECODER");
  return median(computed);
}

const root = await Deno.makeTempDir({ prefix: "stemplay-peaks-bench-" });
try {
  for (const type of ["wav", "flac"] as const) {
    const song = await writeSong(join(root, type), type);
    await songPeaks(song, { points: 1 }); // into the page cache
    const direct = await measure(song, `24-bit ${type.toUpperCase()}`);
    if (type === "wav") {
      const old = await measure(song, "24-bit WAV through the decoder", true);
      console.log(`direct WAV path / decoder path, computed: ${(direct / old).toFixed(2)}`);
    }
  }
} finally {
  Deno.env.delete("STEMPLAY_CACHE");
  await Deno.remove(root, { recursive: true });
}
