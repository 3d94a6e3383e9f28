/**
 * The line that makes a rate conversion visible: which tracks were resampled at load, from
 * what. `play` shows it on the screen (under the device line) and, piped, prints it once.
 *
 * @module
 */

import type { Player } from "../player/player.ts";

/** Hz as kHz, e.g. 44100 → "44.1 kHz". */
function kHz(hz: number): string {
  return `${Number((hz / 1000).toFixed(3))} kHz`;
}

/**
 * E.g. `converted to 48 kHz at load: Bass (AIFF, 44.1 kHz), Pads (Ogg Vorbis, 44.1 kHz)`;
 * "" when every track is at the engine's rate.
 */
export function conversionLine(player: Player): string {
  const converted = player.tracks.filter((track) => track.source?.converted);
  if (converted.length === 0) return "";
  const list = converted.map((track) =>
    `${track.name} (${track.source!.format}, ${kHz(track.source!.sampleRate)})`
  );
  return `converted to ${kHz(player.sampleRate)} at load: ${list.join(", ")}`;
}
