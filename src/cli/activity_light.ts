/**
 * An activity light: lit for a moment after a counter moves (the MIDI light on the play screen,
 * from the MIDI input's count of messages received).
 *
 * @module
 */

/** How long the light stays lit after the counter moved (ms). */
export const ACTIVITY_LIGHT_MS = 300;

/** Lit while the counter moved within the last `ACTIVITY_LIGHT_MS`. */
export class ActivityLight {
  readonly #count: () => number;
  readonly #clock: () => number;
  #last: number;
  #movedAt = -Infinity;

  /** @param count the counter (e.g. messages received) @param clock milliseconds */
  constructor(count: () => number, clock: () => number = () => performance.now()) {
    this.#count = count;
    this.#clock = clock;
    this.#last = count();
  }

  /** Whether the light is lit now (reads the counter). */
  lit(): boolean {
    const count = this.#count();
    const now = this.#clock();
    if (count !== this.#last) {
      this.#last = count;
      this.#movedAt = now;
    }
    return now - this.#movedAt < ACTIVITY_LIGHT_MS;
  }
}
