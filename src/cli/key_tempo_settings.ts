/**
 * stemplay.json's `"keyTempo"` section: how the player changes key and tempo, as
 * `Player.open({ keyTempo })`. One key, `engine`: "finer" (Rubber Band R3, the default) or
 * "faster" (R2, for weak machines); `--stretch-engine` wins over it (docs/settings.md).
 *
 * @module
 */

import type { KeyTempoOptions } from "../player/key_tempo_options.ts";
import { stretchEngineProblem } from "../model/key_tempo.ts";

/** The checks of the section's keys, by key. */
export const KEY_TEMPO_SETTING_KEYS: Record<
  keyof KeyTempoOptions,
  (value: unknown) => string | undefined
> = {
  engine: stretchEngineProblem,
};
