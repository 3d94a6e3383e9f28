/**
 * `"include": "folder"` in a song.json: the song takes every audio file of its folder (as a
 * folder without a manifest does: sorted by name, each on a guessed bus), except those named
 * in `"exclude"`. Entries of `"tracks"` give per-file settings: an entry whose `file` is one of
 * the folder's files sets that track (in its place in the folder order); an entry naming a file
 * elsewhere adds that track after the folder's. A song.json without `"include"` lists its
 * tracks as before.
 *
 * @module
 */

import { basename } from "node:path";
import { guessBus } from "../engine/buses.ts";
import { StemplayError } from "../errors.ts";
import { describe, type KeyPathChecker } from "../util/check.ts";
import { audioFileNames } from "./song_folder.ts";
import { type SongTrack, stem } from "./song_types.ts";

/** The song.json keys of this file. */
export const INCLUDE_KEYS: readonly string[] = ["include", "exclude"];

/** The folder's tracks merged with the manifest's `tracks` entries (every problem recorded). */
export async function includedTracks(
  check: KeyPathChecker,
  folder: string,
  song: Record<string, unknown>,
  checkTrack: (keyPath: string, entry: unknown) => SongTrack | undefined,
): Promise<SongTrack[]> {
  if (song.include !== "folder") {
    check.fail(
      "include",
      `must be "folder" (take the folder's audio files), got ${describe(song.include)}`,
    );
    return [];
  }
  let names: string[];
  try {
    names = await audioFileNames(folder);
  } catch (error) {
    check.fail("include", error instanceof StemplayError ? error.message : String(error));
    return [];
  }
  const excluded = new Set<string>();
  if (song.exclude !== undefined) {
    const list = check.array("exclude", song.exclude, 0) ?? [];
    list.forEach((name, index) => {
      const file = check.string(`exclude[${index}]`, name);
      if (file === undefined) return;
      if (!names.includes(file)) {
        check.fail(`exclude[${index}]`, `${file} is not an audio file of the song's folder`);
      }
      excluded.add(file);
    });
  }
  const listed = new Map<string, SongTrack>();
  const extra: SongTrack[] = [];
  if (song.tracks !== undefined) {
    const entries = check.array("tracks", song.tracks, 0) ?? [];
    entries.forEach((entry, index) => {
      const keyPath = `tracks[${index + 1}]`;
      const track = checkTrack(keyPath, entry);
      if (!track) return;
      if (excluded.has(track.file)) {
        check.fail(`${keyPath}.file`, `${track.file} is also in "exclude": keep it in one`);
      } else if (names.includes(track.file)) listed.set(track.file, track);
      else extra.push(track);
    });
  }
  const tracks = names.filter((name) => !excluded.has(name)).map((name) =>
    listed.get(name) ?? {
      file: name,
      keyPath: name,
      options: { name: stem(basename(name)), bus: guessBus(name), busGuessed: true },
    }
  );
  tracks.push(...extra);
  if (tracks.length === 0) {
    check.fail("include", "the folder has no audio files left to play (all excluded?)");
  }
  return tracks;
}
