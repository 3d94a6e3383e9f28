/**
 * The console's library: a folder of song folders, setlists (`*.json` with `songs`) and
 * stemplay.json. Every path the page names is relative to the library and must stay inside it:
 * no absolute path, no `..`, no symlink that leads out (checked on the real path).
 *
 * @module
 */

import { isAbsolute, join, relative, sep } from "node:path";
import { StemplayError } from "../errors.ts";
import { loadNative } from "../native/native.ts";
import { filePeaks } from "../sources/peaks.ts";
import { loadSetlist } from "../songs/setlist.ts";
import { loadSongDescription, MANIFEST_NAME } from "../songs/song.ts";

/** A song as the library page lists it. */
export interface LibrarySong {
  /** Its folder, relative to the library. */
  id: string;
  title: string;
  seconds: number;
  stems: number;
  /** The first tempo (bpm) and time signature, when the song has one. */
  tempo?: { bpm: number; timeSignature: [number, number] };
  markers: { name: string; at: number }[];
  /** Whether it has a song.json yet (a plain folder of stems has not). */
  manifest: boolean;
  /** What is wrong: a missing file, a bus the rig lacks, a manifest that does not load. */
  problems: string[];
}

/** A setlist as the library page lists it. */
export interface LibrarySetlist {
  /** Its file, relative to the library. */
  id: string;
  title: string;
  /** The songs' ids as the file names them. */
  songs: string[];
  problems: string[];
}

function refused(what: string, why: string): never {
  throw new StemplayError("INVALID_ARGUMENT", `${JSON.stringify(what)} ${why}`);
}

/**
 * The real path of `id` inside `root` (a real path). Refuses an absolute path, any `..`, and
 * anything whose real path (symlinks followed) is outside the library. A file that does not
 * exist yet is checked by its folder.
 * @throws {StemplayError} "INVALID_ARGUMENT" naming the path and why
 */
export async function insideLibrary(root: string, id: unknown): Promise<string> {
  if (typeof id !== "string" || id === "" || id.includes("\0")) {
    refused(String(id), "is not a path in the library");
  }
  if (isAbsolute(id) || id.startsWith("/") || id.startsWith("\\")) {
    refused(id, "is absolute: give a path inside the library");
  }
  if (id.split(/[\\/]/).includes("..")) refused(id, "leaves the library (..)");
  const path = join(root, id);
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch {
    const folder = await Deno.realPath(join(path, "..")).catch(() => undefined);
    if (!folder) refused(id, "is not in the library");
    real = join(folder, path.split(sep).pop()!);
  }
  const inside = relative(root, real);
  if (inside.startsWith("..") || isAbsolute(inside)) {
    refused(id, "leads out of the library (a symlink): move the files into it");
  }
  return real;
}

/** Seconds of the longest of these files (a one-point read of each: just their headers). */
async function longest(files: string[]): Promise<number> {
  const native = await loadNative();
  let seconds = 0;
  for (const file of files) {
    const peaks = await filePeaks(native, file, 1, 0, 1e-3).catch(() => undefined);
    if (peaks) seconds = Math.max(seconds, peaks.frames / peaks.sampleRate);
  }
  return seconds;
}

async function describeSong(root: string, id: string, rigBuses: string[]): Promise<LibrarySong> {
  const folder = join(root, id);
  const hasManifest = await Deno.stat(join(folder, MANIFEST_NAME)).then(() => true, () => false);
  const song: LibrarySong = {
    id,
    title: id,
    seconds: 0,
    stems: 0,
    markers: [],
    manifest: hasManifest,
    problems: [],
  };
  // A song.json linked out of the library is not read: nothing of it reaches the page.
  const real = await Deno.realPath(join(folder, MANIFEST_NAME)).catch(() => undefined);
  if (real && (relative(root, real).startsWith("..") || isAbsolute(relative(root, real)))) {
    song.problems.push("song.json leads out of the library (a symlink): move it into it");
    return song;
  }
  try {
    const description = await loadSongDescription(folder);
    song.title = description.title;
    song.stems = description.tracks.length;
    song.markers = description.markers.map(({ name, at }) => ({ name, at }));
    const first = description.tempo[0];
    if (first) song.tempo = { bpm: first.tempo, timeSignature: first.timeSignature };
    const present: string[] = [];
    for (const track of description.tracks) {
      const exists = await Deno.stat(track.file).then((i) => i.isFile, () => false);
      if (exists) present.push(track.file);
      else song.problems.push(`missing file: ${relative(folder, track.file)}`);
      const bus = track.options.bus;
      if (bus && rigBuses.length && !rigBuses.includes(bus) && !track.options.busGuessed) {
        song.problems.push(`${track.options.name}: the rig has no bus "${bus}"`);
      }
    }
    song.seconds = await longest(present);
  } catch (error) {
    song.problems.push(error instanceof Error ? error.message : String(error));
  }
  if (!hasManifest) song.problems.push("no song.json yet: open it to make one");
  return song;
}

/** Every song folder and setlist in the library, sorted by name. */
export async function readLibrary(
  root: string,
  rigBuses: string[],
): Promise<{ songs: LibrarySong[]; setlists: LibrarySetlist[] }> {
  const songs: LibrarySong[] = [], setlists: LibrarySetlist[] = [];
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(root)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      songs.push(await describeSong(root, entry.name, rigBuses));
    } else if (entry.isFile && entry.name.endsWith(".json") && entry.name !== "stemplay.json") {
      const listed = await readSetlistEntry(root, entry.name);
      if (listed) setlists.push(listed);
    }
  }
  // Paths in messages as the library names them: no machine's folders on the page.
  const local = (text: string) => text.replaceAll(`${root}/`, "");
  for (const item of [...songs, ...setlists]) item.problems = item.problems.map(local);
  return { songs, setlists };
}

async function readSetlistEntry(root: string, id: string): Promise<LibrarySetlist | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(join(root, id)));
  } catch {
    return undefined; // not JSON, or not readable: not a setlist the page can show
  }
  if (
    typeof raw !== "object" || raw === null || !Array.isArray((raw as { songs?: unknown }).songs)
  ) {
    return undefined;
  }
  const file = raw as { title?: unknown; songs: unknown[] };
  const listed: LibrarySetlist = {
    id,
    title: typeof file.title === "string" ? file.title : id.replace(/\.json$/, ""),
    songs: file.songs.map((entry) =>
      typeof entry === "string" ? entry : String((entry as { song?: unknown })?.song ?? "")
    ),
    problems: [],
  };
  try {
    const setlist = await loadSetlist(join(root, id));
    for (const entry of setlist.songs) {
      if (entry.error) listed.problems.push(entry.error);
    }
  } catch (error) {
    listed.problems.push(error instanceof Error ? error.message : String(error));
  }
  return listed;
}
