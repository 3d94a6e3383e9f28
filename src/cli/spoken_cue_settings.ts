/**
 * stemplay.json's `"spokenCues"` section: spoken section cues for every song (each song's own
 * `spokenCues` wins key by key; docs/spoken_cues.md). Each key is checked by the one check of
 * src/show/spoken_cue_options.ts; `folder` is relative to the settings file.
 *
 * @module
 */

import { dirname, isAbsolute, join } from "node:path";
import {
  checkSpokenCueOptions,
  SPOKEN_CUE_KEYS,
  type SpokenCueOptions,
} from "../show/spoken_cue_options.ts";

/** A problem with one key's value, or undefined when fine. */
type Check = (value: unknown) => string | undefined;

function keyCheck(key: string): Check {
  return (value) => {
    try {
      checkSpokenCueOptions({ [key]: value }, (_key, problem) => {
        throw new Error(problem);
      });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
}

/** The checks of the section's keys, by key. */
export const SPOKEN_CUE_SETTING_KEYS: Record<keyof SpokenCueOptions, Check> = Object.fromEntries(
  SPOKEN_CUE_KEYS.map((key) => [key, keyCheck(key)]),
) as Record<keyof SpokenCueOptions, Check>;

/** The section's folder resolved from the settings file's folder. */
export function resolveCueFolder(options: SpokenCueOptions, settingsFile: string): void {
  if (options.folder !== undefined && !isAbsolute(options.folder)) {
    options.folder = join(dirname(settingsFile), options.folder);
  }
}
