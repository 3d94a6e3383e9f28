/**
 * Callback timing with and without a JS garbage storm, as a report that asserts nothing (the
 * test in tests/monitor_test.ts only asserts zero overruns; a ratio of two p99s is timing and
 * moves with the machine's load). Null backend, 1024-frame blocks, 8 stereo tones, and 2 ms of
 * CPU time burned per callback (test hook) so a pause of the audio thread would show in full.
 *
 * Run: deno run -A --v8-flags=--expose-gc bench/gc_storm_report.ts (part of `deno task bench`).
 *
 * @module
 */
import { Player } from "../mod.ts";
import type { LatencyStats } from "../mod.ts";
import { garbageStorm } from "../tests/support/garbage.ts";
import { sleep } from "../tests/support/wait.ts";

const MS = 1_000_000;
const PHASE_MS = 3000;

await using player = await Player.open({
  backend: "null",
  blockFrames: 1024,
  latencyMonitor: true,
  library: "test",
});
const frames = 10 * player.sampleRate;
for (let t = 0; t < 8; t++) {
  const step = (2 * Math.PI * 110 * (t + 1)) / player.sampleRate;
  const tone = new Float32Array(frames).map((_, i) => 0.05 * Math.sin(step * i));
  player.addTrack([tone, tone.slice()], { name: `tone ${t}` });
}
player.native.sp_test_set_cpu_load_ns(player.engine, 2 * MS);
player.play();
await sleep(300);

player.resetLatencyStats();
await sleep(PHASE_MS);
const quiet = player.latencyStats();
player.resetLatencyStats();
const batches = await garbageStorm(PHASE_MS);
const storm = player.latencyStats();

const line = (name: string, s: LatencyStats) =>
  `${name.padEnd(6)} ${String(s.callbacks).padStart(5)} callbacks  p50 ${s.p50Ms.toFixed(3)} ms` +
  `  p99 ${s.p99Ms.toFixed(3)} ms  max ${s.maxMs.toFixed(3)} ms  overruns ${s.overruns}`;
console.log(`\nGC storm report (budget ${quiet.budgetMs.toFixed(2)} ms per block)`);
console.log(line("quiet", quiet));
console.log(line("storm", storm) + `  (${batches} x ~1 MB allocated)`);
console.log(`storm p99 / quiet p99 = ${(storm.p99Ms / quiet.p99Ms).toFixed(3)}`);
