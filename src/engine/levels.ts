/**
 * Levels are a safety matter: musicians wear in-ears. Every gain stage (a track's gain, each
 * `routeGains` entry, a bus's own gain, the master gain, a step from a surface) stops at
 * {@link MAX_GAIN_DB}, whatever asks for more (the API, an action from keys, OSC, the web
 * remote or MIDI, a song file). Stages multiply, so the callback also clamps every output to
 * ±1.0 after the master gain and counts the clamped samples (`player.health.clipped`).
 *
 * @module
 */

import { StemplayError } from "../errors.ts";

/** The highest gain of any one stage, in dB: +12 dB lifts a quiet stem to where it is heard,
 * and no further. SP_MAX_GAIN_DB in native/stemplay.h is the same number. */
export const MAX_GAIN_DB = 12;

/** Converts dB to a linear gain. */
export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

/** Converts a linear gain to dB (-Infinity for 0). */
export function gainToDb(gain: number): number {
  return 20 * Math.log10(gain);
}

/** {@link MAX_GAIN_DB} as a linear gain: 3.981. */
export const MAX_GAIN: number = dbToGain(MAX_GAIN_DB);

/** The ceiling as a 32-bit float (3.98107171, a hair above {@link MAX_GAIN}): what an OSC
 * fader at its top sends, and what C stores. It counts as the ceiling, never as more. */
const MAX_GAIN_FLOAT32 = Math.fround(MAX_GAIN);

/** The range as messages name it. */
export const GAIN_RANGE = `0 to ${MAX_GAIN.toFixed(3)} (-inf to +${MAX_GAIN_DB} dB)`;

/** The range of a gain in dB as messages name it. */
export const GAIN_DB_RANGE = `at most +${MAX_GAIN_DB} dB`;

/** Whether `gain` is a finite linear gain from 0 to {@link MAX_GAIN} (negative too with
 * `signed`, for a `routeGains` entry that inverts polarity). */
export function gainInRange(gain: unknown, signed = false): gain is number {
  return typeof gain === "number" && Number.isFinite(gain) &&
    gain >= (signed ? -MAX_GAIN_FLOAT32 : 0) && gain <= MAX_GAIN_FLOAT32;
}

/** `gain` (in range) with the float32 ceiling taken as the ceiling itself. */
export function atMostCeiling(gain: number): number {
  return Math.max(-MAX_GAIN, Math.min(gain, MAX_GAIN));
}

/** Whether `db` is a number of dB a gain may be set to: at most {@link MAX_GAIN_DB}
 * (-Infinity is silence; NaN and +Infinity are not). */
export function gainDbInRange(db: unknown): db is number {
  return typeof db === "number" && !Number.isNaN(db) && db <= MAX_GAIN_DB;
}

/**
 * A linear gain from 0 to {@link MAX_GAIN}, checked; `what` names it in the error.
 *
 * @throws {StemplayError} "INVALID_ARGUMENT" naming the range
 */
export function checkGain(gain: number, what = "gain"): number {
  if (!gainInRange(gain)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${what} must be a number from ${GAIN_RANGE}, got ${gain}`,
    );
  }
  return atMostCeiling(gain);
}

/**
 * A gain in dB as linear, checked: a number, at most {@link MAX_GAIN_DB}.
 *
 * @throws {StemplayError} "INVALID_ARGUMENT" naming the range
 */
export function gainFromDb(db: number, what = "gainDb"): number {
  if (!gainDbInRange(db)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${what} must be a number ${GAIN_DB_RANGE}, got ${db}`,
    );
  }
  return Math.min(dbToGain(db), MAX_GAIN);
}
