/**
 * Packets a second per source address, for the OSC surface: a fixed one-second window per
 * source. A window, not a token bucket, because it is the simplest thing that bounds both
 * the work a source causes and the table itself (every entry is forgotten when its second
 * is over).
 *
 * @module
 */

interface Window {
  /** When this source's second began (ms, `performance.now()`). */
  startedAt: number;
  /** Packets seen in it. */
  packets: number;
}

/** What `PacketRate.admit` says about one packet. */
export type Admission =
  /** Within the limit: read it. */
  | "ok"
  /** The first packet over the limit in this second: drop it, and say so once. */
  | "first-over"
  /** Over the limit: drop it silently. */
  | "over";

/** Counts packets per source in one-second windows. */
export class PacketRate {
  readonly #perSecond: number;
  readonly #maxSources: number;
  readonly #windows = new Map<string, Window>();

  /**
   * @param perSecond packets a source may send in one second
   * @param maxSources sources remembered at once (a new source beyond takes the place of the
   *   one remembered longest)
   */
  constructor(perSecond: number, maxSources: number) {
    this.#perSecond = perSecond;
    this.#maxSources = maxSources;
  }

  /** Counts a packet from `source` at time `now` (ms) and says whether to read it. */
  admit(source: string, now: number): Admission {
    let window = this.#windows.get(source);
    if (window && now - window.startedAt >= 1000) {
      // Deleted and set again, so the table stays in the order the windows started.
      this.#windows.delete(source);
      window = undefined;
    }
    if (!window) {
      if (this.#windows.size >= this.#maxSources && !this.#forgetEnded(now)) {
        // Full of live windows: a flood of forged addresses (1,024 packets a second would
        // do). Refusing every new source would lock the operator's controller out; the
        // window that started first makes room instead, and the table stays bounded.
        this.#windows.delete(this.#windows.keys().next().value!);
      }
      window = { startedAt: now, packets: 0 };
      this.#windows.set(source, window);
    }
    window.packets++;
    if (window.packets <= this.#perSecond) return "ok";
    return window.packets === this.#perSecond + 1 ? "first-over" : "over";
  }

  /** Sources remembered now (for tests and stats). */
  get sources(): number {
    return this.#windows.size;
  }

  /** Forgets every source whose second is over. @returns whether there is room now */
  #forgetEnded(now: number): boolean {
    for (const [source, window] of this.#windows) {
      if (now - window.startedAt < 1000) break; // the rest started later
      this.#windows.delete(source);
    }
    return this.#windows.size < this.#maxSources;
  }
}
