/**
 * One file's waveform overview, min and max per point per channel, computed natively on a
 * loading thread (sp_peaks_file in native/peaks.c) from the file's own rate.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { bufferString, cString, resultCode, toCString } from "../native/native.ts";

/** The most channels a file may have (SP_MAX_CHANNELS). */
const MAX_CHANNELS = 32;

/** Min and max of one channel, one value per point. */
export interface ChannelPeaks {
  /** The lowest sample of each point (0 past the file's end). */
  min: Float32Array;
  /** The highest sample of each point. */
  max: Float32Array;
}

/** A file's peaks over a window of its seconds. */
export interface FilePeaks {
  /** The file's own rate. */
  sampleRate: number;
  /** The file's length in frames at that rate. */
  frames: number;
  /** Per channel of the file. */
  channels: ChannelPeaks[];
}

/**
 * Min and max per point of `path` over its seconds [start, end); points past its end are 0.
 * @throws {StemplayError} the decoder's code, naming the file
 */
export async function filePeaks(
  native: Native,
  path: string,
  points: number,
  start: number,
  end: number,
): Promise<FilePeaks> {
  const out = new Float32Array(points * 2 * MAX_CHANNELS);
  const info = new BigUint64Array(3);
  const detail = new Uint8Array(256);
  const result = await native.sp_peaks_file(
    toCString(path),
    start,
    end,
    points,
    MAX_CHANNELS,
    out,
    info,
    detail,
    BigInt(detail.length),
  );
  if (result !== 0) {
    const why = bufferString(detail) || cString(native.sp_result_string(result));
    throw new StemplayError(resultCode(result), `cannot read the waveform of ${path}: ${why}`, {
      path,
    });
  }
  const channels = Number(info[1]);
  const peaks: ChannelPeaks[] = [];
  for (let c = 0; c < channels; c++) {
    peaks.push({
      min: out.slice(c * points, (c + 1) * points),
      max: out.slice((channels + c) * points, (channels + c + 1) * points),
    });
  }
  return { sampleRate: Number(info[2]), frames: Number(info[0]), channels: peaks };
}
