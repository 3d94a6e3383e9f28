/**
 * A key or tempo change that failed while it was prepared (issue 24: e.g. a stem's file gone,
 * a render's error), told to the operator: the action that asked for it answered at once
 * ("preparing …"), so the failure comes later, as the player's "keytempoerror" event, and
 * every surface shows it (the message line of the terminal, the remote's notice).
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import { KEY_TEMPO_ERROR } from "../player/player_key_tempo.ts";
import { formatTranspose } from "../songs/key_tempo_change.ts";

/** How long the failure stays as the remote's notice. */
export const KEY_TEMPO_NOTICE_MS = 10_000;

/** Calls `report` with words for the operator whenever a change of `player`'s key or tempo
 * fails while it is prepared (the song then plays on at the key and tempo it had). */
export function reportKeyTempoErrors(player: Player, report: (message: string) => void): void {
  player.addEventListener(KEY_TEMPO_ERROR, (event) => {
    const error = (event as CustomEvent).detail;
    const why = error instanceof Error ? error.message : String(error);
    report(
      `not changed: ${why}; the song plays on at key ${formatTranspose(player.transpose)}, ` +
        `tempo ${Number((player.speed * 100).toFixed(1))}%`,
    );
  });
}
