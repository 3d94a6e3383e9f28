/**
 * Timecode out: SMPTE linear timecode (LTC) as a generated track of each song, rendered in C
 * (native/ltc.c) for the song's own timeline, like the generated click. Because it is a track
 * of the song, every seek, marker jump, loop and song change moves it with the music, sample
 * for sample.
 *
 * The song-hour scheme: a single song (`loadSong`) reads 01:00:00:00 on its first frame; song n
 * of a setlist (1-based) reads n:00:00:00, so lights and video can tell songs apart. Hours run
 * 1 to 23; a 24th song starts again at hour 1. See docs/timecode.md.
 *
 * @module
 */

import type { DecodedAudio } from "../sources/audio.ts";
import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { outPointer, unwrap } from "../native/native.ts";

/** LTC frame rates: 29.97 is drop-frame. */
export type LtcFps = 24 | 25 | 29.97 | 30;

/** LTC output settings. */
export interface LtcOptions {
  /** Frames per second: 24, 25, 29.97 (drop-frame) or 30. */
  fps: LtcFps;
  /** The output (1-based) the timecode track is routed to. Without it the track goes to the
   * rig profile's bus named "timecode" (TIMECODE_BUS). */
  output?: number;
  /** Peak level in dBFS, from -40 to 0. Default -12. */
  levelDb?: number;
  /** Milliseconds the timecode is moved against the audio, from -1000 to 1000: negative sends
   * each frame's code early (before its audio), positive late. Default 0. */
  offsetMs?: number;
}

const FPS: readonly LtcFps[] = [24, 25, 29.97, 30];
/** The keys of the LTC options (`timecode.ltc` in stemplay.json; docs/settings.md). */
export const LTC_KEYS: readonly string[] = ["fps", "output", "levelDb", "offsetMs"];
/** The largest LTC offset either way, in milliseconds (as MIDI out's). */
export const MAX_LTC_OFFSET_MS = 1000;
const DEFAULT_LEVEL_DB = -12;
/** The track name of the generated timecode. */
export const LTC_TRACK_NAME = "timecode";
/** The rig-profile bus the timecode plays on when `ltc.output` is not given. */
export const TIMECODE_BUS = "timecode";

/**
 * Checks LTC options against an engine of `outputs` channels.
 *
 * @throws {StemplayError} `INVALID_ARGUMENT` naming the key at fault and what is allowed
 */
export function checkLtcOptions(options: unknown, outputs: number, where = "ltc"): LtcOptions {
  const fail = (key: string, message: string): never => {
    throw new StemplayError("INVALID_ARGUMENT", `${where}.${key}: ${message}`);
  };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${where} must be an object like { "fps": 25, "output": 5 }`,
    );
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!LTC_KEYS.includes(key)) {
      fail(key, `unknown key (known: ${LTC_KEYS.join(", ")})`);
    }
  }
  if (!FPS.includes(record.fps as LtcFps)) {
    fail("fps", `must be one of ${FPS.join(", ")} (29.97 is drop-frame), got ${record.fps}`);
  }
  const output = record.output;
  if (
    output !== undefined &&
    (typeof output !== "number" || !Number.isInteger(output) || output < 1 || output > outputs)
  ) {
    fail("output", `must be an output from 1 to ${outputs}, got ${output}`);
  }
  const level = record.levelDb ?? DEFAULT_LEVEL_DB;
  if (typeof level !== "number" || !Number.isFinite(level) || level < -40 || level > 0) {
    fail("levelDb", `must be dBFS from -40 to 0, got ${level}`);
  }
  const offset = record.offsetMs;
  if (
    offset !== undefined &&
    (typeof offset !== "number" || !Number.isFinite(offset) ||
      Math.abs(offset) > MAX_LTC_OFFSET_MS)
  ) {
    fail(
      "offsetMs",
      `must be milliseconds from -${MAX_LTC_OFFSET_MS} to ${MAX_LTC_OFFSET_MS} ` +
        `(negative: early), got ${offset}`,
    );
  }
  const checked: LtcOptions = { fps: record.fps as LtcFps, levelDb: level as number };
  if (output !== undefined) checked.output = output as number;
  if (offset !== undefined && offset !== 0) checked.offsetMs = offset as number;
  return checked;
}

/** The hour a song's timecode starts at: setlist song `index` (0-based) reads index + 1,
 * wrapping after 23; a single song reads 1. */
export function songHour(setlistIndex: number | undefined): number {
  return setlistIndex === undefined ? 1 : (setlistIndex % 23) + 1;
}

/** The LTC offset in whole output frames (rounded to the nearest). */
export function ltcOffsetFrames(options: LtcOptions, sampleRate: number): number {
  return Math.round((options.offsetMs ?? 0) * sampleRate / 1000);
}

/**
 * Renders `frames` frames of LTC in C: the track's first sample carries the code of song frame
 * `firstFrame` (0: the song's start, which reads `hour`:00:00:00). For an offset, pass
 * `-ltcOffsetFrames(…)`: early codes start into the song, late ones start in the hour before.
 * At `speed` other than 1 the track's frames are real time (the stretched song's timeline)
 * and its codes song time: real frame r reads song frame r × speed (`firstFrame` is real).
 */
export function renderLtc(
  native: Native,
  options: LtcOptions,
  hour: number,
  firstFrame: number,
  frames: number,
  sampleRate: number,
  speed = 1,
): DecodedAudio {
  const cell = new BigUint64Array(1);
  const level = 10 ** ((options.levelDb ?? DEFAULT_LEVEL_DB) / 20);
  unwrap(
    native,
    native.sp_ltc_render_speed(
      Math.round(options.fps * 100),
      hour,
      BigInt(firstFrame),
      BigInt(frames),
      sampleRate,
      level,
      speed,
      cell,
    ),
    "render the timecode",
  );
  return { pcm: outPointer(cell), channels: 1, frames, sourceRate: sampleRate, path: "" };
}
