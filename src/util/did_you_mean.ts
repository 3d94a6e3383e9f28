/**
 * "Did you mean": a path that does not exist, but whose name differs from an entry of its
 * folder only in case (`click.wav` for `Click.wav`, as a song made on macOS or Windows often
 * has), gets that entry named in the message.
 *
 * @module
 */

import { basename, dirname } from "node:path";

/** The entry of `path`'s folder whose name equals its name ignoring case, if there is one. */
export async function caseSlip(path: string): Promise<string | undefined> {
  const wanted = basename(path).toLowerCase();
  try {
    for await (const entry of Deno.readDir(dirname(path))) {
      if (entry.name.toLowerCase() === wanted && entry.name !== basename(path)) return entry.name;
    }
  } catch {
    // The folder itself is missing or unreadable: nothing to suggest.
  }
  return undefined;
}

/** " (did you mean "Click.wav"? names are case-sensitive)", or "". */
export async function didYouMean(path: string): Promise<string> {
  const slip = await caseSlip(path);
  return slip ? ` (did you mean "${slip}"? names are case-sensitive)` : "";
}
