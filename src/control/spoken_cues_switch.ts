/**
 * Spoken cues on and off from every surface (the `spokenCues` action: OSC
 * `/stemplay/spokencues`, the web remote's button, the `a` key): the cues are the song's
 * "spoken cues" track, so "off" is that track muted (a ramped mute, never a click). A song
 * without the track says why: its notice (espeak-ng missing …), or how to ask for cues.
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import { SPOKEN_CUES_TRACK } from "../songs/spoken_cue_track.ts";

/** The spoken cues of the current song, as the surfaces show them. */
export interface SpokenCuesStatus {
  /** The song has a cue track. */
  available: boolean;
  /** They are heard (the track is there and not muted). */
  on: boolean;
  /** Why there are none, when there are none. */
  reason?: string;
}

/** Why the current song has no spoken cues (its notice, or how to ask for them). */
export function noSpokenCuesReason(player: Player): string {
  const off = player.busProblems.find((line) => /^the spoken|^spoken cues/.test(line));
  return off ??
    'this song has no spoken cues: give its song.json "spokenCues" (and a tempo and markers)';
}

/** The current song's spoken cues: there, heard, or why not. */
export function spokenCuesStatus(player: Player): SpokenCuesStatus {
  const track = player.tracks.find((t) => t.name === SPOKEN_CUES_TRACK);
  if (!track) return { available: false, on: false, reason: noSpokenCuesReason(player) };
  return { available: true, on: !track.muted };
}

/** The `spokenCues` action: turns the song's cues on or off (toggles without `on`); returns
 * what happened, in words. */
export function toggleSpokenCues(player: Player, on?: boolean): string {
  const track = player.tracks.find((t) => t.name === SPOKEN_CUES_TRACK);
  if (!track) return noSpokenCuesReason(player);
  track.muted = !(on ?? track.muted);
  return `spoken cues ${track.muted ? "off" : "on"}`;
}
