/**
 * `--transpose <semitones>` and `--speed <ratio>` (issue 24): the song's key and tempo for
 * this run, in place of its song.json's. A value that is not a number or out of range is a
 * usage error (exit 2). `--stretch-engine finer|faster`: Rubber Band's R3 or R2 for every
 * stretch of the run, over stemplay.json's `keyTempo.engine`.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import {
  checkSpeed,
  checkTranspose,
  type KeyTempo,
  STRETCH_ENGINES,
  type StretchEngine,
} from "../model/key_tempo.ts";
import { choiceFlag, type ParsedArgs, UsageError } from "./args.ts";

/** The flag specs to add to a command's `parseFlags`. */
export const KEY_TEMPO_FLAGS = {
  transpose: { type: "string" },
  speed: { type: "string" },
  "stretch-engine": { type: "string" },
} as const;

/** The given `--stretch-engine` (exit 2 naming both values for another), or undefined. */
export function stretchEngineFlag(command: string, parsed: ParsedArgs): StretchEngine | undefined {
  return choiceFlag(command, parsed, "stretch-engine", STRETCH_ENGINES);
}

/** The given `--transpose` and `--speed`, each checked (absent ones left out). */
export function keyTempoFlags(command: string, parsed: ParsedArgs): Partial<KeyTempo> {
  const out: Partial<KeyTempo> = {};
  for (const [name, check] of [["transpose", checkTranspose], ["speed", checkSpeed]] as const) {
    const raw = parsed.flags[name];
    if (raw === undefined) continue;
    const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
    try {
      out[name] = check(value, "INVALID_ARGUMENT", `--${name}`);
    } catch (error) {
      if (!(error instanceof StemplayError)) throw error;
      throw new UsageError(`${command}: ${error.message.replace("NaN", JSON.stringify(raw))}`);
    }
  }
  return out;
}
