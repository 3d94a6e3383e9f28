/**
 * A track's name as the play screen's track table shows it: a stem that keeps its key when
 * the song is transposed (`Track.pitched` false: click, drums) is marked "(keeps key)", with a
 * "?" when that was guessed from the file's name, as a guessed bus is ("in-ears?").
 *
 * @module
 */

import type { Track } from "../engine/track.ts";

/** "Piano", "Kick (keeps key?)", "Click (keeps key)". */
export function trackLabel(track: Pick<Track, "name" | "pitched" | "pitchedGuessed">): string {
  if (track.pitched) return track.name;
  return `${track.name} (keeps key${track.pitchedGuessed ? "?" : ""})`;
}
