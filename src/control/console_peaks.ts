/**
 * The console's limits on a waveform request: a page needs a few thousand points per lane, so
 * a request is capped (points per channel, and values over all stems and channels) and the
 * reply stays small enough to build and send at once.
 *
 * @module
 */

import { relative } from "node:path";
import { StemplayError } from "../errors.ts";
import { songPeaks } from "../songs/song_peaks.ts";

/** The most points per channel one console request may ask for. */
export const MAX_CONSOLE_PEAK_POINTS = 65_536;
/** The most points one console request may ask for over every stem and channel. */
export const MAX_CONSOLE_PEAK_VALUES = 1 << 21;

/** The `points` of a peaks request (default 2000).
 * @throws {StemplayError} "INVALID_ARGUMENT" for anything but a whole number in range */
export function parsePeakPoints(text: string | null): number {
  const points = text === null ? 2000 : Number(text);
  if (!Number.isInteger(points) || points < 1 || points > MAX_CONSOLE_PEAK_POINTS) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `points must be a whole number from 1 to ${MAX_CONSOLE_PEAK_POINTS}, got ${text}`,
    );
  }
  return points;
}

/** The page's waveforms of the song in `folder` (its stems checked by the caller): `points`
 * per channel over the query's `start` and `end` seconds, rounded to 4 decimals for a small
 * reply. */
export async function peaksReply(folder: string, points: number, query: URLSearchParams) {
  const start = query.has("start") ? Number(query.get("start")) : undefined;
  const end = query.has("end") ? Number(query.get("end")) : undefined;
  const peaks = await songPeaks(folder, {
    points,
    start,
    end,
    maxValues: MAX_CONSOLE_PEAK_VALUES,
    atMostFrames: true,
  });
  const round = (values: Float32Array) => Array.from(values, (v) => Math.round(v * 1e4) / 1e4);
  return {
    sampleRate: peaks.sampleRate,
    frames: peaks.frames,
    tracks: peaks.tracks.map((track) => ({
      name: track.name,
      file: relative(folder, track.file),
      channels: track.channels.map((c) => ({ min: round(c.min), max: round(c.max) })),
    })),
  };
}
