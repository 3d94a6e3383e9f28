/**
 * How far ahead of the playhead a key change's rings start on its first try (issue 24): the
 * switch waits for the playhead to get there, so that wait is a change's latency whenever the
 * readers are quicker than it. Learnt from the song's changes before: the time the readers took
 * to fill their rings' first frames (retime.ts `Filling.heldAt`), a fifth more, and a block (the
 * playhead the change reads moves once a block), never under `MIN_LEAD_SECONDS` nor over
 * `FIRST_LEAD_SECONDS`, which is also the lead before the song's first change was measured.
 *
 * Too near costs more than it saves: once the playhead is past a ring's start, the readers must
 * catch it up, which takes r / (r - 1) times the shortfall at r times real time (longer still
 * when slowing down: the playhead then moves faster in the new song's frames). So a slower fill
 * is learnt at once and a quicker one only half-way, the song's own changes only (another song
 * has other stems), and only changes to a key or tempo stretched (the recording's own key fills
 * plain rings in a fraction of the time: review of this stop, a change away after one learnt
 * there took 241 and 343 ms against 199 and 313).
 *
 * @module
 */

/** The first try's lead before the song's first change was measured, and at most (seconds
 * heard). */
export const FIRST_LEAD_SECONDS = 0.15;

/** The least lead (seconds heard). */
export const MIN_LEAD_SECONDS = 0.05;

/** The part added to the measured fill for the next change's (the readers' pace varies). */
const SPARE = 1.2;

/** The first try's lead of one player's key changes. */
export class ChangeLead {
  #learnt?: { song: string; seconds: number };

  /** The lead (seconds heard) for a change's first try of `song` (its path; undefined:
   * tracks added by hand), with blocks of `blockSeconds`. */
  seconds(song: string | undefined, blockSeconds: number): number {
    if (song === undefined || this.#learnt?.song !== song) return FIRST_LEAD_SECONDS;
    const lead = this.#learnt.seconds * SPARE + blockSeconds;
    return Math.min(FIRST_LEAD_SECONDS, Math.max(MIN_LEAD_SECONDS, lead));
  }

  /** A change of `song` to a stretched key or tempo held its rings' first frames `seconds`
   * after they were started. */
  filled(song: string | undefined, seconds: number): void {
    if (song === undefined || !Number.isFinite(seconds) || seconds < 0) return;
    const before = this.#learnt?.song === song ? this.#learnt.seconds : undefined;
    const learnt = before === undefined || seconds >= before ? seconds : (before + seconds) / 2;
    this.#learnt = { song, seconds: learnt };
  }
}
