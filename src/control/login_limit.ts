/**
 * The limit on PIN checks across every address together. The per-address lockout alone let a
 * guesser with many addresses (a /64 of IPv6, or thousands of loopback or spoofed-by-NAT
 * addresses) try a 6-digit PIN in seconds; this cap makes the whole PIN space take at least
 * 10^6 / `MAX_PIN_CHECKS` minutes (about 7 days for 6 digits), whatever the addresses.
 *
 * @module
 */

/** PIN checks the remote makes in any `PIN_WINDOW_SECONDS`, all addresses together. */
export const MAX_PIN_CHECKS = 100;
/** The window of `MAX_PIN_CHECKS`, in seconds. */
export const PIN_WINDOW_SECONDS = 60;

/** A sliding window of the last `max` PIN checks. */
export class PinCheckLimit {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #times: number[] = []; // the last `max` check times (ms), oldest first

  constructor(max = MAX_PIN_CHECKS, windowSeconds = PIN_WINDOW_SECONDS) {
    this.#max = max;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Seconds until the next check may be made (0: one may be made now). */
  waitSeconds(now = Date.now()): number {
    if (this.#times.length < this.#max) return 0;
    const freeAt = this.#times[0] + this.#windowMs;
    return freeAt > now ? Math.ceil((freeAt - now) / 1000) : 0;
  }

  /** Counts one check made at `now` (call only when `waitSeconds(now)` is 0). */
  count(now = Date.now()): void {
    this.#times.push(now);
    if (this.#times.length > this.#max) this.#times.shift();
  }
}
