/**
 * The options of spoken section cues, as song.json's `"spokenCues"` and stemplay.json's
 * `"spokenCues"` give them (docs/spoken_cues.md), and their one check. A song's keys override
 * the settings' keys one by one; an object given at all turns the cues on unless it says
 * `"enabled": false`.
 *
 * @module
 */

import { MAX_GAIN_DB } from "../engine/levels.ts";

/** Spoken cues, as given (every key optional). */
export interface SpokenCueOptions {
  /** Speak the cues. Default: true where a `spokenCues` object is given, else false. */
  enabled?: boolean;
  /** Level of the cue track in dB, -60 to +12. Default: -6. */
  gainDb?: number;
  /** Also speak the count-in's beats ("one, two, three, four"). Default: false. */
  countIn?: boolean;
  /** A folder of recorded cue words (relative to the file that names it), used before the
   * voice: `chorus.wav` for "Chorus", `verse-2.wav` or `Verse 2.flac` for "Verse 2". */
  folder?: string;
  /** The espeak-ng voice (`espeak-ng --voices` lists them). Default: "en". */
  voice?: string;
}

/** Spoken cues with every default filled in. */
export interface SpokenCueSettings {
  enabled: boolean;
  gainDb: number;
  countIn: boolean;
  folder?: string;
  voice: string;
}

/** The keys of a `spokenCues` object, in the order the docs list them. */
export const SPOKEN_CUE_KEYS: readonly string[] = [
  "enabled",
  "gainDb",
  "countIn",
  "folder",
  "voice",
];

export const DEFAULT_SPOKEN_CUE_GAIN_DB = -6;
export const DEFAULT_VOICE = "en";
const MIN_GAIN_DB = -60;

/** A value as a message shows it. */
function shown(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

/**
 * Checks a `spokenCues` value. `fail` gets the key below `spokenCues` ("" for the value
 * itself, "gainDb" for a key) and the problem, and throws.
 */
export function checkSpokenCueOptions(
  value: unknown,
  fail: (key: string, problem: string) => never,
): SpokenCueOptions {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(
      "",
      `must be an object like { "enabled": true, "gainDb": -6, "countIn": false }, got ${
        shown(value)
      }`,
    );
  }
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!SPOKEN_CUE_KEYS.includes(key)) {
      fail(key, `is not a known key (${SPOKEN_CUE_KEYS.join(", ")})`);
    }
  }
  const options: SpokenCueOptions = {};
  for (const key of ["enabled", "countIn"] as const) {
    if (given[key] === undefined) continue;
    if (typeof given[key] !== "boolean") {
      fail(key, `must be true or false, got ${shown(given[key])}`);
    }
    options[key] = given[key];
  }
  if (given.gainDb !== undefined) {
    const db = given.gainDb;
    if (typeof db !== "number" || !Number.isFinite(db) || db < MIN_GAIN_DB || db > MAX_GAIN_DB) {
      fail(
        "gainDb",
        `must be a number of dB from ${MIN_GAIN_DB} to +${MAX_GAIN_DB}, got ${shown(db)}`,
      );
    }
    options.gainDb = db;
  }
  for (const key of ["folder", "voice"] as const) {
    if (given[key] === undefined) continue;
    const text = given[key];
    if (typeof text !== "string" || text.trim() === "") {
      fail(key, `must be a non-empty string, got ${shown(text)}`);
    }
    options[key] = text;
  }
  return options;
}

/** The song's options over the settings' (key by key), with the defaults filled in; undefined
 * when neither gives any. */
export function resolveSpokenCues(
  song: SpokenCueOptions | undefined,
  settings: SpokenCueOptions | undefined,
): SpokenCueSettings | undefined {
  if (!song && !settings) return undefined;
  const merged = { ...settings, ...song };
  return {
    enabled: merged.enabled ?? true,
    gainDb: merged.gainDb ?? DEFAULT_SPOKEN_CUE_GAIN_DB,
    countIn: merged.countIn ?? false,
    folder: merged.folder,
    voice: merged.voice ?? DEFAULT_VOICE,
  };
}
