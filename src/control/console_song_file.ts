/**
 * What the console's page gets for a song (`GET /api/song`): its song.json as it is on disk,
 * even when it does not load (the page is where it gets fixed), with the seconds of its
 * markers in bars and beats; or, for a folder of stems without one, a draft from the folder's
 * files (guessed names and buses), which the first edit writes.
 *
 * @module
 */

import { relative } from "node:path";
import { loadSongDescription } from "../songs/song.ts";
import type { BarBeatSeconds } from "./console_bar_beats.ts";

/** The song's file for the page, or why there is none to show. */
export type SongForPage =
  | { value: unknown; barBeats: Record<string, number> }
  | { value: unknown; draft: true }
  | { error: string; status: number };

/** `manifest` is the song.json of `folder` at `version` ("" when there is none yet). */
export async function songForPage(
  folder: string,
  manifest: string,
  version: string,
  barBeats: BarBeatSeconds,
): Promise<SongForPage> {
  if (version) {
    const text = await Deno.readTextFile(manifest);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { error: `song.json is not JSON: ${error}`, status: 422 };
    }
    return { value, barBeats: barBeats.of(manifest, version, value) };
  }
  const song = await loadSongDescription(folder);
  const tracks = song.tracks.map((track) => ({
    file: relative(folder, track.file),
    name: track.options.name,
    ...(track.options.bus ? { bus: track.options.bus } : {}),
    ...(track.pitched === false ? { pitched: false } : {}), // a drum or click: a guess
  }));
  return { value: { title: song.title, tracks }, draft: true };
}
