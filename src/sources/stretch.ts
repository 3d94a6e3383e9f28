/**
 * Resident audio at another key and tempo, through Rubber Band (native/stretch.c, loaded at
 * run time). Every stem goes through its own stretcher with the same settings and Rubber
 * Band's latency compensated, so pitched and unpitched stems stay sample-locked.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { outPointer, toCString, unwrap } from "../native/native.ts";
import { type KeyTempo, pitchScale, type StretchEngine } from "../model/key_tempo.ts";
import { packPlanar, planarAudio } from "./planar.ts";

/** The command that installs Rubber Band on Debian and Ubuntu. */
export const STRETCH_INSTALL = "apt-get install librubberband2";

/** How one stem is stretched. */
export interface StretchSettings extends KeyTempo {
  /** False keeps the stem's key (click, drums): it follows the tempo only. Default true. */
  pitched?: boolean;
  /** Rubber Band's R3 ("finer", default) or R2 ("faster", for weak machines). */
  engine?: StretchEngine;
}

/** Throws STRETCH_UNAVAILABLE when Rubber Band cannot be loaded. */
export function requireStretch(native: Native): void {
  if (native.sp_stretch_available() === 1) return;
  throw new StemplayError(
    "STRETCH_UNAVAILABLE",
    `changing key or tempo needs Rubber Band 3 (librubberband.so.2), which is not installed: ` +
      `run \`${STRETCH_INSTALL}\`, or play the song at transpose 0 and speed 1`,
  );
}

/** A new C pcm: `pcm` (channels of `frames` at `sampleRate`) from song frame `start` on, at
 * the settings' key and tempo, round((frames - start) / speed) frames long; its frame 0 is
 * `start`. The caller owns both. Runs on a C thread. */
export async function stretchPcm(
  native: Native,
  pcm: Deno.PointerValue,
  sampleRate: number,
  settings: StretchSettings,
  start = 0,
): Promise<Deno.PointerValue> {
  requireStretch(native);
  const scale = settings.pitched === false ? 1 : pitchScale(settings.transpose);
  const engine = settings.engine === "faster" ? 1 : 0;
  const cell = new BigUint64Array(1);
  unwrap(
    native,
    await native.sp_pcm_stretch(
      pcm,
      sampleRate,
      settings.speed,
      scale,
      engine,
      BigInt(start),
      cell,
    ),
    "change key and tempo",
  );
  return outPointer(cell);
}

/**
 * A new C pcm of `pcm` at the settings' key and tempo, full length (round(frames / speed)) and
 * silent at first, rendered by a C thread of its own while the engine may already play it:
 * first from song frame `start` to the end, then the part before it (native/stretch_fill.c).
 * It takes `pcm` (freed once rendered). Frames not written yet play as silence; see
 * `fillState`. Returns at once.
 */
export function stretchPcmProgressive(
  native: Native,
  pcm: Deno.PointerValue,
  sampleRate: number,
  settings: StretchSettings,
  start: number,
): Deno.PointerValue {
  requireStretch(native);
  const cell = new BigUint64Array(1);
  unwrap(
    native,
    native.sp_pcm_stretch_progressive(
      pcm,
      sampleRate,
      settings.speed,
      settings.pitched === false ? 1 : pitchScale(settings.transpose),
      settings.engine === "faster" ? 1 : 0,
      BigInt(start),
      cell,
    ),
    "change key and tempo",
  );
  return outPointer(cell);
}

/** The frames [from, to) of a pcm from `stretchPcmProgressive` written so far (a pcm rendered
 * whole: all of it). Throws the render's error once it failed. */
export function fillState(native: Native, pcm: Deno.PointerValue): { from: number; to: number } {
  const out = new BigUint64Array(2);
  unwrap(native, native.sp_pcm_fill_state(pcm, out), "change key and tempo");
  return { from: Number(out[0]), to: Number(out[1]) };
}

/** A file read the streaming reader's way, from song frame `start` on, at the settings' key
 * and tempo, into JS: the same frames as the file decoded whole and stretched. */
export async function stretchFile(
  native: Native,
  path: string,
  sampleRate: number,
  settings: StretchSettings,
  start = 0,
): Promise<Float32Array[]> {
  requireStretch(native);
  const cell = new BigUint64Array(1);
  unwrap(
    native,
    await native.sp_file_stretch(
      toCString(path),
      sampleRate,
      settings.speed,
      settings.pitched === false ? 1 : pitchScale(settings.transpose),
      settings.engine === "faster" ? 1 : 0,
      BigInt(start),
      cell,
    ),
    `change the key and tempo of ${path}`,
  );
  const pcm = outPointer(cell);
  try {
    const info = new BigUint64Array(3);
    unwrap(native, native.sp_pcm_info(pcm, info), "read the stretched audio");
    return readPlanar(native, pcm, Number(info[1]));
  } finally {
    native.sp_pcm_free(pcm);
  }
}

/** Planar audio in JS (one Float32Array per channel) from song frame `start` on, at the
 * settings' key and tempo. */
export async function stretchPlanar(
  native: Native,
  channels: Float32Array[],
  sampleRate: number,
  settings: StretchSettings,
  start = 0,
): Promise<Float32Array[]> {
  const input = planarAudio(native, packPlanar(channels), sampleRate);
  try {
    const output = await stretchPcm(native, input.pcm, sampleRate, settings, start);
    try {
      return readPlanar(native, output, channels.length);
    } finally {
      native.sp_pcm_free(output);
    }
  } finally {
    native.sp_pcm_free(input.pcm);
  }
}

function readPlanar(native: Native, pcm: Deno.PointerValue, channels: number): Float32Array[] {
  const info = new BigUint64Array(3);
  unwrap(native, native.sp_pcm_info(pcm, info), "read the stretched audio");
  const frames = Number(info[0]);
  return Array.from({ length: channels }, (_, channel) => {
    const out = new Float32Array(frames);
    unwrap(
      native,
      native.sp_pcm_read_channel(pcm, channel, 0n, BigInt(frames), out),
      "read the stretched audio",
    );
    return out;
  });
}
