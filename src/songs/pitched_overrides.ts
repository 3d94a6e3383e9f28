/**
 * The operator's `pitched` flags on a song's stems (issue 24): kept by stem name, like the
 * operator's gains and mutes, and written into the song description a key change prepares, so
 * the stems are rendered with them and the new tracks report them.
 *
 * @module
 */

import type { Track } from "../engine/track.ts";
import type { TrackPitch } from "../engine/track_pitch.ts";
import type { SongDescription, SongTrack } from "./song_types.ts";

/** The operator's flags for one song, by stem name (the name in the song as described). */
export type PitchedOverrides = ReadonlyMap<string, boolean>;

/** A song stem's flag as its track reports it. */
export function stemPitch(track: SongTrack): TrackPitch {
  return {
    pitched: track.pitched !== false,
    guessed: track.pitchedGuessed === true,
    stem: track.options.name,
  };
}

/** True when `description` has a stem named `stem`. */
export function hasStem(description: SongDescription, stem: string): boolean {
  return description.tracks.some((track) => track.options.name === stem);
}

/** True when an override differs from the song's flag for its stem. */
export function pitchedDiffers(
  description: SongDescription,
  overrides: PitchedOverrides,
): boolean {
  return description.tracks.some((track) => {
    const wanted = overrides.get(track.options.name);
    return wanted !== undefined && wanted !== (track.pitched !== false);
  });
}

/** The song with the overrides in its stems (set by the operator: no longer a guess); the same
 * object when none differs. */
export function withPitched(
  description: SongDescription,
  overrides: PitchedOverrides,
): SongDescription {
  if (!pitchedDiffers(description, overrides)) return description;
  return {
    ...description,
    tracks: description.tracks.map((track) => {
      const wanted = overrides.get(track.options.name);
      if (wanted === undefined || wanted === (track.pitched !== false)) return track;
      return { ...track, pitched: wanted, pitchedGuessed: false };
    }),
  };
}

/** The song's own flags back on its tracks (a change with the operator's failed). */
export function resetPitched(tracks: readonly Track[], description: SongDescription): void {
  for (const track of tracks) {
    const stem = description.tracks.find((t) => t.options.name === track.pitchStem);
    if (stem) track.setPitch(stemPitch(stem));
  }
}

/** True when two descriptions' stems have the same flags, in order. */
export function samePitched(a: SongDescription, b: SongDescription): boolean {
  return a.tracks.length === b.tracks.length &&
    a.tracks.every((track, i) => (track.pitched !== false) === (b.tracks[i].pitched !== false));
}
