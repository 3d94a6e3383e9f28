/**
 * A track's `pitched` flag (issue 24): false keeps the stem's key at another transpose (click,
 * drums) while it still follows the tempo. A track only holds the flag; changing it on a
 * song's stem prepares the song again, which the song's owner does (the player's key and
 * tempo, src/songs/key_tempo_change.ts), reached through the track's owner.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";

/** Where a track's `pitched` flag came from, and what setting it can do. */
export interface TrackPitch {
  /** False: the stem keeps its key at another transpose. */
  readonly pitched: boolean;
  /** Guessed from the file's name (a folder song). */
  readonly guessed: boolean;
  /** The song stem it is (its name in the song as described): setting the flag prepares the
   * song again. Undefined for a track added by hand. */
  readonly stem?: string;
  /** Why the flag cannot change (a generated track); undefined when it can. */
  readonly fixed?: string;
}

/** A track added by hand: pitched, and nothing to prepare again. */
export const HAND_ADDED_PITCH: TrackPitch = { pitched: true, guessed: false };

/** A track the song generates (click, timecode, spoken cues): made at the song's tempo, never
 * shifted, so it keeps its key: it reports `pitched: false`, which cannot change. */
export const GENERATED_PITCH: TrackPitch = {
  pitched: false,
  guessed: false,
  fixed: "it is generated at the song's tempo and never changes key",
};

/** What the owner of a track does when its `pitched` flag is set (throws to refuse). */
export interface PitchOwner {
  /** Prepares the song again with stem `stem` (undefined: a track added by hand) pitched or
   * not, or only records it.
   * @throws {StemplayError} "UNSUPPORTED" without a song, "STRETCH_UNAVAILABLE" … */
  changePitched?(stem: string | undefined, pitched: boolean, trackName: string): void;
}

/** Checks a `pitched` value: a boolean, else INVALID_ARGUMENT naming the track. */
export function checkPitched(value: unknown, trackName: string): boolean {
  if (typeof value === "boolean") return value;
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new StemplayError(
    "INVALID_ARGUMENT",
    `track "${trackName}" pitched must be true or false, got ${shown}`,
  );
}
