/**
 * `songPeaks`: every stem's waveform over a window of the song, for the console's lanes.
 * Peaks come from native code (src/sources/peaks.ts) and are cached on disk
 * (peaks_cache.ts); the stems are read in parallel.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { loadNative } from "../native/native.ts";
import { type ChannelPeaks, type FilePeaks, filePeaks } from "../sources/peaks.ts";
import { peaksCacheEntry, readPeaksEntry, writePeaksEntry } from "./peaks_cache.ts";
import { loadSongDescription } from "./song.ts";

/** The most points one request may ask for, per channel. */
export const MAX_PEAK_POINTS = 1 << 20;

/** Options of {@linkcode songPeaks}. */
export interface SongPeaksOptions {
  /** Points per channel (1 to 1,048,576). */
  points: number;
  /** Song seconds where the window starts (default 0). */
  start?: number;
  /** Song seconds where it ends (default the song's end: its longest stem). */
  end?: number;
  /** The most points over every stem and channel (points × channels, summed); a request
   * for more is refused. Default: no limit beyond `points`. */
  maxValues?: number;
  /** No more points than the window has frames (default false: a window of fewer frames than
   * points repeats each frame's value, for a zoomed-in lane). */
  atMostFrames?: boolean;
}

/** One stem's peaks. */
export interface TrackPeaks {
  /** The track's name, as the song names it. */
  name: string;
  /** Its audio file. */
  file: string;
  /** Per channel of the file: min and max per point. */
  channels: ChannelPeaks[];
}

/** The peaks of a song's stems. */
export interface SongPeaks {
  /** The rate `frames` counts in (the first stem's own rate). */
  sampleRate: number;
  /** The song's length in frames (its longest stem). */
  frames: number;
  /** Every stem, in the song's order. */
  tracks: TrackPeaks[];
}

function checkOptions(options: SongPeaksOptions): void {
  const { points, start = 0, end } = options ?? {};
  if (!Number.isInteger(points) || points < 1 || points > MAX_PEAK_POINTS) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `points must be a whole number from 1 to ${MAX_PEAK_POINTS}, got ${points}`,
    );
  }
  if (!Number.isFinite(start) || start < 0) {
    throw new StemplayError("INVALID_ARGUMENT", `start must be 0 or more seconds, got ${start}`);
  }
  if (end !== undefined && (!Number.isFinite(end) || end <= start)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `end must be after start (${start} s), got ${end}`,
    );
  }
}

/** Peaks of one file, from the cache or computed (and then cached). */
async function cachedPeaks(
  file: string,
  points: number,
  start: number,
  end: number,
): Promise<FilePeaks> {
  const entry = await peaksCacheEntry(file, points, start, end);
  const cached = entry ? await readPeaksEntry(entry, points) : undefined;
  if (cached) return cached;
  const peaks = await filePeaks(await loadNative(), file, points, start, end);
  if (entry) await writePeaksEntry(entry, peaks);
  return peaks;
}

/**
 * Min and max per point of every stem of a song over song seconds [start, end). A stem shorter
 * than the window is silent (0, 0) past its end.
 *
 * ```ts
 * const peaks = await songPeaks("songs/amazing/song.json", { points: 2000 });
 * peaks.tracks[0].channels[0].max; // Float32Array(2000)
 * ```
 *
 * @param songPath a song folder or its song.json
 * @throws {StemplayError} "INVALID_ARGUMENT" for bad points/start/end; the song's errors (as
 *   `loadSongDescription`); a decoder's code naming a stem that cannot be read
 */
export async function songPeaks(songPath: string, options: SongPeaksOptions): Promise<SongPeaks> {
  checkOptions(options);
  const song = await loadSongDescription(songPath);
  const start = options.start ?? 0;
  // Each stem's length first (a one-point read opens the decoder and reads almost nothing).
  const heads = await Promise.all(
    song.tracks.map((track) => cachedPeaks(track.file, 1, 0, 1e-3)),
  );
  const sampleRate = heads[0]?.sampleRate ?? 48000;
  const seconds = Math.max(0, ...heads.map((head) => head.frames / head.sampleRate));
  const end = options.end ?? Math.max(seconds, start + 1 / sampleRate);
  if (!(end > start)) {
    // A start so large (1e15 s) that one frame more rounds back onto it: no window.
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `start ${start} s is too far to make a window: give a start within the song (` +
        `${seconds} s) or an end after it`,
    );
  }
  // No more points than the window has frames (at the highest rate of the stems), if asked.
  const topRate = Math.max(sampleRate, ...heads.map((head) => head.sampleRate));
  const frames = Math.max(1, Math.ceil((end - start) * topRate));
  const points = options.atMostFrames ? Math.min(options.points, frames) : options.points;
  const values = points * heads.reduce((sum, head) => sum + head.channels.length, 0);
  if (options.maxValues !== undefined && values > options.maxValues) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${points} points × every stem's channels is ${values} values, more than ` +
        `${options.maxValues}: ask for fewer points or a shorter window`,
    );
  }
  const peaks = await Promise.all(
    song.tracks.map((track) => cachedPeaks(track.file, points, start, end)),
  );
  return {
    sampleRate,
    frames: Math.round(seconds * sampleRate),
    tracks: song.tracks.map((track, index) => ({
      name: track.options.name,
      file: track.file,
      channels: peaks[index].channels,
    })),
  };
}
