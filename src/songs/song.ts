/**
 * Songs: what a song folder or a `song.json` manifest describes, read and validated in full
 * before any audio is decoded. Every problem with a manifest is found in one run: they make
 * one StemplayError with code `"MANIFEST"`, the manifest's `path`, every problem in `problems`
 * (`{ keyPath, message }`), and a message naming each key path (`tracks[2].route[0]`) and
 * what is wrong with it. The checks themselves are in manifest_check.ts; folders without a
 * manifest in song_folder.ts.
 *
 * @module
 */

import { extname, join } from "node:path";
import { StemplayError } from "../errors.ts";
import { describeJsonError } from "../util/json_position.ts";
import { didYouMean } from "../util/did_you_mean.ts";
import { type Problem, problemsMessage } from "../util/check.ts";
import { validateManifest } from "./manifest_check.ts";
import { readFolder } from "./song_folder.ts";
import {
  MANIFEST_NAME,
  message,
  type SongDescription,
  type SongDescriptionOptions,
} from "./song_types.ts";

export { AUDIO_EXTENSIONS, MANIFEST_NAME } from "./song_types.ts";
export type { SongDescription, SongDescriptionOptions, SongTrack } from "./song_types.ts";

/**
 * Reads a song: a `song.json` manifest (given directly, or inside the folder given), else a
 * folder whose audio files ({@linkcode AUDIO_EXTENSIONS}) each become a track named after the
 * file, sorted by name; other files are ignored, unless their first bytes are audio (an
 * error). Checks everything that can be checked without decoding: the schema, the files
 * (present and not folders), routes against the device's outputs, duplicate names.
 *
 * @param path a song folder or a manifest file
 * @param options the device's output count
 * @throws {StemplayError} `MANIFEST` for any problem with a manifest (every problem in
 *   `problems`); `FILE_NOT_FOUND`, `NOT_A_SONG`, `EMPTY`, `IS_DIRECTORY`, `DUPLICATE_NAME`,
 *   `UNKNOWN_EXTENSION`, `PERMISSION` for folders
 */
export async function loadSongDescription(
  path: string,
  options: SongDescriptionOptions = {},
): Promise<SongDescription> {
  const info = await statOrThrow(path, path);
  if (info.isDirectory) {
    const manifest = join(path, MANIFEST_NAME);
    const manifestInfo = await Deno.stat(manifest).catch(() => undefined);
    if (manifestInfo?.isFile) return await readManifest(manifest, options);
    return await readFolder(path);
  }
  if (extname(path).toLowerCase() === ".json") return await readManifest(path, options);
  throw new StemplayError(
    "NOT_A_SONG",
    `${path} is neither a song folder nor a .json manifest (to play one file, use player.load)`,
    { path },
  );
}

async function statOrThrow(path: string, reported: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new StemplayError("FILE_NOT_FOUND", `no such song: ${path}${await didYouMean(path)}`, {
        path: reported,
        cause: error,
      });
    }
    throw new StemplayError("PERMISSION", `cannot read ${path}: ${message(error)}`, {
      path: reported,
      cause: error,
    });
  }
}

/** The one manifest error, naming every problem. */
export function manifestError(manifest: string, problems: Problem[]): StemplayError {
  return new StemplayError("MANIFEST", problemsMessage(manifest, problems), {
    path: manifest,
    problems,
  });
}

/**
 * Parses a manifest's text.
 *
 * @throws {StemplayError} `MANIFEST` naming the position, line and column of a syntax error
 */
export function parseManifestText(manifest: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 gives line and column for most errors, not for an unexpected token: add them.
    const detail = describeJsonError(text, error);
    throw new StemplayError("MANIFEST", `${manifest} is not valid JSON: ${detail}`, {
      path: manifest,
      cause: error,
      problems: [{ keyPath: "", message: `not valid JSON: ${detail}` }],
    });
  }
}

async function readManifest(
  manifest: string,
  options: SongDescriptionOptions,
): Promise<SongDescription> {
  let text: string;
  try {
    text = await Deno.readTextFile(manifest);
  } catch (error) {
    const code = error instanceof Deno.errors.NotFound ? "FILE_NOT_FOUND" : "PERMISSION";
    throw new StemplayError(code, `cannot read ${manifest}: ${message(error)}`, {
      path: manifest,
      cause: error,
    });
  }
  const { description, problems } = await validateManifest(
    manifest,
    parseManifestText(manifest, text),
    options,
  );
  if (!description) throw manifestError(manifest, problems);
  return description;
}

/**
 * Checks the markers against the song's length once it is known (after decoding).
 *
 * @param description the song
 * @param duration the song's length in seconds
 * @throws {StemplayError} `MANIFEST` naming every marker past the end
 */
export function checkMarkers(description: SongDescription, duration: number): void {
  const problems = description.markers.flatMap((marker, index) =>
    marker.at > duration
      ? [{
        keyPath: `markers[${index + 1}].at`,
        message: `${marker.at} s is past the end of the song (${duration.toFixed(3)} s)`,
      }]
      : []
  );
  if (problems.length > 0) throw manifestError(description.path, problems);
}
