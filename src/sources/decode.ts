/**
 * Decoding a file into C-owned planar float32 on a loading thread (a nonblocking FFI call),
 * with progress, and with every bad file answered by a StemplayError naming the file.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { cString, outPointer, resultCode, toCString } from "../native/native.ts";
import { RESULT } from "../native/native_constants.ts";
import { decodeWithFfmpeg } from "./optional_decoder.ts";
import { openStreamed } from "./streaming.ts";
import type { DecodedAudio } from "./audio.ts";

/** Called while a file decodes: frames done, frames expected (0 while unknown). */
export type ProgressCallback = (loadedFrames: number, totalFrames: number) => void;

const PROGRESS_INTERVAL_MS = 50;

/** Checks what the file system can tell before the decoder runs, for clearer errors. */
async function checkFile(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new StemplayError("FILE_NOT_FOUND", `no such file: ${path}`, { path, cause: error });
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new StemplayError(
        "PERMISSION",
        `reading ${path} needs --allow-read`,
        { path, cause: error },
      );
    }
    throw new StemplayError("FILE", `cannot read ${path}: ${error}`, { path, cause: error });
  }
  if (info.isDirectory) {
    throw new StemplayError("IS_DIRECTORY", `${path} is a folder, not an audio file`, { path });
  }
  if (info.size === 0) throw new StemplayError("EMPTY", `${path} is empty`, { path });
  try {
    (await Deno.open(path, { read: true })).close();
  } catch (error) {
    throw new StemplayError(
      "PERMISSION",
      `cannot open ${path} for reading (${error instanceof Error ? error.message : error})`,
      { path, cause: error },
    );
  }
}

/**
 * Decodes a whole file, resampled to `sampleRate` (0 keeps the file's rate): natively when the
 * C shim reads the format, else through the optional decoder (ffmpeg).
 */
export async function decodeFile(
  native: Native,
  path: string,
  sampleRate: number,
  onProgress?: ProgressCallback,
  streamRingFrames?: number,
): Promise<DecodedAudio> {
  await checkFile(path);
  if (streamRingFrames !== undefined && sampleRate !== 0) {
    // Streamed: nothing is decoded now (a file that cannot stream is decoded whole below).
    const streamed = await openStreamed(native, path, sampleRate, streamRingFrames);
    if (streamed) {
      onProgress?.(streamed.frames, streamed.frames);
      return streamed;
    }
  }
  const cell = new BigUint64Array(1);
  const created = native.sp_decode_job_create(toCString(path), sampleRate, cell);
  if (created !== 0) {
    throw new StemplayError(
      resultCode(created),
      `cannot decode ${path}: ${cString(native.sp_result_string(created))}`,
      { path },
    );
  }
  const job = outPointer(cell);
  const progress = new BigUint64Array(2);
  const report = () => {
    native.sp_decode_job_progress(job, progress);
    onProgress?.(Number(progress[0]), Number(progress[1]));
  };
  const timer = onProgress ? setInterval(report, PROGRESS_INTERVAL_MS) : undefined;
  try {
    const result = await native.sp_decode_job_run(job);
    const format = cString(native.sp_decode_job_format(job));
    // A format only the optional decoder reads.
    if (result === RESULT.FORMAT_UNAVAILABLE) {
      // The detail names the format and, for Ogg Vorbis, that this build lacks stb_vorbis.
      const what = cString(native.sp_decode_job_error(job)) || format;
      const decoded = await decodeWithFfmpeg(native, path, sampleRate, what, onProgress);
      if (onProgress) onProgress(decoded.frames, decoded.frames);
      const sourceRate = decoded.sourceRate;
      return {
        pcm: decoded.pcm,
        frames: decoded.frames,
        channels: decoded.channels,
        sourceRate,
        path,
        source: {
          path,
          format: `${format} (${decoded.codec})`,
          sampleRate: sourceRate,
          channels: decoded.channels,
          converted: sampleRate !== 0 && sourceRate !== sampleRate,
          decoder: "ffmpeg",
        },
      };
    }
    if (result !== 0) {
      const detail = cString(native.sp_decode_job_error(job)) ||
        cString(native.sp_result_string(result));
      throw new StemplayError(resultCode(result), `cannot load ${path}: ${detail}`, { path });
    }
    if (onProgress) report();
    const source = new Uint32Array(2);
    native.sp_decode_job_source(job, source);
    const pcmCell = new BigUint64Array(1);
    native.sp_decode_job_take(job, pcmCell);
    const pcm = outPointer(pcmCell);
    const info = new BigUint64Array(3);
    native.sp_pcm_info(pcm, info);
    return {
      pcm,
      frames: Number(info[0]),
      channels: Number(info[1]),
      sourceRate: source[0],
      path,
      source: {
        path,
        format,
        sampleRate: source[0],
        channels: source[1],
        converted: sampleRate !== 0 && source[0] !== sampleRate,
        decoder: "native",
      },
    };
  } finally {
    if (timer !== undefined) clearInterval(timer);
    native.sp_decode_job_free(job);
  }
}
