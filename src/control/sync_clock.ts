/**
 * The follower's view of time: the offset between its clock and the primary's (NTP-style
 * round trips), and the drift of its audio against the primary's (a line fitted through the
 * measured position errors).
 *
 * @module
 */

import type { Native } from "../native/native.ts";

/** This machine's clock in ms: the one the engine stamps its callbacks with (CLOCK_MONOTONIC,
 * `sp_clock_now_ns`), so a callback's time and a packet's time compare directly. */
export function syncNow(native: Native): number {
  return Number(native.sp_clock_now_ns()) / 1e6;
}

/** Round trips kept; the offset is taken from the one with the shortest delay (the least
 * queued, so the most symmetric), as NTP's clock filter does. */
const ROUND_TRIPS = 64;

/** The primary's clock minus ours, from round trips. */
export class ClockOffset {
  #samples: { offset: number; delay: number }[] = [];

  /** One round trip: `t0` sent (ours), `t1` received and `t2` answered (theirs), `t3` back
   * (ours). */
  add(t0: number, t1: number, t2: number, t3: number): void {
    const delay = (t3 - t0) - (t2 - t1);
    if (delay < 0 || delay > 2000) return;
    this.#samples.push({ offset: ((t1 - t0) + (t2 - t3)) / 2, delay });
    if (this.#samples.length > ROUND_TRIPS) this.#samples.shift();
  }

  /** True once a round trip came back. */
  get known(): boolean {
    return this.#samples.length > 0;
  }

  /** Ms to add to our clock to read the primary's. */
  get offsetMs(): number {
    let best = this.#samples[0];
    for (const sample of this.#samples) if (sample.delay < best.delay) best = sample;
    return best?.offset ?? 0;
  }

  /** The shortest round trip's delay, ms. */
  get delayMs(): number {
    return Math.min(...this.#samples.map((s) => s.delay));
  }
}

/** Errors kept for the median (about 0.14 s at the 20 ms tick). */
const MEDIAN_OF = 7;
/** Errors kept for the drift line (about 30 s at the 20 ms tick). */
const DRIFT_OF = 1500;

/** The follower's position error against the primary (frames, + = ahead), filtered: the
 * median of the last few (each read is quantised to a block on both sides), and the drift, the
 * slope of a line through the last half minute. Cleared after every jump of ours. */
export class LockError {
  #recent: number[] = [];
  #line: { t: number; e: number }[] = [];

  add(timeMs: number, errorFrames: number): void {
    this.#recent.push(errorFrames);
    if (this.#recent.length > MEDIAN_OF) this.#recent.shift();
    this.#line.push({ t: timeMs, e: errorFrames });
    if (this.#line.length > DRIFT_OF) this.#line.shift();
  }

  clear(): void {
    this.#recent = [];
    this.#line = [];
  }

  /** Errors in the median so far. */
  get count(): number {
    return this.#recent.length;
  }

  /** The median error, frames (0 before any). */
  get median(): number {
    if (!this.#recent.length) return 0;
    const sorted = [...this.#recent].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  }

  /** The drift in ppm of the sample rate (+ = our audio runs fast), 0 before 2 s of data. */
  driftPpm(sampleRate: number): number {
    const line = this.#line;
    if (line.length < 20 || line[line.length - 1].t - line[0].t < 2000) return 0;
    const n = line.length;
    const mt = line.reduce((s, p) => s + p.t, 0) / n;
    const me = line.reduce((s, p) => s + p.e, 0) / n;
    let num = 0, den = 0;
    for (const p of line) {
      num += (p.t - mt) * (p.e - me);
      den += (p.t - mt) ** 2;
    }
    if (den === 0) return 0;
    // frames per ms, over frames per ms of the rate
    return (num / den) / (sampleRate / 1000) * 1e6;
  }
}
