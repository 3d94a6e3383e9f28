/**
 * Loading a song's audio: every file decoded at once on native loading threads (each decode is
 * a nonblocking FFI call, which Deno runs on its own worker thread), progress summed over the
 * files, then the tracks attached to a new group of the engine. Any failure frees everything
 * new; nothing of the song already playing is touched here.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import { decodeFile, type ProgressCallback } from "../sources/decode.ts";
import { freeAudio } from "../sources/streaming.ts";
import { routeMatrix } from "../engine/routing.ts";
import type { Track } from "../engine/track.ts";
import type { Engine } from "../engine/engine.ts";
import type { TrackSlots } from "../engine/track_slots.ts";
import { checkMarkers, type SongDescription, type SongTrack } from "./song.ts";
import { stemPitch } from "./pitched_overrides.ts";

/** Options of `player.loadSong()`. */
export interface LoadSongOptions {
  /** Called about every 50 ms while the files decode, and once at the end, with the frames
   * decoded so far and the frames expected, summed over every file, at the engine's rate.
   * `totalFrames` can grow at first, as each file's length becomes known. */
  onProgress?: ProgressCallback;
  /** Semitones to play the song at, in place of its song.json's (−12 … +12). */
  transpose?: number;
  /** Tempo ratio to play the song at, in place of its song.json's (0.5 … 2). */
  speed?: number;
}

const PROGRESS_INTERVAL_MS = 50;

/** Names the track in an error about its file, keeping the code and the file's path. In a
 * folder every audio file is a track, so the message says how to do without one. */
function inTrack(description: SongDescription, track: SongTrack, error: unknown): unknown {
  if (!(error instanceof StemplayError)) return error;
  const where = description.kind === "manifest" ? `${description.path}: ${track.keyPath}: ` : "";
  const hint = description.kind === "folder" && error.code !== "FORMAT_UNAVAILABLE"
    ? `. Every audio file in a song folder is a track: convert ${track.keyPath} to WAV or ` +
      `FLAC, or move it out of ${description.path}`
    : "";
  return new StemplayError(error.code, `${where}${error.message}${hint}`, {
    path: error.path ?? track.file,
    cause: error,
  });
}

/**
 * Decodes every file of a song at the same time, resampled to `sampleRate`. Resolves with the
 * decoded audio in track order, or frees all of it and rejects with the first track's error
 * (in track order) once every decode has finished.
 */
export async function decodeSongFiles(
  native: Native,
  description: SongDescription,
  sampleRate: number,
  onProgress?: ProgressCallback,
  streamRingFrames?: number,
): Promise<DecodedAudio[]> {
  const done = description.tracks.map(() => 0);
  const expected = description.tracks.map(() => 0);
  const report = () => {
    onProgress?.(done.reduce((a, b) => a + b, 0), expected.reduce((a, b) => a + b, 0));
  };
  const timer = onProgress ? setInterval(report, PROGRESS_INTERVAL_MS) : undefined;
  let settled: PromiseSettledResult<DecodedAudio>[];
  try {
    settled = await Promise.allSettled(
      description.tracks.map((track, index) =>
        decodeFile(native, track.file, sampleRate, (loaded, total) => {
          done[index] = loaded;
          expected[index] = total;
        }, streamRingFrames).then((decoded) => {
          done[index] = expected[index] = decoded.frames;
          return decoded;
        })
      ),
    );
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
  const failed = settled.findIndex((result) => result.status === "rejected");
  if (failed >= 0) {
    for (const result of settled) {
      if (result.status === "fulfilled") freeAudio(native, result.value);
    }
    const reason = (settled[failed] as PromiseRejectedResult).reason;
    throw inTrack(description, description.tracks[failed], reason);
  }
  report();
  return settled.map((result) => (result as PromiseFulfilledResult<DecodedAudio>).value);
}

/** Checks every track's routing against its decoded channel count, before any is attached. */
function checkRoutes(engine: Engine, description: SongDescription, decoded: DecodedAudio[]) {
  description.tracks.forEach((track, index) => {
    try {
      const channels = decoded[index].channels;
      routeMatrix(channels, engine.channels, engine.buses.place(track.options, channels).options);
    } catch (error) {
      if (!(error instanceof StemplayError) || description.kind !== "manifest") {
        throw inTrack(description, track, error);
      }
      const key = error.code === "BUS" ? "bus" : track.options.routeGains ? "routeGains" : "route";
      throw new StemplayError(
        "MANIFEST",
        `${description.path}: ${track.keyPath}.${key}: ${error.message} ` +
          `(${track.file} has ${decoded[index].channels} channels)`,
        { path: description.path, cause: error },
      );
    }
  });
}

/**
 * Attaches decoded audio as the tracks of `group` and checks the markers against the song's
 * length. Takes ownership of every pcm: on failure the tracks attached so far are dropped,
 * the rest freed, and the error rethrown.
 */
export async function attachSong(
  engine: Engine,
  slots: TrackSlots,
  description: SongDescription,
  decoded: DecodedAudio[],
  group: number,
): Promise<Track[]> {
  const tracks: Track[] = [];
  let next = 0;
  try {
    checkRoutes(engine, description, decoded);
    for (; next < decoded.length; next++) {
      tracks.push(slots.create(decoded[next], description.tracks[next].options, group));
      tracks[next].setPitch(stemPitch(description.tracks[next]));
    }
    const frames = tracks.reduce((longest, track) => Math.max(longest, track.frames), 0);
    checkMarkers(description, frames / engine.sampleRate);
    return tracks;
  } catch (error) {
    for (let i = next; i < decoded.length; i++) freeAudio(engine.native, decoded[i]);
    await Promise.all(tracks.map((track) => slots.drop(track)));
    throw error;
  }
}
