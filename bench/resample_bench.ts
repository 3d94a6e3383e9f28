/**
 * Resampling speed, against sox in the same run.
 *
 * - "44.1 → 48 kHz file": one 60 s stereo float WAV (tones plus noise) converted by
 *   `sox in.wav -b 32 -e float out.wav rate -v 48000` (the baseline) and loaded by
 *   `player.load()` into a 48 kHz offline engine (read, decode, resample, deinterleave).
 *   Goal: our time ≤ 2 × sox's. For scale, the same file loaded into a 44.1 kHz engine (no
 *   conversion) in its own group.
 * - "64 stems streaming": bench/peers/resample_peer.c (built with native/resample.c) converts
 *   one second of 64 stereo 44.1 kHz stems to 48 kHz, 256 output frames at a time per stem,
 *   as a streaming reader will. Its time in seconds is the share of one core that converting
 *   them in real time takes. Goal: < 0.5.
 *
 * After the run a summary prints the medians and both ratios.
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { buildLibrary, localBuildDir, SHIM_FLAGS } from "../ffi/build.ts";
import { run, stereoStem } from "./material.ts";

const SECONDS = 60;
const RATE_IN = 44100;
const RATE_OUT = 48000;
const STEMS = 64;
const BLOCK = 256;
const RUNS = 7;
/** About one second of output per stem, in whole blocks. */
const STREAM_BLOCKS = Math.ceil(RATE_OUT / BLOCK);
const STREAM_SECONDS = STREAM_BLOCKS * BLOCK / RATE_OUT;

function stem(rate: number): Float32Array[] {
  return stereoStem({
    seconds: SECONDS,
    rate,
    frequency: 440,
    tone: 0.4,
    noise: 0.05,
    seed: 0x9e3779b9,
  });
}

/** Builds the streaming peer into native/build/bench/ (a second). */
async function buildPeer(): Promise<string> {
  await buildLibrary({ quiet: true }); // makes sure miniaudio.h is there
  const buildDir = localBuildDir();
  const outDir = `${buildDir}bench`;
  await Deno.mkdir(outDir, { recursive: true });
  const native = new URL("../native/", import.meta.url).pathname;
  const library = `${outDir}/libbench_resample.so`;
  await run(Deno.env.get("CC") ?? "cc", [
    ...SHIM_FLAGS,
    "-shared",
    `-I${native}`,
    `-I${buildDir}`,
    new URL("./peers/resample_peer.c", import.meta.url).pathname,
    `${native}resample.c`,
    "-o",
    library,
    "-lm",
    "-lpthread",
  ]);
  return library;
}

const root = await Deno.makeTempDir({ prefix: "stemplay-resample-bench-" });
const input = join(root, "in44.wav");
await Deno.writeFile(input, encodeWav(stem(RATE_IN), RATE_IN, "f32"));
const peerLibrary = Deno.dlopen(
  await buildPeer(),
  {
    peer_create: { parameters: ["u32", "u32", "u32", "u32"], result: "pointer" },
    peer_run: { parameters: ["pointer", "u32"], result: "u64" },
    peer_free: { parameters: ["pointer"], result: "void" },
  } as const,
);
const peer = peerLibrary.symbols.peer_create(STEMS, RATE_IN, RATE_OUT, BLOCK);
if (peer === null) throw new Error("the resample peer could not be created");
const player48 = await Player.open({ backend: "offline", channels: 2, sampleRate: RATE_OUT });
const player44 = await Player.open({ backend: "offline", channels: 2, sampleRate: RATE_IN });

const timings = new Map<string, number[]>();

globalThis.addEventListener("unload", () => {
  printSummary();
  peerLibrary.symbols.peer_free(peer);
  peerLibrary.close();
  Deno.removeSync(root, { recursive: true });
});

async function timed(b: Deno.BenchContext, name: string, work: () => Promise<void> | void) {
  const start = performance.now();
  b.start();
  await work();
  b.end();
  timings.set(name, [...(timings.get(name) ?? []), (performance.now() - start) / 1000]);
}

const SOX = "sox rate -v 44.1 → 48 kHz, 60 s stereo";
const LOAD = "player.load 44.1 → 48 kHz, 60 s stereo";
const LOAD_NATIVE = "player.load at 44.1 kHz (no conversion)";
const STREAM = `${STEMS} stereo stems × 1 s, ${BLOCK}-frame blocks`;

Deno.bench({
  name: SOX,
  group: "44.1 → 48 kHz file",
  baseline: true,
  n: RUNS,
  warmup: 1,
  async fn(b) {
    const out = join(root, "sox48.wav");
    await timed(
      b,
      SOX,
      () => run("sox", [input, "-b", "32", "-e", "float", out, "rate", "-v", "48000"]),
    );
  },
});

Deno.bench({
  name: LOAD,
  group: "44.1 → 48 kHz file",
  n: RUNS,
  warmup: 1,
  async fn(b) {
    let track: Awaited<ReturnType<Player["load"]>> | undefined;
    await timed(b, LOAD, async () => {
      track = await player48.load(input);
    });
    await track?.remove();
  },
});

Deno.bench({
  name: LOAD_NATIVE,
  group: "no conversion",
  n: RUNS,
  warmup: 1,
  async fn(b) {
    let track: Awaited<ReturnType<Player["load"]>> | undefined;
    await timed(b, LOAD_NATIVE, async () => {
      track = await player44.load(input);
    });
    await track?.remove();
  },
});

Deno.bench({
  name: STREAM,
  group: "64 stems streaming",
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await timed(b, STREAM, () => {
      const made = peerLibrary.symbols.peer_run(peer, STREAM_BLOCKS);
      if (made !== BigInt(STREAM_BLOCKS * BLOCK * STEMS)) {
        throw new Error(`peer made ${made} frames`);
      }
    });
  },
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function printSummary(): void {
  const m = (name: string) => median(timings.get(name) ?? [NaN]);
  const lines = [`\nResampling, medians of ${RUNS}:`];
  for (const name of [SOX, LOAD, LOAD_NATIVE, STREAM]) {
    lines.push(`  ${name.padEnd(42)} ${m(name).toFixed(3)} s`);
  }
  lines.push(
    `  load 44.1 → 48 kHz time / sox time:        ${(m(LOAD) / m(SOX)).toFixed(2)} (goal ≤ 2)`,
    `  one core's share for ${STEMS} stereo stems 44.1 → 48 kHz in real time: ${
      (m(STREAM) / STREAM_SECONDS).toFixed(3)
    } (goal < 0.5)`,
  );
  console.log(lines.join("\n"));
}
