/**
 * song.json's `"spokenCues"` key (docs/spoken_cues.md), read beside the rest of the manifest:
 * checked by the one check of src/show/spoken_cue_options.ts, with its folder of recorded
 * words resolved from the song's folder. Cues need the song's tempo (they end on a bar line).
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import type { TempoSegment } from "../model/tempo.ts";
import { checkSpokenCueOptions, type SpokenCueOptions } from "../show/spoken_cue_options.ts";

/**
 * The song's spoken-cue options, or undefined when the manifest has no `spokenCues`.
 *
 * @param fail throws the manifest's error for a key path and a problem
 */
export function parseSongSpokenCues(
  value: unknown,
  songFolder: string,
  tempo: TempoSegment[],
  fail: (keyPath: string, problem: string) => never,
): SpokenCueOptions | undefined {
  if (value === undefined) return undefined;
  const options = checkSpokenCueOptions(
    value,
    (key, problem) => fail(key ? `spokenCues.${key}` : "spokenCues", problem),
  );
  if (options.enabled !== false && tempo.length === 0) {
    fail("spokenCues", "needs the song's tempo (tempo or tempoMap): a cue ends on a bar line");
  }
  if (options.folder !== undefined && !isAbsolute(options.folder)) {
    options.folder = join(songFolder, options.folder);
  }
  return options;
}
