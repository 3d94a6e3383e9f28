/**
 * What the console may touch in its library, checked on the FINAL file (not only its folder):
 * a song's song.json, a setlist (a top-level `*.json` with `songs`, never stemplay.json), and
 * every stem a song names. A file whose real path leaves the library (a symlink, `..`, an
 * absolute path) is refused, and the refusal never says whether a file outside exists.
 *
 * @module
 */

import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { StemplayError } from "../errors.ts";
import { loadSongDescription, MANIFEST_NAME } from "../songs/song.ts";
import { insideLibrary } from "./console_library.ts";

/** The one message for a track file that is not in the library (exists or not). */
export const TRACK_OUTSIDE = "is not a file in the library: put the stem in the library folder";

function within(root: string, path: string): boolean {
  const inside = relative(root, path);
  return !inside.startsWith("..") && !isAbsolute(inside);
}

/** The real path of `path` when it exists (symlinks followed), else undefined. A symlink that
 * leads nowhere counts as existing elsewhere: refused by the callers. */
async function realOrMissing(path: string): Promise<string | undefined | null> {
  try {
    return await Deno.realPath(path);
  } catch {
    const link = await Deno.lstat(path).catch(() => undefined);
    return link ? null : undefined; // null: a dangling symlink
  }
}

/**
 * `path` (inside `root`, lexically) as a file the console may read or replace: when it exists
 * its real path is inside the library; a dangling symlink is refused.
 * @throws {StemplayError} "INVALID_ARGUMENT" naming `id`
 */
export async function finalFileInside(root: string, path: string, id: string): Promise<string> {
  const real = await realOrMissing(path);
  if (real === null || (real !== undefined && !within(root, real))) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(id)} leads out of the library (a symlink): move the file into it`,
    );
  }
  return real ?? path;
}

/** The song folder `id` and its song.json, both inside the library (the file need not exist). */
export async function songManifestIn(
  root: string,
  id: unknown,
): Promise<{ folder: string; manifest: string }> {
  const folder = await insideLibrary(root, id);
  const manifest = join(folder, MANIFEST_NAME);
  await finalFileInside(root, manifest, `${id}/${MANIFEST_NAME}`);
  return { folder, manifest };
}

/**
 * The setlist file `id`: a top-level `*.json` of the library, not stemplay.json nor hidden,
 * inside the library; when it exists, it must be a setlist already (a JSON object with `songs`).
 * @throws {StemplayError} "INVALID_ARGUMENT" saying what a setlist id may be
 */
export async function setlistFileIn(root: string, id: unknown): Promise<string> {
  const name = typeof id === "string" ? id : "";
  if (
    !/^[^/\\]+\.json$/i.test(name) || name.startsWith(".") || name.toLowerCase() === "stemplay.json"
  ) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(String(id))} is not a setlist: a setlist is a .json file at the top of ` +
        "the library (not stemplay.json)",
    );
  }
  const file = await finalFileInside(root, await insideLibrary(root, name), name);
  const text = await Deno.readTextFile(file).catch(() => undefined);
  if (text === undefined) {
    if (await Deno.stat(file).then(() => true, () => false)) {
      throw new StemplayError("INVALID_ARGUMENT", `${name} cannot be read as a setlist`);
    }
    return file; // a new setlist
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const songs = (value as { songs?: unknown } | null)?.songs;
  if (typeof value !== "object" || value === null || !Array.isArray(songs)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${name} is not a setlist (no "songs" list): the console only edits setlists`,
    );
  }
  return file;
}

/** Where a song.json's track entry points, as written (a string, or an object's `file`). */
function trackFiles(manifest: unknown): { keyPath: string; file: string }[] {
  const tracks = (manifest as { tracks?: unknown } | null)?.tracks;
  if (!Array.isArray(tracks)) return [];
  return tracks.flatMap((track, index) => {
    const file = typeof track === "string" ? track : (track as { file?: unknown } | null)?.file;
    return typeof file === "string" ? [{ keyPath: `tracks[${index}].file`, file }] : [];
  });
}

/**
 * The problems of a song.json the console is asked to save whose track files are not in the
 * library: checked by the path first (nothing outside is looked at), then by the real path.
 */
export async function tracksOutside(
  root: string,
  folder: string,
  manifest: unknown,
): Promise<{ keyPath: string; message: string }[]> {
  const problems = [];
  for (const { keyPath, file } of trackFiles(manifest)) {
    const path = resolve(folder, file);
    const real = within(root, path) ? await realOrMissing(path) : null;
    if (real === null || (real !== undefined && !within(root, real))) {
      problems.push({ keyPath, message: `${keyPath}: ${TRACK_OUTSIDE}` });
    }
  }
  return problems;
}

/**
 * Refuses a song (as it is on disk) whose stems are not all in the library, before the console
 * reads them for peaks or plays them.
 * @throws {StemplayError} "INVALID_ARGUMENT" naming the track, never the outside path
 */
export async function checkSongStemsIn(root: string, folder: string): Promise<void> {
  const song = await loadSongDescription(folder).catch((error) => {
    if (!(error instanceof StemplayError)) throw error;
    // The loader's words may name an outside file: only the code and the song's id.
    throw new StemplayError(
      error.code,
      `${relative(root, folder)} does not load: open it in the console to see its problems`,
    );
  });
  for (const track of song.tracks) {
    const path = resolve(folder, track.file);
    const real = within(root, path) ? await realOrMissing(path) : null;
    if (real === null || (real !== undefined && !within(root, real))) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `${relative(root, folder)}: ${track.keyPath} ${TRACK_OUTSIDE}`,
      );
    }
  }
}

/** The folder a loaded song came from (its `path` is the folder or its song.json). */
export function songFolderOf(path: string): string {
  return basename(path) === MANIFEST_NAME ? dirname(path) : path;
}
