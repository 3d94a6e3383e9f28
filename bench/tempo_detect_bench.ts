/**
 * Tempo detection speed: `detectTempo()` on a 4-minute mono 48 kHz click (the project's own
 * click at 123.4 bpm, 4/4), against decoding the file alone (`decodeFile`, the floor under
 * detectTempo: the baseline), and against `aubio tempo` (aubio-tools) on the same file when
 * it is installed (a peer's speed only: it reads a beat tracker's tempo, not a grid). Goal: detectTempo ≤ 0.5 s. After the run a summary prints the medians and the
 * ratios.
 *
 * @module
 */

import { join } from "node:path";
import { detectTempo } from "../mod.ts";
import { loadNative } from "../src/native/native.ts";
import { beatGrid } from "../src/model/tempo.ts";
import { renderClick } from "../src/show/show.ts";
import { decodeFile } from "../src/sources/decode.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { run } from "./material.ts";

const RATE = 48000;
const SECONDS = 240;
const BPM = 123.4;
const RUNS = 7;

const native = await loadNative();
const frames = SECONDS * RATE;
const click = renderClick(
  native,
  beatGrid([{ at: 0.25, tempo: BPM, timeSignature: [4, 4] }], frames, RATE),
  frames,
  RATE,
);
const samples = new Float32Array(frames);
native.sp_pcm_read_channel(click.pcm, 0, 0n, BigInt(frames), samples);
native.sp_pcm_free(click.pcm);
const root = await Deno.makeTempDir({ prefix: "stemplay-tempo-bench-" });
const input = join(root, "click.wav");
await Deno.writeFile(input, encodeWav([samples], RATE, "s16"));

let aubio = true;
try {
  await run("aubio", ["tempo", "-i", input]);
} catch {
  aubio = false;
}

const timings = new Map<string, number[]>();
globalThis.addEventListener("unload", () => {
  printSummary();
  Deno.removeSync(root, { recursive: true });
});

async function timed(b: Deno.BenchContext, name: string, work: () => Promise<unknown>) {
  const start = performance.now();
  b.start();
  await work();
  b.end();
  timings.set(name, [...(timings.get(name) ?? []), (performance.now() - start) / 1000]);
}

const DETECT = "detectTempo, 4 min click";
const DECODE = "decodeFile alone, 4 min click";
const AUBIO = "aubio tempo, 4 min click";

Deno.bench({
  name: DETECT,
  group: "tempo detection",
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await timed(b, DETECT, async () => {
      const found = await detectTempo(input);
      if (Math.abs(found.bpm - BPM) > 0.01) throw new Error(`detected ${found.bpm} bpm`);
    });
  },
});

Deno.bench({
  name: DECODE,
  group: "tempo detection",
  baseline: true,
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await timed(b, DECODE, async () => {
      const decoded = await decodeFile(native, input, 0);
      native.sp_pcm_free(decoded.pcm);
    });
  },
});

Deno.bench({
  name: AUBIO,
  group: "tempo detection",
  ignore: !aubio,
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await timed(b, AUBIO, () => run("aubio", ["tempo", "-i", input]));
  },
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function printSummary(): void {
  const m = (name: string) => median(timings.get(name) ?? [NaN]);
  const lines = [
    `\nTempo detection of a ${SECONDS / 60}-minute click, medians of ${RUNS}:`,
    `  ${DETECT.padEnd(34)} ${m(DETECT).toFixed(3)} s (goal ≤ 0.5 s)`,
    `  ${DECODE.padEnd(34)} ${m(DECODE).toFixed(3)} s`,
  ];
  if (aubio) lines.push(`  ${AUBIO.padEnd(34)} ${m(AUBIO).toFixed(3)} s`);
  lines.push(`  detectTempo / decode alone: ${(m(DETECT) / m(DECODE)).toFixed(2)}`);
  if (aubio) lines.push(`  detectTempo / aubio tempo:  ${(m(DETECT) / m(AUBIO)).toFixed(2)}`);
  console.log(lines.join("\n"));
}
