/**
 * An output's native open (MIDI in, MTC) runs on a worker thread and registers a port on the
 * engine's JACK client: a `player.close()` begun meanwhile must wait for it, then close what it
 * opened, before the engine is freed (else the port's owner outlives the engine it points at).
 * `openUntilClosed` holds a close hook for the time of the open; when closing began while it
 * ran, the hook closes the opened handle and the caller gets `CLOSED`.
 *
 * @module
 */

import type { Player } from "../player/player.ts";

/**
 * Awaits `open` (0 on success) with the player's close waiting for it; `closeOpened` closes
 * what a successful open made, when the close came first.
 * @throws {StemplayError} `CLOSED` when the player began closing while the open ran
 */
export async function openUntilClosed(
  player: Player,
  what: string,
  open: Promise<number>,
  closeOpened: () => Promise<void>,
): Promise<number> {
  const undo = player.beforeClose(async () => {
    if (await open === 0) await closeOpened();
  });
  const result = await open;
  undo();
  player.assertOpen(what); // closing began: the hook above closes what opened
  return result;
}
