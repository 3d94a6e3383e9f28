/**
 * Key and tempo as numbers: the ranges of `player.transpose` and `player.speed`, their checks,
 * and which stems keep their key.
 *
 * @module
 */

import { StemplayError, type StemplayErrorCode } from "../errors.ts";

/** Transpose range in semitones (fractions are cents). */
export const MIN_TRANSPOSE = -12;
/** Transpose range in semitones (fractions are cents). */
export const MAX_TRANSPOSE = 12;
/** Slowest tempo ratio (half speed). */
export const MIN_SPEED = 0.5;
/** Fastest tempo ratio (double speed). */
export const MAX_SPEED = 2;

/** A song's key and tempo: semitones up (or down) and the tempo ratio (1 = as recorded). */
export interface KeyTempo {
  /** Semitones, −12 … +12, fractions allowed. */
  transpose: number;
  /** Tempo ratio, 0.5 … 2. */
  speed: number;
}

/** As recorded: the path that plays the files untouched. */
export const NEUTRAL: KeyTempo = { transpose: 0, speed: 1 };

/** Which Rubber Band engine stretches: R3 ("finer", the default) or R2 ("faster"). */
export type StretchEngine = "finer" | "faster";

/** The stretch engines, the default first (docs/key_tempo.md, "Engines"). */
export const STRETCH_ENGINES: readonly StretchEngine[] = ["finer", "faster"];

/** What is wrong with `value` as a stretch engine ("must be …, got …"), or undefined. */
export function stretchEngineProblem(value: unknown): string | undefined {
  if ((STRETCH_ENGINES as readonly unknown[]).includes(value)) return undefined;
  return `must be "finer" (Rubber Band R3, the default) or "faster" (R2: about 3× less CPU, ` +
    `a rougher sound, for weak machines), got ${show(value)}`;
}

/** Checks a stretch engine's name: "finer" or "faster", else `code` naming `what`. */
export function checkStretchEngine(
  value: unknown,
  code: StemplayErrorCode,
  what: string,
): StretchEngine {
  const problem = stretchEngineProblem(value);
  if (problem) throw new StemplayError(code, `${what} ${problem}`);
  return value as StretchEngine;
}

/** Checks a transpose value: a finite number within −12 … +12, else `code`. */
export function checkTranspose(value: unknown, code: StemplayErrorCode, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new StemplayError(code, `${what} must be a number of semitones, got ${show(value)}`);
  }
  if (value < MIN_TRANSPOSE || value > MAX_TRANSPOSE) {
    throw new StemplayError(
      code,
      `${what} ${value} is out of range: use ${MIN_TRANSPOSE} … +${MAX_TRANSPOSE} semitones`,
    );
  }
  return value;
}

/** Checks a speed value: a finite number within 0.5 … 2, else `code`. */
export function checkSpeed(value: unknown, code: StemplayErrorCode, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new StemplayError(
      code,
      `${what} must be a tempo ratio (1 = as recorded), got ${show(value)}`,
    );
  }
  if (value < MIN_SPEED || value > MAX_SPEED) {
    throw new StemplayError(
      code,
      `${what} ${value} is out of range: use ${MIN_SPEED} … ${MAX_SPEED} (1 = as recorded)`,
    );
  }
  return value;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** True when nothing is to be stretched or shifted. */
export function isNeutral(keyTempo: KeyTempo): boolean {
  return keyTempo.transpose === 0 && keyTempo.speed === 1;
}

/** The frequency ratio of a transpose in semitones. */
export function pitchScale(semitones: number): number {
  return Math.pow(2, semitones / 12);
}

/** Name parts of stems that keep their key when the song is transposed: the in-ear names of
 * the folder guess (click, guide, cue, count; src/engine/buses.ts) and unpitched percussion. */
const UNPITCHED_WORDS = [
  "click",
  "guide",
  "cue",
  "count",
  "drum",
  "kick",
  "snare",
  "tom",
  "hat",
  "overhead",
  "cymbal",
  "perc",
  "shaker",
  "tamb",
];

/** The guess for a folder song's stem: false (keep the key) for click, guide and percussion
 * names, true otherwise. */
export function guessPitched(trackName: string): boolean {
  const name = trackName.toLowerCase();
  return !UNPITCHED_WORDS.some((word) => name.includes(word));
}
