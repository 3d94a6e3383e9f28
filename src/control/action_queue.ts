/**
 * The one ordered queue of operator actions. Every surface (keys, OSC, the web remote, MIDI
 * and the API's `dispatch`) hands its actions to `ControlSurface.dispatch`, which runs them
 * here one after the other, in the order they arrived: two presses never run at once, so two
 * song changes cannot interleave. The queue is bounded, because a stranger on the network can
 * send actions faster than songs load.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";

/** Actions that may wait (or run) at once; one more is refused with "BUSY". */
export const MAX_QUEUED_ACTIONS = 64;

/** Runs tasks one at a time, in order, at most `MAX_QUEUED_ACTIONS` waiting or running. */
export class ActionQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** Actions waiting or running. */
  get length(): number {
    return this.#waiting;
  }

  /**
   * Runs `task` after every task queued before it has settled.
   *
   * @returns what the task returns (rejects as it does)
   * @throws {StemplayError} (the promise rejects) "BUSY" when `MAX_QUEUED_ACTIONS` actions are
   *   already waiting; the task does not run then
   */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.#waiting >= MAX_QUEUED_ACTIONS) {
      return Promise.reject(
        new StemplayError(
          "BUSY",
          `too many actions at once: ${MAX_QUEUED_ACTIONS} actions are waiting to run; ` +
            `this one was refused (try again when the show has caught up)`,
        ),
      );
    }
    this.#waiting++;
    const result = this.#tail.then(task);
    // The chain must never reject: one failed action must not stop every later one.
    this.#tail = result.then(() => {}, () => {}).finally(() => this.#waiting--);
    return result;
  }
}
