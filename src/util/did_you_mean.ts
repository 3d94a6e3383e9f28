/**
 * "Did you mean": a path that does not exist gets the entry of its folder it most likely meant
 * named in the message: one whose name differs only in case (`click.wav` for `Click.wav`, as a
 * song made on macOS or Windows often has), else the closest name (`10 Pads.flac` for
 * `10 Pads v2.flac`, a stem renamed after the manifest was written).
 *
 * @module
 */

import { basename, dirname } from "node:path";

async function entries(folder: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) names.push(entry.name);
  } catch {
    // The folder itself is missing or unreadable: nothing to suggest.
  }
  return names;
}

/** The entry of `path`'s folder whose name equals its name ignoring case, if there is one. */
export async function caseSlip(path: string): Promise<string | undefined> {
  const wanted = basename(path).toLowerCase();
  return (await entries(dirname(path))).find((name) =>
    name.toLowerCase() === wanted && name !== basename(path)
  );
}

/** Edits (insert, delete, replace one character) between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/** The entry of `path`'s folder whose name is closest to its name (ignoring case), when it is
 * close enough to be a slip or a rename: at most half the name's length in edits. Hidden files
 * are never suggested. */
export async function closestEntry(path: string): Promise<string | undefined> {
  const wanted = basename(path).toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of (await entries(dirname(path))).sort()) {
    if (name.startsWith(".") || name === basename(path)) continue;
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(wanted.length / 2)) ? best : undefined;
}

/** " (did you mean "Click.wav"? names are case-sensitive)", " (did you mean "10 Pads v2.flac"?)",
 * or "". */
export async function didYouMean(path: string): Promise<string> {
  const slip = await caseSlip(path);
  if (slip) return ` (did you mean "${slip}"? names are case-sensitive)`;
  const closest = await closestEntry(path);
  return closest ? ` (did you mean "${closest}"?)` : "";
}
