/**
 * `Player.open({ keyTempo })`: how the player changes key and tempo. Today one choice, the
 * Rubber Band engine every stem of every song is stretched with (docs/key_tempo.md, "Engines").
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { checkStretchEngine, type StretchEngine } from "../model/key_tempo.ts";
import { isObject, show } from "../util/json_value.ts";

export type { StretchEngine } from "../model/key_tempo.ts";

/** How the player changes key and tempo. */
export interface KeyTempoOptions {
  /** Rubber Band's R3 ("finer", the default: the better sound) or R2 ("faster": about 3×
   * less CPU, a rougher sound, for weak machines). Every stretch the player makes uses it: a
   * song loaded at a key (decoded whole or streamed), a change while playing or stopped, a
   * `pitched` flag, a setlist entry at a key, `render`. */
  engine?: StretchEngine;
}

/** The stretch engine `Player.open({ keyTempo })` asks for ("finer" when not given).
 * @throws {StemplayError} "INVALID_ARGUMENT" naming `keyTempo.engine` and both values */
export function checkKeyTempoOptions(value: unknown): StretchEngine {
  if (value === undefined) return "finer";
  if (!isObject(value)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `keyTempo must be an object such as { engine: "faster" }, got ${show(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (key !== "engine") {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `keyTempo.${key} is not an option (keyTempo takes engine: "finer" or "faster")`,
      );
    }
  }
  const engine = (value as KeyTempoOptions).engine;
  return engine === undefined
    ? "finer"
    : checkStretchEngine(engine, "INVALID_ARGUMENT", "keyTempo.engine");
}
