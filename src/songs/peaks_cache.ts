/**
 * Waveform peaks kept on disk, so a song opened again shows its lanes at once. One file per
 * request, named by a hash of the audio file's path, size and modification time and the
 * request: a file that changes gets a new name, and the old entry is never read again. The
 * folder is bounded in size, least recently used first (peaks_cache_bound.ts).
 *
 * The folder is `$STEMPLAY_CACHE/peaks`, else `$XDG_CACHE_HOME/stemplay/peaks`, else
 * `~/.cache/stemplay/peaks`. A cache that cannot be written is skipped, never an error.
 *
 * @module
 */

import { join } from "node:path";
import type { FilePeaks } from "../sources/peaks.ts";
import { cacheFolder } from "../util/cache_folder.ts";
import { writeAtomic } from "../util/write_atomic.ts";
import { boundPeaksCache, touchPeaksEntry } from "./peaks_cache_bound.ts";

const MAGIC = 0x53504b31; // "SPK1"

/** The entry's file for this audio file (as it is now) and request; undefined without a cache
 * folder or when the file cannot be read. */
export async function peaksCacheEntry(
  path: string,
  points: number,
  start: number,
  end: number,
): Promise<string | undefined> {
  const folder = cacheFolder("peaks");
  if (!folder) return undefined;
  const info = await Deno.stat(path).catch(() => undefined);
  if (!info?.isFile) return undefined;
  const key = JSON.stringify([path, info.size, info.mtime?.getTime(), points, start, end]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const name = Array.from(
    new Uint8Array(digest).subarray(0, 16),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return join(folder, `${name}.peaks`);
}

/** Reads an entry; undefined when there is none (or it is not one of ours). */
export async function readPeaksEntry(
  entry: string,
  points: number,
): Promise<FilePeaks | undefined> {
  const bytes = await Deno.readFile(entry).catch(() => undefined);
  if (!bytes || bytes.byteLength < 16 || bytes.byteLength % 4 !== 0) return undefined;
  const head = new Uint32Array(bytes.buffer, 0, 4);
  const [magic, channels, sampleRate, frames] = head;
  if (magic !== MAGIC || bytes.byteLength !== 16 + channels * points * 8) return undefined;
  await touchPeaksEntry(entry);
  const values = new Float32Array(bytes.buffer, 16);
  const peaks = [];
  for (let c = 0; c < channels; c++) {
    peaks.push({
      min: values.slice(c * points, (c + 1) * points),
      max: values.slice((channels + c) * points, (channels + c + 1) * points),
    });
  }
  return { sampleRate, frames, channels: peaks };
}

/** Writes an entry (atomically); a failure only means no cache. */
export async function writePeaksEntry(entry: string, peaks: FilePeaks): Promise<void> {
  const channels = peaks.channels.length;
  const points = channels ? peaks.channels[0].min.length : 0;
  const bytes = new Uint8Array(16 + channels * points * 8);
  new Uint32Array(bytes.buffer, 0, 4).set([MAGIC, channels, peaks.sampleRate, peaks.frames]);
  const values = new Float32Array(bytes.buffer, 16);
  peaks.channels.forEach((channel, c) => {
    values.set(channel.min, c * points);
    values.set(channel.max, (channels + c) * points);
  });
  try {
    await Deno.mkdir(join(entry, ".."), { recursive: true });
    await writeAtomic(entry, bytes);
    await boundPeaksCache(join(entry, ".."));
  } catch { /* no cache: the peaks are computed again next time */ }
}
