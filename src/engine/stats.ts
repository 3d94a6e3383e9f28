/**
 * Latency statistics: turns the latency monitor's ring (callback durations and start-to-start
 * intervals, copied out by `sp_monitor_read`) into numbers a person can read.
 *
 * The copy runs on the control thread into buffers this module owns, allocated once per
 * player, so reading at UI rate makes no garbage beyond the result object and never makes the
 * audio thread wait.
 *
 * @module
 */

import type { Native } from "../native/native.ts";
import { MONITOR } from "../native/native_constants.ts";
import { unwrap } from "../native/native.ts";

/** The ring's size in the native library (SP_MONITOR_SLOTS). */
export const MONITOR_SLOTS: number = MONITOR.slots;

/** Callback timing over the monitor's current window (the newest up to 4096 callbacks since
 * the last reset). Durations are in milliseconds. With an empty window every measured value
 * is 0 (never NaN); `budgetMs` is still the block's budget. */
export interface LatencyStats {
  /** Callbacks timed since the last reset (may exceed `window`). */
  callbacks: number;
  /** Of those, callbacks that took longer than 80% of their time budget. */
  overruns: number;
  /** Callbacks the statistics below are computed over (at most 4096). */
  window: number;
  /** The time budget of one block: blockFrames / sampleRate, in ms. */
  budgetMs: number;
  /** Mean callback duration. */
  meanMs: number;
  /** Shortest callback. */
  minMs: number;
  /** Longest callback. */
  maxMs: number;
  /** Median callback duration (nearest rank). */
  p50Ms: number;
  /** 95th percentile of callback duration (nearest rank). */
  p95Ms: number;
  /** 99th percentile of callback duration (nearest rank). */
  p99Ms: number;
  /** Population standard deviation of callback duration. */
  stdDevMs: number;
  /** meanMs / budgetMs: the share of the audio thread's time the mix uses (1 = all of it). */
  load: number;
  /** 99th percentile of |start-to-start interval − nominal period|: how late or early the
   * system starts callbacks, independent of how long they take. */
  jitterP99Ms: number;
  /** Track-blocks a streamed track had no audio ready for (silent, never waited for), since the
   * player opened; not reset with the window. */
  starved?: number;
}

/** The raw window as copied out of the ring, oldest first. The arrays are views into the
 * reader's own buffers: valid until its next `read()`. */
export interface MonitorWindow {
  /** Callback durations in ns. */
  durationsNs: Uint32Array;
  /** Start-to-start intervals in ns; 0 where unknown (the previous block was not timed). */
  intervalsNs: Uint32Array;
  /** Callbacks timed since the last reset. */
  callbacks: number;
  /** Of those, overruns (> 80% of the budget). */
  overruns: number;
}

const NS_PER_MS = 1e6;
const COUNTER = MONITOR;

/** Reused sort space, so a summary allocates nothing but its result. */
export interface SummaryScratch {
  /** At least as long as the window. */
  sorted: Uint32Array;
  /** At least as long as the window. */
  deviations: Float64Array;
}

function newScratch(length: number): SummaryScratch {
  return { sorted: new Uint32Array(length), deviations: new Float64Array(length) };
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p of the
 * values at or below it. */
export function percentile(sorted: ArrayLike<number>, length: number, p: number): number {
  if (length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * length - 1e-9));
  return sorted[Math.min(rank, length) - 1];
}

/**
 * Computes {@link LatencyStats} from a window of the ring.
 *
 * @param window durations and intervals in ns, and the counters
 * @param budgetNs the nominal block period, blockFrames / sampleRate, in ns
 * @param scratch reusable sort space (allocated here when not given)
 */
export function summarizeLatency(
  window: MonitorWindow,
  budgetNs: number,
  scratch: SummaryScratch = newScratch(window.durationsNs.length),
): LatencyStats {
  const count = window.durationsNs.length;
  const sorted = scratch.sorted.subarray(0, count);
  sorted.set(window.durationsNs);
  sorted.sort();

  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i];
  const mean = count > 0 ? sum / count : 0;
  let squares = 0;
  for (let i = 0; i < count; i++) squares += (sorted[i] - mean) ** 2;
  const stdDev = count > 0 ? Math.sqrt(squares / count) : 0;

  let known = 0;
  for (let i = 0; i < window.intervalsNs.length; i++) {
    const interval = window.intervalsNs[i];
    if (interval !== 0) scratch.deviations[known++] = Math.abs(interval - budgetNs);
  }
  const deviations = scratch.deviations.subarray(0, known);
  deviations.sort();

  const ms = (ns: number) => ns / NS_PER_MS;
  return {
    callbacks: window.callbacks,
    overruns: window.overruns,
    window: count,
    budgetMs: ms(budgetNs),
    meanMs: ms(mean),
    minMs: count > 0 ? ms(sorted[0]) : 0,
    maxMs: count > 0 ? ms(sorted[count - 1]) : 0,
    p50Ms: ms(percentile(sorted, count, 0.5)),
    p95Ms: ms(percentile(sorted, count, 0.95)),
    p99Ms: ms(percentile(sorted, count, 0.99)),
    stdDevMs: ms(stdDev),
    load: budgetNs > 0 ? mean / budgetNs : 0,
    jitterP99Ms: ms(percentile(deviations, known, 0.99)),
  };
}

/**
 * Reads one engine's latency monitor into buffers it owns (allocated once). Control thread
 * only, like every call into the engine.
 */
export class LatencyMonitorReader {
  readonly #native: Native;
  readonly #engine: Deno.PointerValue;
  readonly #budgetNs: number;
  readonly #durations = new Uint32Array(MONITOR_SLOTS);
  readonly #intervals = new Uint32Array(MONITOR_SLOTS);
  readonly #counters = new BigUint64Array(MONITOR.counterCount);
  readonly #count = new Uint32Array(1);
  readonly #scratch = newScratch(MONITOR_SLOTS);

  /**
   * @param native the loaded library
   * @param engine the engine to read
   * @param sampleRate the engine's rate, for the block budget
   * @param blockFrames the engine's block size, for the block budget
   */
  constructor(native: Native, engine: Deno.PointerValue, sampleRate: number, blockFrames: number) {
    this.#native = native;
    this.#engine = engine;
    this.#budgetNs = blockFrames / sampleRate * 1e9;
  }

  /** Copies the ring's current window out (the audio thread never waits for this). */
  read(): MonitorWindow {
    unwrap(
      this.#native,
      this.#native.sp_monitor_read(
        this.#engine,
        this.#durations,
        this.#intervals,
        MONITOR_SLOTS,
        this.#counters,
        this.#count,
      ),
      "read the latency monitor",
    );
    const kept = this.#count[0];
    return {
      durationsNs: this.#durations.subarray(0, kept),
      intervalsNs: this.#intervals.subarray(0, kept),
      callbacks: Number(this.#counters[COUNTER.callbacks]),
      overruns: Number(this.#counters[COUNTER.overruns]),
    };
  }

  /** The statistics of the current window. */
  stats(): LatencyStats {
    return summarizeLatency(this.read(), this.#budgetNs, this.#scratch);
  }

  /** Starts a new window: counters and ring read as empty until the next timed callback. */
  reset(): void {
    unwrap(
      this.#native,
      this.#native.sp_monitor_reset(this.#engine),
      "reset the latency monitor",
    );
  }
}
