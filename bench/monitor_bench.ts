/**
 * What the latency monitor costs the callback: offline render of 256-frame blocks with 8
 * stereo tracks, through three builds of the same callback code:
 *
 * - compiled out: the `nomonitor` library (`-DSP_NO_MONITOR`);
 * - built in, off: one relaxed load and a branch per block;
 * - built in, on: two clock reads, one ring slot and the counters per block.
 *
 * Group "monitor cost" has the compiled-out build as its baseline, so `deno bench` prints
 * off / compiled-out and on / compiled-out; group "monitor on vs off" prints on / off. One
 * iteration renders 64 blocks (16384 frames) through `sp_render` into a preallocated buffer,
 * so FFI overhead and JS are a small share of it. Added ns per block when on =
 * (on − off) / 64; the 256-frame budget at 48 kHz is 5,333,333 ns.
 *
 * @module
 */

import { Player } from "../mod.ts";
import type { LibraryVariant } from "../src/native/native.ts";

const BLOCK_FRAMES = 256;
const BLOCKS_PER_ITERATION = 64;
const TRACKS = 8;
const FRAMES = BLOCK_FRAMES * BLOCKS_PER_ITERATION;

/** An offline player with 8 stereo tones playing, and a buffer to render into. */
async function setup(library: LibraryVariant, monitor: boolean) {
  const player = await Player.open({ backend: "offline", blockFrames: BLOCK_FRAMES, library });
  const frames = FRAMES + BLOCK_FRAMES; // longer than one iteration: never ends mid-way
  for (let t = 0; t < TRACKS; t++) {
    const step = (2 * Math.PI * 110 * (t + 1)) / player.sampleRate;
    const left = new Float32Array(frames).map((_, i) => 0.05 * Math.sin(step * i));
    player.addTrack([left, left.slice()], { pan: (t % 3 - 1) * 0.3, gain: 0.8 });
  }
  player.latencyMonitor = monitor;
  player.play();
  const out = new Float32Array(FRAMES * player.channels);
  return { player, out };
}

const cases = {
  "compiled out": await setup("nomonitor", false),
  "built in, off": await setup("default", false),
  "built in, on": await setup("default", true),
};

/** Renders one iteration (64 blocks) from the top of the song. */
function renderIteration({ player, out }: { player: Player; out: Float32Array }): void {
  player.native.sp_transport_seek(player.engine, 0n);
  player.native.sp_render(player.engine, out, FRAMES);
}

for (const [name, state] of Object.entries(cases)) {
  Deno.bench({
    name: `${name} (64 x 256 frames, 8 stereo tracks)`,
    group: "monitor cost",
    baseline: name === "compiled out",
    fn: () => renderIteration(state),
  });
}

for (const name of ["built in, off", "built in, on"] as const) {
  Deno.bench({
    name: `${name} (64 x 256 frames, 8 stereo tracks)`,
    group: "monitor on vs off",
    baseline: name === "built in, off",
    fn: () => renderIteration(cases[name]),
  });
}
