/**
 * The one way stemplay writes a file a person or a later run reads (settings after MIDI learn,
 * saved songs, the installed command, build caches): to a temporary name in the same folder,
 * then a rename. A crash or a full disk leaves the old file whole, never half a file.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { StemplayError } from "../errors.ts";

/** How to write. */
export interface WriteAtomicOptions {
  /** The new file's permission bits (default: the replaced file's, else 0o644). */
  mode?: number;
  /** Refuse a symlink at `path` instead of writing the file it points at, and create the
   * temporary file exclusively (never through a link planted at its name): for a folder
   * others may write to, such as the console's library. */
  noFollow?: boolean;
}

/**
 * Refuses `path` when it is a symlink (checked with lstat, right before the rename that would
 * replace it).
 * @throws {StemplayError} "INVALID_ARGUMENT" naming the path
 */
export async function refuseSymlink(path: string): Promise<void> {
  const link = await Deno.lstat(path).catch(() => undefined);
  if (link?.isSymlink) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${path} is a symlink: it is not written through (nothing was written); replace the ` +
        "link with the file itself",
      { path },
    );
  }
}

/** The file a path names: a symlink's target (so writing a linked settings file updates the
 * file it points at, and the link stays a link), or the path itself when it does not exist. */
async function realTarget(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return path;
    throw error;
  }
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    const mode = (await Deno.stat(path)).mode;
    return mode === null ? undefined : mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** A hidden temporary name next to `target`, unique to this process and call. */
function temporaryNameFor(target: string): string {
  const name = target.split("/").pop();
  return join(dirname(target), `.${name}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
}

/**
 * For a file written in pieces (a render): a temporary path next to `path` to write to, and
 * `commit()` that renames it over `path` once it is complete, or `discard()` that removes it.
 * Until `commit()`, whatever `path` held stays whole.
 */
export async function atomicTarget(
  path: string,
): Promise<{ temp: string; commit(): Promise<void>; discard(): Promise<void> }> {
  const target = await realTarget(path);
  const temp = temporaryNameFor(target);
  return {
    temp,
    commit: () => Deno.rename(temp, target),
    discard: () => Deno.remove(temp).catch(() => {}),
  };
}

/**
 * Writes `bytes` to `path` atomically: a temporary file next to it, then a rename. The
 * temporary file is removed if anything fails.
 */
export async function writeAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteAtomicOptions = {},
): Promise<void> {
  const noFollow = options.noFollow === true;
  if (noFollow) await refuseSymlink(path);
  const target = noFollow ? path : await realTarget(path);
  const mode = options.mode ?? await existingMode(target) ?? 0o644;
  const temp = temporaryNameFor(target);
  try {
    // createNew (O_EXCL): a link planted at the temporary name is not followed.
    await Deno.writeFile(temp, bytes, { mode, createNew: noFollow });
    // writeFile's mode passes through the umask; the file should have exactly `mode` (chmod
    // follows links: not where the temporary file could have been swapped for one).
    if (Deno.build.os !== "windows" && !noFollow) await Deno.chmod(temp, mode);
    if (noFollow) {
      await refuseSymlink(temp);
      await refuseSymlink(path);
    }
    await Deno.rename(temp, target);
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}

/** {@link writeAtomic} for text (UTF-8). */
export function writeTextAtomic(
  path: string,
  text: string,
  options: WriteAtomicOptions = {},
): Promise<void> {
  return writeAtomic(path, new TextEncoder().encode(text), options);
}
