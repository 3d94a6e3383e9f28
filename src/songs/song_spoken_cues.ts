/**
 * song.json's `"spokenCues"` key (docs/spoken_cues.md), checked beside the rest of the
 * manifest with the key-path kit (every problem recorded, `spokenCues.gainDb` …) by the one
 * check of src/show/spoken_cue_options.ts, with its folder of recorded words resolved from the
 * song's folder. Cues need the song's tempo (they end on a bar line).
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import type { TempoSegment } from "../model/tempo.ts";
import type { KeyPathChecker } from "../util/check.ts";
import {
  checkSpokenCueOptions,
  SPOKEN_CUE_KEYS,
  type SpokenCueOptions,
} from "../show/spoken_cue_options.ts";

/** What a song description says of spoken cues. */
export interface SongSpokenCues {
  /** Spoken section cues, when the manifest has `spokenCues` (docs/spoken_cues.md). */
  spokenCues?: SpokenCueOptions;
}

/**
 * The song's spoken-cue options (none when the manifest has no `spokenCues`), each problem
 * recorded in `check`.
 *
 * @param tempo the song's tempo map (undefined when it has problems of its own)
 */
export function checkSongSpokenCues(
  check: KeyPathChecker,
  value: unknown,
  songFolder: string,
  tempo: TempoSegment[] | undefined,
): SongSpokenCues {
  if (value === undefined) return {};
  const given = check.object("spokenCues", value, SPOKEN_CUE_KEYS);
  if (!given) return {};
  const options: SpokenCueOptions = {};
  for (const key of SPOKEN_CUE_KEYS) {
    if (given[key] === undefined) continue;
    try {
      Object.assign(
        options,
        checkSpokenCueOptions({ [key]: given[key] }, (_key, problem) => {
          throw new TypeError(problem);
        }),
      );
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      check.fail(`spokenCues.${key}`, error.message);
    }
  }
  if (options.enabled !== false && tempo?.length === 0) {
    check.fail(
      "spokenCues",
      "needs the song's tempo (tempo or tempoMap): a cue ends on a bar line",
    );
  }
  if (options.folder !== undefined && !isAbsolute(options.folder)) {
    options.folder = join(songFolder, options.folder);
  }
  return { spokenCues: options };
}
