/**
 * The operator's `pitched` action on a song stem (issue 24): `Track.pitched` set (or toggled),
 * answered in words at once; at another transpose the song is prepared again in the
 * background, as at a key change (src/songs/key_tempo_change.ts).
 *
 * @module
 */

import type { Track } from "../engine/track.ts";
import type { Player } from "../player/player.ts";

/** Sets `track.pitched` (toggles it when `pitched` is undefined); returns what it did.
 * @throws {StemplayError} the track's refusals: "UNSUPPORTED" for a track added by hand or
 * generated, "STRETCH_UNAVAILABLE" … */
export function pitchedAction(player: Player, track: Track, pitched: boolean | undefined): string {
  const target = pitched ?? !track.pitched;
  const words = target ? "follows the key" : "keeps its key";
  if (target === track.pitched) return `${track.name} ${words} already`;
  track.pitched = target;
  if (!player.keyTempoPreparing) return `${track.name} ${words}`;
  return `${track.name} ${words}: preparing the song with it (${
    player.state === "playing"
      ? "the old sound plays until it is ready, then crossfades"
      : "play waits until it is ready"
  })`;
}
