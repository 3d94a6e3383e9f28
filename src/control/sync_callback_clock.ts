/**
 * One rig's audio clock as the sync feed reads it (docs/two-rigs.md, "Lock"): where its song
 * is at a given moment, from the stamps its device callbacks leave in the status (when each
 * began, and the song frame its first output frame plays).
 *
 * One stamp alone carries its callback's wake-up jitter: a callback that ran late pairs its
 * frame with a late time, and reads as music running late (on a loaded machine by a
 * millisecond or more), though the device played it on time. A callback can run late, never
 * early, so this keeps the stamps of the last `WINDOW_MS`, read often, and takes the
 * earliest-running one (each carried forward to the moment asked at the rate given): the lower
 * envelope of the wake-up times, as a timing filter that knows its jitter is one-sided. Late
 * stamps count nothing; a real step of the device's clock (a stall it never makes up) shows
 * once the window has passed it.
 *
 * @module
 */

import type { Player } from "../player/player.ts";

/** Stamps kept: short, so that the rate used to carry them forward (the nominal one, not the
 * device's, which may be off by thousands of ppm on a dummy server) costs little (at 3000 ppm
 * off, 0.3 ms for the oldest), long enough to hold an on-time callback. */
const WINDOW_MS = 100;
/** How often the status is read: about 20 stamps in a window. */
export const CALLBACK_SAMPLE_MS = 5;
/** A stamp this far behind the others is not a late callback but a jump back (a loop, a seek,
 * a song change): the stamps before it are dropped. */
const BACK_MS = 20;
/** Lateness kept for `lateMs` (the last 2 s at the sampling rate). */
const LATE_OF = 400;

/** One stamp: when the callback began (ms, `syncNow`'s clock) and its song frame. */
interface Stamp {
  ms: number;
  frame: number;
}

/** The song frame playing at a moment, filtered over the last stamps. */
export class CallbackClock {
  readonly #player: Player;
  readonly #ratio: () => number;
  #stamps: Stamp[] = [];
  #late: number[] = [];
  #timer?: ReturnType<typeof setInterval>;

  /** `ratio`: the song's frames per device frame now (a follower's varispeed). */
  constructor(player: Player, ratio: () => number = () => 1) {
    this.#player = player;
    this.#ratio = ratio;
  }

  /** Reads the status every `CALLBACK_SAMPLE_MS` until `stop`. */
  start(): void {
    this.#timer ??= setInterval(() => this.sample(), CALLBACK_SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.clear();
  }

  /** Forgets the stamps (after a jump of our own: the ones before it are another place). */
  clear(): void {
    this.#stamps = [];
  }

  /** Takes the last callback's stamp, if playing on a device. */
  sample(): void {
    const player = this.#player;
    if (player.closed) return;
    const status = player.engineContext.readStatus();
    if (status.state !== "playing" || status.callbackMs <= 0) return this.clear();
    this.add(status.callbackMs, status.callbackPosition, this.framesPerMs());
  }

  /** Frames a ms at the rate the song plays now (the varispeed's ratio included). */
  framesPerMs(): number {
    return this.#player.sampleRate / 1000 * this.#ratio();
  }

  /** One stamp (the same callback read twice counts once). */
  add(ms: number, frame: number, framesPerMs: number): void {
    const last = this.#stamps.at(-1);
    if (last && last.ms === ms) return;
    const expected = this.frameAt(ms, framesPerMs);
    if (expected !== undefined) {
      const lateMs = (expected - frame) / framesPerMs;
      if (lateMs > BACK_MS || lateMs < -BACK_MS) this.#stamps = [];
      else {
        this.#late.push(Math.max(0, lateMs));
        if (this.#late.length > LATE_OF) this.#late.shift();
      }
    }
    this.#stamps.push({ ms, frame });
    while (this.#stamps[0].ms < ms - WINDOW_MS) this.#stamps.shift();
  }

  /** The song frame playing at `ms` (`syncNow`'s clock), by the earliest-running stamp of the
   * window carried forward at `framesPerMs`; undefined before any stamp. */
  frameAt(ms: number, framesPerMs = this.framesPerMs()): number | undefined {
    let best: number | undefined;
    for (const stamp of this.#stamps) {
      const frame = stamp.frame + (ms - stamp.ms) * framesPerMs;
      if (best === undefined || frame > best) best = frame;
    }
    return best;
  }

  /** How late the callbacks ran behind this clock lately, ms: the median and the 90th and 99th
   * percentiles of the stamps of the last 2 s (what an unfiltered reading would have followed). */
  get lateMs(): { median: number; p90: number; p99: number } {
    const sorted = [...this.#late].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
    return { median: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}
