/**
 * The console's writes: a JSON file checked by the validator its kind goes through (a song by
 * the song loader, a setlist by the setlist reader) before it replaces the old one, atomically,
 * and only when it is still the version the page read (two browsers never overwrite each other
 * silently). The version is the SHA-256 of the file's bytes, as `songVersion`'s, so an edit
 * by hand is noticed too. Songs are saved with `saveSong` (src/songs/save_song.ts); this is
 * for setlists.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { StemplayError } from "../errors.ts";
import { formatJson } from "../util/json_format.ts";
import { withPathLock } from "../util/path_lock.ts";
import { refuseSymlink } from "../util/write_atomic.ts";

/** One problem of a refused edit: where in the file, and what is wrong. */
export interface EditProblem {
  keyPath: string;
  message: string;
}

/** How a save went. */
export type SaveOutcome =
  | { ok: true; version: string }
  | { ok: false; stale: true; version: string }
  | { ok: false; stale: false; problems: EditProblem[] };

/** A write refused because the file (or its temporary file) is a symlink, naming the file by
 * its id in the library rather than its path on this machine. */
export function symlinkRefusal(id: string): StemplayError {
  return new StemplayError(
    "INVALID_ARGUMENT",
    `${id} is a symlink: the console does not write through links (nothing was written); ` +
      "replace the link with the file itself",
  );
}

/** The version of a file's bytes ("" for no file). */
export async function versionOf(path: string): Promise<string> {
  const bytes = await Deno.readFile(path).catch(() => undefined);
  if (!bytes) return "";
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** A validator's error as problems (every one it reports, when it reports a list). */
export function problemsOf(error: unknown): EditProblem[] {
  const listed = (error as { problems?: unknown })?.problems;
  if (Array.isArray(listed) && listed.length) {
    return listed.map((p) => ({ keyPath: String(p?.keyPath ?? ""), message: String(p?.message) }));
  }
  const message = error instanceof Error ? error.message : String(error);
  // "…/song.json: tracks[1].gainDb: …" → the key path the page shows the message beside.
  const match = /\.json(?::\d+:\d+)?: ([A-Za-z_][\w.[\]]*): /.exec(message);
  return [{ keyPath: match?.[1] ?? "", message }];
}

/**
 * Writes `value` to `path` as readable JSON when `ifVersion` is its version now and `validate`
 * accepts the new file (run on a temporary copy beside it, so relative paths resolve the same).
 * Nothing is written otherwise. `ifVersion` "" means there is no such file yet. One save of a
 * path at a time, from the version check to the rename.
 */
export function saveChecked(
  path: string,
  value: unknown,
  ifVersion: string | undefined,
  validate: (candidate: string) => Promise<unknown>,
): Promise<SaveOutcome> {
  return withPathLock(path, () => saveUnlocked(path, value, ifVersion, validate));
}

async function saveUnlocked(
  path: string,
  value: unknown,
  ifVersion: string | undefined,
  validate: (candidate: string) => Promise<unknown>,
): Promise<SaveOutcome> {
  const current = await versionOf(path);
  if (ifVersion !== undefined && ifVersion !== current) {
    return { ok: false, stale: true, version: current };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, stale: false, problems: [{ keyPath: "", message: "not a JSON object" }] };
  }
  const temp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.json`);
  const text = formatJson(value);
  try {
    await Deno.writeTextFile(temp, text, { createNew: true }); // never through a planted link
    try {
      await validate(temp);
    } catch (error) {
      if (!(error instanceof StemplayError)) throw error;
      const problems = problemsOf(error).map((problem) => ({
        keyPath: problem.keyPath,
        message: problem.message.replaceAll(`${temp}: `, "").replaceAll(temp, path),
      }));
      return { ok: false, stale: false, problems };
    }
    // A link planted in the library since the checks is refused, not read nor written through.
    await refuseSymlink(temp);
    await refuseSymlink(path);
    if (await versionOf(path) !== current) {
      return { ok: false, stale: true, version: await versionOf(path) };
    }
    await Deno.rename(temp, path);
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
  return { ok: true, version: await versionOf(path) };
}
