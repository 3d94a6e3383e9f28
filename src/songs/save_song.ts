/**
 * Saving a song.json from a program (the console, a script): the manifest goes through the
 * same checks as a file the loader reads, and is written atomically as 2-space-indented JSON.
 * A file's version is the SHA-256 of its bytes (hex): unlike an mtime, it changes with every
 * change of content, however quick, and two identical files share it. A save that names the
 * version it was based on (`ifVersion`) is refused when the file has changed since.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { withPathLock } from "../util/path_lock.ts";
import { writeAtomic } from "../util/write_atomic.ts";
import { validateManifest } from "./manifest_check.ts";
import { manifestError } from "./song.ts";
import type { SongDescriptionOptions } from "./song_types.ts";

/** Options of {@linkcode saveSong}. */
export interface SaveSongOptions extends SongDescriptionOptions {
  /** The version the edit was based on (from {@linkcode songVersion} or an earlier save): the
   * save is refused with `STALE` when the file on disk is no longer that version (or is gone).
   * `""` means "there is no such file yet": refused when one has appeared. */
  ifVersion?: string;
  /** Refuse a song.json that is a symlink rather than write the file it points at (checked
   * again right before the rename): the console sets it, so a link planted in its library
   * never leads a write outside. */
  noFollow?: boolean;
}

/** What {@linkcode saveSong} resolves to. */
export interface SavedSong {
  /** The saved file's version: the SHA-256 of its bytes, in hex. */
  version: string;
}

async function hash(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The version of a song.json on disk (the SHA-256 of its bytes, in hex), or undefined when
 * there is no such file.
 */
export async function songVersion(manifestPath: string): Promise<string | undefined> {
  try {
    return await hash(await Deno.readFile(manifestPath));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Validates `manifest` (the JSON a song.json holds) as the file at `manifestPath` and writes
 * it there atomically, as 2-space-indented JSON with a final newline.
 *
 * @param manifestPath where the song.json is (or goes); track files resolve against its folder
 * @param manifest the song.json's content
 * @param options `ifVersion`: the version the edit was based on; `outputs`, `buses`: as for
 *   loading
 * @returns the saved file's version
 * @throws {StemplayError} `MANIFEST` with every problem in `problems`; `STALE` when the file
 *   changed since `ifVersion`; `INVALID_ARGUMENT` for a symlinked song.json with `noFollow`.
 *   In every case nothing is written.
 */
export async function saveSong(
  manifestPath: string,
  manifest: unknown,
  options: SaveSongOptions = {},
): Promise<SavedSong> {
  const { problems } = await validateManifest(manifestPath, manifest, options);
  if (problems.length > 0) throw manifestError(manifestPath, problems);
  const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n");
  // From the version check to the rename, one save of this file at a time.
  const write = { noFollow: options.noFollow };
  await withPathLock(manifestPath, async () => {
    if (options.ifVersion === undefined) return await writeAtomic(manifestPath, bytes, write);
    const current = await songVersion(manifestPath);
    if ((current ?? "") !== options.ifVersion) {
      throw new StemplayError(
        "STALE",
        `${manifestPath} has changed since it was read (${
          current === undefined ? "it is gone" : "another edit saved it"
        }): read it again, redo the edit, and save with the new version`,
        { path: manifestPath },
      );
    }
    await writeAtomic(manifestPath, bytes, write);
  });
  return { version: await hash(bytes) };
}
