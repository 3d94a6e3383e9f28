/**
 * Songs: what a song folder or a `song.json` manifest describes, read and validated in full
 * before any audio is decoded. Every problem with a manifest is one StemplayError with code
 * `"MANIFEST"`, the manifest's `path`, and a message naming the key path
 * (`tracks[2].route[0]`) and what is wrong with it. Tracks and markers count from 1 in key
 * paths, as on the screen (`tracks[2]` is the second track); indexes inside them
 * (`route[0]`) count from 0.
 *
 * @module
 */

import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import { StemplayError } from "../errors.ts";
import type { TrackOptions } from "../engine/track.ts";
import { parseTempo, type TempoSegment } from "../model/tempo.ts";
import { guessBus } from "../engine/buses.ts";
import { atMostCeiling, GAIN_RANGE, gainInRange, MAX_GAIN, MAX_GAIN_DB } from "../engine/levels.ts";
import { describeJsonError } from "../util/json_position.ts";
import { didYouMean } from "../util/did_you_mean.ts";
import type { Marker } from "../model/marker.ts";
import { parseSongSpokenCues, type SongSpokenCues } from "./song_spoken_cues.ts";

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

const MAX_OUTPUTS = 32;
const SONG_KEYS = [
  "title",
  "sampleRate",
  "tracks",
  "markers",
  "tempo",
  "timeSignature",
  "firstBeat",
  "tempoMap",
  "clickRoute",
  "generateClick",
  "spokenCues",
];
const TRACK_KEYS = [
  "file",
  "name",
  "gainDb",
  "gain",
  "pan",
  "muted",
  "solo",
  "route",
  "routeGains",
  "bus",
];
const MARKER_KEYS = ["name", "at"];

/** "1 click" before "10 keys" before "2 bass"? No: numeric order, fixed locale. */
const byName = new Intl.Collator("en", { numeric: true }).compare;

/**
 * Reads a song: a `song.json` manifest (given directly, or inside the folder given), else a
 * folder whose audio files ({@linkcode AUDIO_EXTENSIONS}) each become a track named after the
 * file, sorted by name; other files are ignored, unless their first bytes are audio (an error). Checks everything that can be checked without decoding: the schema, the
 * files (present and not folders), routes against the device's outputs, duplicate names.
 *
 * @param path a song folder or a manifest file
 * @param options the device's output count
 * @throws {StemplayError} `MANIFEST` for any problem with a manifest; `FILE_NOT_FOUND`,
 *   `NOT_A_SONG`, `EMPTY`, `IS_DIRECTORY`, `DUPLICATE_NAME`, `UNKNOWN_EXTENSION`,
 *   `PERMISSION` for folders
 */
export async function loadSongDescription(
  path: string,
  options: SongDescriptionOptions = {},
): Promise<SongDescription> {
  const outputs = options.outputs ?? MAX_OUTPUTS;
  const buses = options.buses;
  const info = await statOrThrow(path, path);
  if (info.isDirectory) {
    const manifest = join(path, MANIFEST_NAME);
    const manifestInfo = await Deno.stat(manifest).catch(() => undefined);
    if (manifestInfo?.isFile) return await readManifest(manifest, outputs, buses);
    return await readFolder(path);
  }
  if (extname(path).toLowerCase() === ".json") return await readManifest(path, outputs, buses);
  throw new StemplayError(
    "NOT_A_SONG",
    `${path} is neither a song folder nor a .json manifest (to play one file, use player.load)`,
    { path },
  );
}

async function statOrThrow(path: string, reported: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new StemplayError("FILE_NOT_FOUND", `no such song: ${path}${await didYouMean(path)}`, {
        path: reported,
        cause: error,
      });
    }
    throw new StemplayError("PERMISSION", `cannot read ${path}: ${message(error)}`, {
      path: reported,
      cause: error,
    });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- folders ------------------------------------------------------------------------------

/** What audio looks like in its first bytes, whatever the file is called. */
function looksLikeAudio(head: Uint8Array): boolean {
  const text = String.fromCharCode(...head.subarray(0, 12));
  return /^(RIFF|RF64)....WAVE/s.test(text) || /^FORM....AIF[FC]/s.test(text) ||
    /^(fLaC|OggS|caff|ID3)/.test(text) || /^....ftypM4A/s.test(text);
}

async function readHead(path: string): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true }).catch(() => undefined);
  if (!file) return new Uint8Array(0);
  try {
    const head = new Uint8Array(12);
    const got = await file.read(head);
    return head.subarray(0, got ?? 0);
  } finally {
    file.close();
  }
}

async function readFolder(folder: string): Promise<SongDescription> {
  const names: string[] = [];
  const others: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      // Hidden files include macOS's "._click.wav" resource forks, which are not audio.
      if (entry.name.startsWith(".")) continue;
      if (AUDIO_EXTENSIONS.includes(extname(entry.name).toLowerCase())) names.push(entry.name);
      else if (entry.isFile) others.push(entry.name);
    }
  } catch (error) {
    throw new StemplayError("PERMISSION", `cannot list ${folder}: ${message(error)}`, {
      path: folder,
      cause: error,
    });
  }
  // A file ignored for its name must not be audio: a band would play without it.
  for (const name of others.sort(byName)) {
    if (looksLikeAudio(await readHead(join(folder, name)))) {
      throw new StemplayError(
        "UNKNOWN_EXTENSION",
        `${join(folder, name)} holds audio, but "${extname(name) || "no extension"}" is not an ` +
          `audio file name stemplay takes (${AUDIO_EXTENSIONS.join(" ")}): rename it (e.g. to ` +
          `${stem(name)}.wav for a WAV file) so it plays as a track, or move it out of the folder`,
        { path: join(folder, name) },
      );
    }
  }
  if (names.length === 0) {
    throw new StemplayError(
      "EMPTY",
      `${folder} holds no audio files (${AUDIO_EXTENSIONS.join(" ")}) and no ${MANIFEST_NAME}`,
      { path: folder },
    );
  }
  names.sort(byName);
  const tracks: SongTrack[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(folder, name);
    if ((await Deno.stat(file)).isDirectory) {
      throw new StemplayError("IS_DIRECTORY", `${file} is a folder, not an audio file`, {
        path: file,
      });
    }
    const trackName = stem(name);
    const other = seen.get(trackName.toLowerCase());
    if (other !== undefined) {
      throw new StemplayError(
        "DUPLICATE_NAME",
        `${name} and ${other} in ${folder} would both be the track "${trackName}": ` +
          `rename one, or write a ${MANIFEST_NAME}`,
        { path: file },
      );
    }
    seen.set(trackName.toLowerCase(), name);
    // The folder guess: click, guide, cue or count in the name → in-ears, else FOH.
    tracks.push({
      file,
      keyPath: name,
      options: { name: trackName, bus: guessBus(name), busGuessed: true },
    });
  }
  return {
    path: folder,
    kind: "folder",
    title: basename(resolve(folder)),
    tracks,
    markers: [],
    tempo: [],
    generateClick: false,
  };
}

function stem(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

// ---- manifests ----------------------------------------------------------------------------

/** Throws the one manifest error. */
function invalid(manifest: string, keyPath: string, problem: string): never {
  const where = keyPath ? `${keyPath}: ` : "";
  throw new StemplayError("MANIFEST", `${manifest}: ${where}${problem}`, { path: manifest });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

async function parseJson(manifest: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(manifest);
  } catch (error) {
    const code = error instanceof Deno.errors.NotFound ? "FILE_NOT_FOUND" : "PERMISSION";
    throw new StemplayError(code, `cannot read ${manifest}: ${message(error)}`, {
      path: manifest,
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 gives line and column for most errors, not for an unexpected token: add them.
    const detail = describeJsonError(text, error);
    throw new StemplayError("MANIFEST", `${manifest} is not valid JSON: ${detail}`, {
      path: manifest,
      cause: error,
    });
  }
}

function checkKeys(manifest: string, keyPath: string, value: object, allowed: string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const at = keyPath ? `${keyPath}.${key}` : key;
      invalid(manifest, at, `unknown key (allowed here: ${allowed.join(", ")})`);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A checker bound to one manifest: each method throws the manifest error or returns the
 * value typed. */
class Checker {
  constructor(readonly manifest: string) {}

  object(keyPath: string, value: unknown, keys: string[]): Record<string, unknown> {
    if (!isObject(value)) {
      invalid(this.manifest, keyPath, `must be an object, got ${describe(value)}`);
    }
    checkKeys(this.manifest, keyPath, value, keys);
    return value;
  }

  string(keyPath: string, value: unknown): string {
    if (typeof value !== "string" || value.trim() === "") {
      invalid(this.manifest, keyPath, `must be a non-empty string, got ${describe(value)}`);
    }
    return value;
  }

  number(keyPath: string, value: unknown, min: number, max: number, unit = ""): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      invalid(this.manifest, keyPath, `must be a number, got ${describe(value)}`);
    }
    if (value < min || value > max) {
      invalid(this.manifest, keyPath, `must be from ${min} to ${max}${unit}, got ${value}`);
    }
    return value;
  }

  integer(keyPath: string, value: unknown, min: number, max: number, unit = ""): number {
    const number = this.number(keyPath, value, min, max, unit);
    if (!Number.isInteger(number)) {
      invalid(this.manifest, keyPath, `must be a whole number, got ${number}`);
    }
    return number;
  }

  boolean(keyPath: string, value: unknown): boolean {
    if (typeof value !== "boolean") {
      invalid(this.manifest, keyPath, `must be true or false, got ${describe(value)}`);
    }
    return value;
  }

  array(keyPath: string, value: unknown, minLength: number): unknown[] {
    if (!Array.isArray(value)) {
      invalid(this.manifest, keyPath, `must be an array, got ${describe(value)}`);
    }
    if (value.length < minLength) {
      invalid(
        this.manifest,
        keyPath,
        `needs at least ${minLength} entr${minLength === 1 ? "y" : "ies"}`,
      );
    }
    return value;
  }
}

async function readManifest(
  manifest: string,
  outputs: number,
  buses?: readonly string[],
): Promise<SongDescription> {
  const json = await parseJson(manifest);
  const check = new Checker(manifest);
  const song = check.object("", json, SONG_KEYS);
  const title = song.title === undefined
    ? basename(dirname(resolve(manifest)))
    : check.string("title", song.title);
  const sampleRate = song.sampleRate === undefined
    ? undefined
    : check.integer("sampleRate", song.sampleRate, 8000, 768000, " Hz");
  if (song.tracks === undefined) invalid(manifest, "tracks", "is missing (a song needs tracks)");
  const entries = check.array("tracks", song.tracks, 1);
  const tracks: SongTrack[] = [];
  const names = new Map<string, string>();
  for (const [index, entry] of entries.entries()) {
    const track = checkTrack(check, `tracks[${index + 1}]`, entry, outputs, buses);
    const key = track.options.name.toLowerCase();
    const other = names.get(key);
    if (other !== undefined) {
      const where = entry && isObject(entry) && entry.name !== undefined
        ? `tracks[${index + 1}].name`
        : `tracks[${index + 1}].file`;
      invalid(manifest, where, `the name "${track.options.name}" is already used by ${other}`);
    }
    names.set(key, `tracks[${index + 1}]`);
    tracks.push(track);
  }
  const markers = song.markers === undefined
    ? []
    : check.array("markers", song.markers, 0).map((entry, index) => {
      const keyPath = `markers[${index + 1}]`;
      const marker = check.object(keyPath, entry, MARKER_KEYS);
      for (const key of MARKER_KEYS) {
        if (marker[key] === undefined) invalid(manifest, `${keyPath}.${key}`, "is missing");
      }
      return {
        name: check.string(`${keyPath}.name`, marker.name),
        at: check.number(`${keyPath}.at`, marker.at, 0, Number.MAX_SAFE_INTEGER, " s"),
      };
    });
  markers.forEach((marker, index) => {
    if (index > 0 && marker.at < markers[index - 1].at) {
      invalid(
        manifest,
        `markers[${index + 1}].at`,
        `${marker.at} s comes before the marker above it`,
      );
    }
  });
  const tempo = parseTempo(song, (key, problem) => invalid(manifest, key, problem));
  const clickRoute = song.clickRoute === undefined
    ? undefined
    : checkRoute(check, "clickRoute", song.clickRoute, outputs);
  const generateClick = song.generateClick === undefined
    ? false
    : check.boolean("generateClick", song.generateClick);
  if (generateClick && tempo.length === 0) {
    invalid(manifest, "generateClick", "needs the song's tempo (tempo or tempoMap)");
  }
  const spoken = parseSongSpokenCues(song.spokenCues, manifest, tempo);
  // Files last: a schema error is named even when files are missing too.
  const folder = dirname(manifest);
  for (const track of tracks) {
    track.file = isAbsolute(track.file) ? track.file : join(folder, track.file);
    await checkTrackFile(manifest, track);
  }
  return {
    path: manifest,
    kind: "manifest",
    title,
    sampleRate,
    tracks,
    markers,
    tempo,
    clickRoute,
    generateClick,
    ...spoken,
  };
}

function checkTrack(
  check: Checker,
  keyPath: string,
  entry: unknown,
  outputs: number,
  buses?: readonly string[],
): SongTrack {
  const manifest = check.manifest;
  const track = check.object(keyPath, entry, TRACK_KEYS);
  if (track.file === undefined) invalid(manifest, `${keyPath}.file`, "is missing");
  const file = check.string(`${keyPath}.file`, track.file);
  const options: TrackOptions & { name: string } = {
    name: track.name === undefined
      ? stem(basename(file))
      : check.string(`${keyPath}.name`, track.name),
  };
  if (track.gainDb !== undefined && track.gain !== undefined) {
    invalid(manifest, `${keyPath}.gain`, "give gainDb or gain, not both");
  }
  if (track.gainDb !== undefined) {
    // -Infinity is written as "muted"; the top is the ceiling of every gain stage.
    options.gainDb = checkLevel(check, `${keyPath}.gainDb`, track.gainDb, "dB");
  }
  if (track.gain !== undefined) {
    options.gain = checkLevel(check, `${keyPath}.gain`, track.gain, "linear");
  }
  if (track.pan !== undefined) options.pan = check.number(`${keyPath}.pan`, track.pan, -1, 1);
  if (track.muted !== undefined) options.muted = check.boolean(`${keyPath}.muted`, track.muted);
  if (track.solo !== undefined) options.solo = check.boolean(`${keyPath}.solo`, track.solo);
  if (track.route !== undefined && track.routeGains !== undefined) {
    invalid(manifest, `${keyPath}.routeGains`, "give route or routeGains, not both");
  }
  if (track.bus !== undefined) {
    options.bus = check.string(`${keyPath}.bus`, track.bus);
    if (buses && !buses.includes(options.bus)) {
      invalid(
        manifest,
        `${keyPath}.bus`,
        `no bus "${options.bus}" in the rig profile (buses: ${buses.join(", ")}; ` +
          `stemplay.json "buses" names them)`,
      );
    }
  }
  if (track.route !== undefined) {
    options.route = checkRoute(check, `${keyPath}.route`, track.route, outputs);
  }
  if (track.routeGains !== undefined) {
    const rows = check.array(`${keyPath}.routeGains`, track.routeGains, 1);
    options.routeGains = rows.map((row, channel) => {
      const at = `${keyPath}.routeGains[${channel}]`;
      const gains = check.array(at, row, 1);
      if (gains.length !== outputs) {
        invalid(
          manifest,
          at,
          `needs ${outputs} gains (one per device output), got ${gains.length}`,
        );
      }
      return gains.map((gain, output) => checkLevel(check, `${at}[${output}]`, gain, "signed"));
    });
  }
  return { file, keyPath, options };
}

/** A gain in a song file, within the ceiling of every gain stage (+12 dB, MAX_GAIN_DB): in dB
 * (from -200), linear (from 0), or a routeGains entry (either polarity). */
function checkLevel(
  check: Checker,
  keyPath: string,
  value: unknown,
  kind: "dB" | "linear" | "signed",
): number {
  const gain = check.number(keyPath, value, -Infinity, Infinity);
  const range = kind === "dB"
    ? `from -200 to +${MAX_GAIN_DB} dB`
    : kind === "linear"
    ? `from ${GAIN_RANGE}`
    : `from -${MAX_GAIN.toFixed(3)} to ${MAX_GAIN.toFixed(3)} (+${MAX_GAIN_DB} dB either polarity)`;
  const ok = kind === "dB"
    ? gain >= -200 && gain <= MAX_GAIN_DB
    : gainInRange(gain, kind === "signed");
  if (!ok) {
    invalid(check.manifest, keyPath, `must be ${range} (the ceiling of every gain), got ${gain}`);
  }
  return kind === "dB" ? gain : atMostCeiling(gain);
}

function checkRoute(check: Checker, keyPath: string, value: unknown, outputs: number): number[] {
  const route = check.array(keyPath, value, 1);
  const seen = new Set<number>();
  return route.map((output, index) => {
    const at = `${keyPath}[${index}]`;
    if (typeof output === "number" && Number.isInteger(output) && output > outputs) {
      invalid(
        check.manifest,
        at,
        `output ${output} does not exist: the device has outputs 1 to ${outputs}`,
      );
    }
    const number = check.integer(at, output, 1, outputs);
    if (seen.has(number)) invalid(check.manifest, at, `repeats output ${number}`);
    seen.add(number);
    return number;
  });
}

async function checkTrackFile(manifest: string, track: SongTrack): Promise<void> {
  const keyPath = `${track.keyPath}.file`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(track.file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      invalid(manifest, keyPath, `no such file: ${track.file}${await didYouMean(track.file)}`);
    }
    invalid(manifest, keyPath, `cannot read ${track.file}: ${message(error)}`);
  }
  if (info.isDirectory) invalid(manifest, keyPath, `${track.file} is a folder, not an audio file`);
  const extension = extname(track.file).toLowerCase();
  if (!AUDIO_EXTENSIONS.includes(extension)) {
    invalid(
      manifest,
      keyPath,
      `${track.file} is not an audio file (${AUDIO_EXTENSIONS.join(" ")})`,
    );
  }
}

/**
 * Checks the markers against the song's length once it is known (after decoding).
 *
 * @param description the song
 * @param duration the song's length in seconds
 * @throws {StemplayError} `MANIFEST` naming the first marker past the end
 */
export function checkMarkers(description: SongDescription, duration: number): void {
  description.markers.forEach((marker, index) => {
    if (marker.at > duration) {
      invalid(
        description.path,
        `markers[${index + 1}].at`,
        `${marker.at} s is past the end of the song (${duration.toFixed(3)} s)`,
      );
    }
  });
}
