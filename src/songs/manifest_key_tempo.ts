/**
 * Key and tempo in files (issue 24): song.json's `"transpose"` and `"speed"` and a setlist
 * entry's override of them, checked with the ranges of src/model/key_tempo.ts, each problem
 * recorded at its key path.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { checkSpeed, checkTranspose } from "../model/key_tempo.ts";
import { childKey, type KeyPathChecker } from "../util/check.ts";

/** The keys of song.json and of a setlist entry that give a key and tempo. */
export const KEY_TEMPO_KEYS: readonly string[] = ["transpose", "speed"];

/** A file's `transpose` and `speed` under `parent` ("" at the top): each as given, or
 * undefined when absent or wrong (its problem recorded). */
export function checkKeyTempoFields(
  check: KeyPathChecker,
  parent: string,
  fields: Record<string, unknown>,
): { transpose?: number; speed?: number } {
  return {
    transpose: recorded(check, childKey(parent, "transpose"), fields.transpose, checkTranspose),
    speed: recorded(check, childKey(parent, "speed"), fields.speed, checkSpeed),
  };
}

function recorded(
  check: KeyPathChecker,
  keyPath: string,
  value: unknown,
  checker: typeof checkTranspose,
): number | undefined {
  if (value === undefined) return undefined;
  try {
    return checker(value, "MANIFEST", "");
  } catch (error) {
    if (!(error instanceof StemplayError)) throw error;
    return check.fail(keyPath, error.message.trim());
  }
}
