/**
 * Streamed stems at another key and tempo: the engine's reader threads stretch them ahead of
 * the playhead, into their rings and heads (native/stretch_reader.c), so a song at a key loads
 * after its headers, like any streamed song, instead of decoding and rendering every stem
 * whole first.
 *
 * The reader threads (`streaming.readers`, reader_pool.ts) run every streamed stem's
 * stretcher, and a stem they cannot keep up with starves in front of an audience: so only a
 * song of at most `stretchStems` streamed stems is stretched there; a larger one is decoded
 * whole and rendered before it plays, as before (slow to load, never starved). See
 * docs/key_tempo.md for the measured budget.
 *
 * @module
 */

import type { Native } from "../native/native.ts";
import { unwrap } from "../native/native.ts";
import { FILE_INFO } from "../native/native_constants.ts";
import type { DecodedAudio } from "./audio.ts";
import { pitchScale } from "../model/key_tempo.ts";
import { requireStretch, type StretchSettings } from "./stretch.ts";

/** Streamed stems one reader thread stretches by default: none (opt in). On the shared 2-core
 * machine even 2 R3 stems starved in one of three runs of bench/reader_stretch_bench.ts under
 * load: see docs/key_tempo.md. */
export const DEFAULT_STRETCH_STEMS = 0;

/** The most streamed stems of one song the reader stretches (the setting's range). */
export const STRETCH_STEMS = { min: 0, max: 64 } as const;

/** What is wrong with `value` as `streaming.stretchStems`, or undefined when it is fine. */
export function stretchStemsProblem(value: unknown): string | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= STRETCH_STEMS.min &&
      value <= STRETCH_STEMS.max
    ? undefined
    : `must be a whole number of stems from ${STRETCH_STEMS.min} to ${STRETCH_STEMS.max}, got ${
      String(value)
    }`;
}

/** Whether a song of `stems` file stems at a key and tempo streams (stretched by the reader)
 * rather than decoding whole: within the budget. */
export function streamsStretched(stems: number, budget: number): boolean {
  return stems <= budget;
}

/** Makes a streamed stem (not yet attached, no heads) read through a stretcher at the
 * settings' key and tempo; its length becomes round(frames / speed). */
export function stretchStreamed(
  native: Native,
  audio: DecodedAudio,
  sampleRate: number,
  settings: StretchSettings,
): DecodedAudio {
  requireStretch(native);
  unwrap(
    native,
    native.sp_file_source_stretch(
      audio.stream!,
      sampleRate,
      settings.speed,
      settings.pitched === false ? 1 : pitchScale(settings.transpose),
      settings.engine === "faster" ? 1 : 0,
    ),
    `change the key and tempo of ${audio.path}`,
  );
  const info = new BigUint64Array(FILE_INFO.count);
  native.sp_file_source_info(audio.stream!, info);
  return { ...audio, frames: Number(info[FILE_INFO.frames]) };
}
