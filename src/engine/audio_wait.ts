/**
 * Waiting for the audio side, with a limit. The control thread sometimes waits for the
 * callback to take a request (a song switch, a full command ring to drain). A callback that
 * does not run (a stalled device, a hung server) must never hang a song change or the operator
 * queue behind it: every such wait ends within `AUDIO_WAIT_LIMIT_MS` with "TIMEOUT", and the
 * caller frees what it loaded.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";

/** The longest the control side waits for the audio side to take a request. */
export const AUDIO_WAIT_LIMIT_MS = 2000;
/** How often the wait looks again (the callback publishes once a block). */
const POLL_MS = 2;

/**
 * Polls until `done()` holds (resolves true; it is tried first, at once) or `gaveUp()` holds
 * (resolves false: nothing to wait for any more, e.g. the player closed or the device is lost).
 *
 * @param what what is waited for, for the message ("switch songs")
 * @throws {StemplayError} "TIMEOUT" when neither holds within `AUDIO_WAIT_LIMIT_MS`
 */
export async function waitForAudio(
  what: string,
  done: () => boolean,
  gaveUp: () => boolean = () => false,
): Promise<boolean> {
  const limit = performance.now() + AUDIO_WAIT_LIMIT_MS;
  for (;;) {
    if (done()) return true;
    if (gaveUp()) return false;
    if (performance.now() > limit) {
      throw new StemplayError(
        "TIMEOUT",
        `cannot ${what}: the audio side did not take the request within ` +
          `${AUDIO_WAIT_LIMIT_MS / 1000} s (is the audio device stalled?)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
