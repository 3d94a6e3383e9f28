/**
 * What a song is once read: its tracks, markers and tempo, and the names and file kinds shared
 * by the folder reader, the manifest checker and the loader.
 *
 * @module
 */

import type { TrackOptions } from "../engine/track.ts";
import type { TempoSegment } from "../model/tempo.ts";
import type { Marker } from "../model/marker.ts";
import type { Problem } from "../util/check.ts";
import type { SongSpokenCues } from "./song_spoken_cues.ts";

/** One track of a song, validated, with its file resolved to a full path. */
export interface SongTrack {
  /** The audio file (absolute, or relative to the working folder as given). */
  file: string;
  /** Where in the manifest the track came from (`tracks[2]`), or the file name for folders. */
  keyPath: string;
  /** The track's name, its level, pan, mute, solo and routing. `name` is always set. */
  options: TrackOptions & { name: string };
}

/** A song as a folder or manifest describes it, before anything is decoded. */
export interface SongDescription extends SongSpokenCues {
  /** The folder or the manifest file that was read. */
  path: string;
  /** "manifest" for a song.json, "folder" for a folder of audio files. */
  kind: "manifest" | "folder";
  /** The manifest's title, or the folder's name. */
  title: string;
  /** The rate the manifest says the stems were made at (informational: files are always
   * resampled to the engine's rate). */
  sampleRate?: number;
  /** In manifest order, or sorted by file name for a folder. */
  tracks: SongTrack[];
  /** In time order (none for a folder). */
  markers: Marker[];
  /** The tempo map (empty when the song has no tempo): bars and beats for quantised jumps,
   * count-ins and the generated click. */
  tempo: TempoSegment[];
  /** Outputs of the count-in and generated click. When absent they go to the in-ears bus (the
   * first protected bus when no bus is named `in-ears`), where the band hears them. */
  clickRoute?: number[];
  /** Whether a click track is generated from the tempo. */
  generateClick: boolean;
  /** Things that load but look wrong (a 6/8 tempo that looks like the chart's dotted-quarter
   * tempo), each with its key path; absent when there are none. */
  warnings?: Problem[];
}

/** Options of {@linkcode loadSongDescription}. */
export interface SongDescriptionOptions {
  /** The device's output count: routes are checked against it. Default: 32, the most any
   * device can have. */
  outputs?: number;
  /** The rig profile's bus names: a track's `bus` must be one. Default: not checked. */
  buses?: readonly string[];
}

/** The name of the manifest inside a song folder. */
export const MANIFEST_NAME = "song.json";
/**
 * File extensions that make a file in a song folder a track (compared in lower case). The
 * first group decodes natively; the second through the optional decoder, ffmpeg. Every other
 * file is ignored (notes, PDFs, images, project files, hidden files such as macOS's
 * `._Bass.wav`), unless its first bytes say it is audio: then it is an error, never skipped.
 */
export const AUDIO_EXTENSIONS: readonly string[] = [
  ".wav",
  ".wave",
  ".bwf",
  ".rf64",
  ".w64",
  ".aif",
  ".aiff",
  ".aifc",
  ".flac",
  ".mp3",
  ".ogg",
  ".oga",
  ".m4a",
  ".aac",
  ".alac",
  ".opus",
  ".caf",
  ".wma",
];

/** The most outputs a device can have: routes are checked against it by default. */
export const MAX_OUTPUTS = 32;

/** "1 click" before "10 keys" before "2 bass"? No: numeric order, fixed locale. */
export const byName: (a: string, b: string) => number =
  new Intl.Collator("en", { numeric: true }).compare;

/** A file name without its extension: the track name a file gets. */
export function stem(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/** An error's message, whatever was thrown. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
