/**
 * How far ahead of the playhead a key change's rings start on its first try (issue 24): the
 * switch waits for the playhead to get there, so that wait is a change's latency whenever the
 * readers are quicker than it. Learnt from the change before: the time the readers took to
 * fill its rings' first frames (retime.ts `Filling.heldAt`), a fifth more, and a block (the
 * playhead the change reads moves once a block), never under `MIN_LEAD_SECONDS` nor over
 * `FIRST_LEAD_SECONDS`, which is also the lead before any change was measured. Starting too
 * near costs only the wait for the readers to catch up (a ring is missed only once the
 * playhead has passed all it can hold), so the lead follows the last change's measure.
 *
 * @module
 */

/** The first try's lead before a change was measured, and at most (seconds heard). */
export const FIRST_LEAD_SECONDS = 0.15;

/** The least lead (seconds heard). */
export const MIN_LEAD_SECONDS = 0.05;

/** The part added to the measured fill for the next change's (the readers' pace varies). */
const SPARE = 1.2;

/** The first try's lead of one player's key changes. */
export class ChangeLead {
  #filledSeconds?: number;

  /** The lead (seconds heard) for a change's first try, with blocks of `blockSeconds`. */
  seconds(blockSeconds: number): number {
    if (this.#filledSeconds === undefined) return FIRST_LEAD_SECONDS;
    const lead = this.#filledSeconds * SPARE + blockSeconds;
    return Math.min(FIRST_LEAD_SECONDS, Math.max(MIN_LEAD_SECONDS, lead));
  }

  /** A change's rings held their first frames `seconds` after they were started. */
  filled(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.#filledSeconds = seconds;
  }
}
