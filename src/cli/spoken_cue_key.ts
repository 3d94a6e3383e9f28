/**
 * The `a` key ("announcements"): turns the song's spoken cues off and on, as the remote and OSC
 * do, by muting or unmuting the "spoken cues" track (a ramped mute, never a click). A song
 * without that track says why instead: its notice (espeak-ng missing …), or how to ask for them.
 *
 * @module
 */

import type { Action } from "../control/actions.ts";
import type { Player } from "../player/player.ts";
import { SPOKEN_CUES_TRACK } from "../songs/spoken_cue_track.ts";
import { noSpokenCuesReason } from "../control/spoken_cues_switch.ts";

/** The action the key stands for, or the message when the song has no cue track. */
export function spokenCueToggle(player: Player): Action | string {
  if (player.tracks.some((track) => track.name === SPOKEN_CUES_TRACK)) {
    return { type: "mute", track: SPOKEN_CUES_TRACK };
  }
  return noSpokenCuesReason(player);
}
