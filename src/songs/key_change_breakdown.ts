/**
 * Where the time of a key or tempo change while playing goes (issue 24), for the bench
 * (bench/key_change_bench.ts): each phase of the latest change is a `performance.mark` named
 * `stemplay:key-change:<phase>`, cleared when the next change begins, so a long show keeps one
 * change's marks, never more. Marks only: nothing here changes what plays.
 *
 * @module
 */

import type { Native } from "../native/native.ts";

/** The phases, in the order they happen. */
export const KEY_CHANGE_PHASES = [
  "begin", // the change is being prepared (the value was set)
  "decoded", // the stems' source audio is ready (decoded again from disk)
  "launched", // every stem's render thread started
  "created", // the last stem's first stretcher made (its start pad fed)
  "published", // the last stem's first frame at the playhead written (the lead-in done)
  "filled", // every stem holds the mapped playhead plus the switch's margin
  "switched", // the switch pushed to the callback
] as const;

/** One phase of a key change. */
export type KeyChangePhase = typeof KEY_CHANGE_PHASES[number];

const PREFIX = "stemplay:key-change:";

/** Marks `phase` of the change being made, now or at `at` (performance.now() time), with
 * `detail`; "begin" clears the previous change's marks. */
export function markKeyChange(phase: KeyChangePhase, at?: number, detail?: unknown): void {
  if (phase === "begin") {
    for (const name of KEY_CHANGE_PHASES) performance.clearMarks(PREFIX + name);
  }
  performance.mark(PREFIX + phase, { startTime: at, detail });
}

/** Marks "created" and "published" from the render threads' own clocks: the latest stem's
 * (the switch waits for all of them); "published" carries each stem's CPU ms by then. */
export function markFillTimings(native: Native, fills: readonly Deno.PointerValue[]): void {
  const out = new BigUint64Array(6);
  let created = 0, published = 0;
  const cpuMs: number[] = [], filledCpuMs: number[] = [];
  for (const pcm of fills) {
    native.sp_pcm_fill_timing(pcm, out);
    const now = performance.now();
    const at = (ns: bigint) => ns === 0n ? 0 : now - Number(out[0] - ns) / 1e6;
    created = Math.max(created, at(out[2]));
    published = Math.max(published, at(out[3]));
    if (out[4] > 0n) cpuMs.push(Number(out[4]) / 1e6);
    if (out[5] > 0n) filledCpuMs.push(Number(out[5]) / 1e6);
  }
  if (created > 0) markKeyChange("created", created);
  if (published > 0) markKeyChange("published", published, { cpuMs, filledCpuMs });
}

/** Each stem's render thread's CPU ms to its first frame at the playhead, in the latest
 * change (what the machine's load does not change). */
export function keyChangeStemCpu(): number[] {
  const mark = performance.getEntriesByName(PREFIX + "published", "mark").at(-1) as
    | PerformanceMark
    | undefined;
  return (mark?.detail as { cpuMs?: number[] } | undefined)?.cpuMs ?? [];
}

/** Each stem's render thread's CPU ms to the switch (when every stem held the margin), in the
 * latest change: the whole work a change waits for, load aside. */
export function keyChangeStemCpuToSwitch(): number[] {
  const mark = performance.getEntriesByName(PREFIX + "published", "mark").at(-1) as
    | PerformanceMark
    | undefined;
  return (mark?.detail as { filledCpuMs?: number[] } | undefined)?.filledCpuMs ?? [];
}

/** The latest change's phases: each one's time in ms since the one before it that was marked
 * (a phase not marked is left out). */
export function keyChangeBreakdown(): { phase: KeyChangePhase; ms: number }[] {
  const out: { phase: KeyChangePhase; ms: number }[] = [];
  let last: number | undefined;
  for (const phase of KEY_CHANGE_PHASES) {
    const mark = performance.getEntriesByName(PREFIX + phase, "mark").at(-1);
    if (!mark) continue;
    if (last !== undefined) out.push({ phase, ms: mark.startTime - last });
    last = mark.startTime;
  }
  return out;
}
