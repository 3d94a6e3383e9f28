/**
 * Every press of a burst of relative seeks counts, from every surface: a relative seek within
 * 500 ms of the last one goes from where that one asked for, not from the published position,
 * which lags a seek by a block or more (five presses of ← would otherwise all start from the
 * same place, and move 5 s, not 25).
 *
 * @module
 */

import type { Action } from "./actions.ts";

/** How long a relative seek's target stands in for the published position (a 2048-frame block
 * is 43 ms; a busy machine is slower). */
export const SEEK_CATCH_UP_MS = 500;

/** The last relative seek's target, until the audio side has published it. */
export class SeekBurst {
  #target?: { seconds: number; at: number; playing: boolean };

  /** Where a relative seek starts: the last one's target (moved on with the music while
   * playing) when it was asked for under 500 ms ago, else `position`. */
  from(position: number, now = performance.now()): number {
    const target = this.#target;
    if (!target || now - target.at >= SEEK_CATCH_UP_MS) return Math.max(0, position);
    return target.seconds + (target.playing ? (now - target.at) / 1000 : 0);
  }

  /** Remembers a relative seek's target. */
  asked(seconds: number, playing: boolean, now = performance.now()): void {
    this.#target = { seconds, at: now, playing };
  }

  /** Forgets the target when `action` moves the position another way (the next relative seek
   * starts from the position). */
  heard(action: Action): void {
    if (movesPosition(action)) this.#target = undefined;
  }
}

/** Whether `action` moves the position other than by a relative seek. */
function movesPosition(action: Action): boolean {
  switch (action.type) {
    case "seek":
      return action.by === undefined;
    case "play":
    case "togglePlay":
    case "stop":
    case "next":
    case "previous":
    case "goto":
    case "jump":
    case "locate":
    case "vamp":
    case "exitLoop":
      return true;
  }
  return false;
}
