/**
 * What `play` and `render` are given: a song folder, a song.json manifest, or plain audio
 * files. Songs go through `player.loadSong` (src/song*.ts); plain files become one track each.
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import { StemplayError } from "../errors.ts";
import type { Marker } from "../model/marker.ts";

export type { Marker };

/** What the CLI shows about the loaded song. */
export interface LoadedSong {
  title: string;
  markers: Marker[];
  /** What loads but looks wrong, one line each (`<song.json>: tempo: …`). */
  warnings?: string[];
}

/** Frames decoded so far and frames expected, over all files. */
export type LoadProgress = (loadedFrames: number, totalFrames: number) => void;

/** True when `path` names a song (a folder or a .json manifest) rather than an audio file. */
async function isSong(path: string): Promise<boolean> {
  if (path.toLowerCase().endsWith(".json")) return true;
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false; // player.load names the missing file
  }
}

/**
 * True when `path` is a setlist: a .json file whose top level has "songs". Anything else
 * (including JSON that does not parse) is left to the song loader, which names the problem.
 */
export async function isSetlistFile(path: string): Promise<boolean> {
  if (!path.toLowerCase().endsWith(".json")) return false;
  try {
    const raw = JSON.parse(await Deno.readTextFile(path));
    return typeof raw === "object" && raw !== null && !Array.isArray(raw) && "songs" in raw;
  } catch {
    return false;
  }
}

function baseName(path: string): string {
  const parts = path.replace(/[\\/]+$/, "").split(/[\\/]/);
  return parts.pop() || path;
}

/**
 * Loads `inputs` into `player`: one song (folder or manifest), or any number of audio files.
 *
 * @throws {StemplayError} naming the file or manifest key that was wrong
 */
export async function loadInputs(
  player: Player,
  inputs: string[],
  onProgress?: LoadProgress,
): Promise<LoadedSong> {
  if (inputs.length === 1 && await isSong(inputs[0])) {
    const path = inputs[0];
    const song = await player.loadSong(path, { onProgress });
    const warnings = (song.warnings ?? []).map((w) => `${song.path}: ${w.keyPath}: ${w.message}`);
    return { title: song.title, markers: player.markers, warnings };
  }
  for (const path of inputs) {
    if (await isSong(path)) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `${path} is a song: play one song at a time, or list audio files`,
        { path },
      );
    }
  }
  // One after another, so the tracks keep the order they were given in.
  let before = 0;
  for (const path of inputs) {
    let frames = 0;
    await player.load(path, {
      onProgress: (loaded, total) => {
        frames = Math.max(frames, total);
        onProgress?.(before + loaded, before + total);
      },
    });
    before += frames;
  }
  const title = inputs.length === 1 ? baseName(inputs[0]) : `${inputs.length} files`;
  return { title, markers: [] };
}
