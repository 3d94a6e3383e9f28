/**
 * song.json's `"spokenCues"` key (docs/spoken_cues.md), read beside the rest of the manifest:
 * checked by the one check of src/show/spoken_cue_options.ts, with its folder of recorded
 * words resolved from the song's folder. Cues need the song's tempo (they end on a bar line).
 *
 * @module
 */

import { dirname, isAbsolute, join } from "node:path";
import { StemplayError } from "../errors.ts";
import type { TempoSegment } from "../model/tempo.ts";
import { checkSpokenCueOptions, type SpokenCueOptions } from "../show/spoken_cue_options.ts";

/** What a song description says of spoken cues. */
export interface SongSpokenCues {
  /** Spoken section cues, when the manifest has `spokenCues` (docs/spoken_cues.md). */
  spokenCues?: SpokenCueOptions;
}

/** The manifest's error for a key path, in the form of every other manifest error. */
function invalid(manifest: string, keyPath: string, problem: string): never {
  throw new StemplayError("MANIFEST", `${manifest}: ${keyPath}: ${problem}`, { path: manifest });
}

/**
 * The song's spoken-cue options (none when the manifest has no `spokenCues`).
 *
 * @throws {StemplayError} `MANIFEST` naming the key (`spokenCues.gainDb`) and the problem
 */
export function parseSongSpokenCues(
  value: unknown,
  manifest: string,
  tempo: TempoSegment[],
): SongSpokenCues {
  if (value === undefined) return {};
  const options = checkSpokenCueOptions(
    value,
    (key, problem) => invalid(manifest, key ? `spokenCues.${key}` : "spokenCues", problem),
  );
  if (options.enabled !== false && tempo.length === 0) {
    invalid(
      manifest,
      "spokenCues",
      "needs the song's tempo (tempo or tempoMap): a cue ends on a bar line",
    );
  }
  if (options.folder !== undefined && !isAbsolute(options.folder)) {
    options.folder = join(dirname(manifest), options.folder);
  }
  return { spokenCues: options };
}
