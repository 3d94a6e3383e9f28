/**
 * The song.json validator: checks a parsed manifest in full and collects every problem with its
 * key path (`tracks[2].route[0]`), so one run names every mistake. Tracks and markers count
 * from 1 in key paths, as on the screen (`tracks[2]` is the second track); indexes inside them
 * (`route[0]`) count from 0. The song loader and `saveSong` both use it, so a file on disk and
 * an edit from the console go through the same checks.
 *
 * @module
 */

import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import type { TrackOptions } from "../engine/track.ts";
import { atMostCeiling, GAIN_RANGE, gainInRange, MAX_GAIN, MAX_GAIN_DB } from "../engine/levels.ts";
import { didYouMean } from "../util/did_you_mean.ts";
import { isObject, KeyPathChecker, type Problem } from "../util/check.ts";
import type { Marker } from "../model/marker.ts";
import {
  AUDIO_EXTENSIONS,
  MAX_OUTPUTS,
  message,
  type SongDescription,
  type SongDescriptionOptions,
  type SongTrack,
  stem,
} from "./song_types.ts";
import { checkMarkerList } from "./manifest_markers.ts";
import { checkMidiEvents, isMidiFile } from "./midi_events.ts";
import { MIDI_FILE_EXTENSIONS } from "../sources/midi_track.ts";
import { checkTempoFields, compoundTempoWarnings, withTempoUnit } from "./manifest_tempo.ts";
import { INCLUDE_KEYS, includedTracks } from "./manifest_include.ts";
import { checkKeyTempoFields, KEY_TEMPO_KEYS } from "./manifest_key_tempo.ts";
import { checkSongSpokenCues } from "./song_spoken_cues.ts";

/** The keys a song.json may have at the top. */
export const SONG_KEYS: readonly string[] = [
  "title",
  "sampleRate",
  "tracks",
  "markers",
  "tempo",
  "tempoUnit",
  "timeSignature",
  "firstBeat",
  "tempoMap",
  "clickRoute",
  "generateClick",
  "midiEvents",
  "spokenCues",
  ...INCLUDE_KEYS,
  ...KEY_TEMPO_KEYS,
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
  "pitched",
];

/** What {@linkcode validateManifest} found: the song when nothing is wrong, else `problems`. */
export interface ManifestCheck {
  /** The song, when `problems` is empty. */
  description?: SongDescription;
  /** Every problem, in the order of the file. */
  problems: Problem[];
}

/**
 * Checks a parsed song.json as if it were the file at `manifest` (track files resolve against
 * its folder and are checked to exist), collecting every problem.
 */
export async function validateManifest(
  manifest: string,
  json: unknown,
  options: SongDescriptionOptions = {},
): Promise<ManifestCheck> {
  const outputs = options.outputs ?? MAX_OUTPUTS;
  const check = new KeyPathChecker();
  const song = check.object("", json, SONG_KEYS);
  if (!song) return { problems: check.problems };
  const title = song.title === undefined
    ? basename(dirname(resolve(manifest)))
    : check.string("title", song.title);
  const sampleRate = song.sampleRate === undefined
    ? undefined
    : check.integer("sampleRate", song.sampleRate, 8000, 768000, " Hz");
  const keyTempo = checkKeyTempoFields(check, "", song);
  const folder = dirname(manifest);
  const tracks = song.include === undefined
    ? checkTrackList(check, song.tracks, outputs, options.buses)
    : checkNames(
      check,
      await includedTracks(
        check,
        folder,
        song,
        (keyPath, entry) => checkTrack(check, keyPath, entry, outputs, options.buses),
      ),
      Array.isArray(song.tracks) ? song.tracks : [],
    );
  const tempo = withTempoUnit(check, song, checkTempoFields(check, song));
  const markers = song.markers === undefined ? [] : checkMarkerList(check, song.markers, tempo);
  const clickRoute = song.clickRoute === undefined
    ? undefined
    : checkRoute(check, "clickRoute", song.clickRoute, outputs);
  const generateClick = song.generateClick === undefined
    ? false
    : check.boolean("generateClick", song.generateClick);
  if (generateClick && tempo?.length === 0) {
    check.fail("generateClick", "needs the song's tempo (tempo or tempoMap)");
  }
  const midiEvents = checkMidiEvents(check, song.midiEvents, markers ?? []);
  const spoken = checkSongSpokenCues(check, song.spokenCues, folder, tempo);
  // Files last: schema problems come first in the list.
  for (const track of tracks) {
    track.file = isAbsolute(track.file) ? track.file : join(folder, track.file);
    await checkTrackFile(check, track);
  }
  if (!check.ok || title === undefined || tempo === undefined || markers === undefined) {
    return { problems: check.problems };
  }
  const warnings = compoundTempoWarnings(song, tempo);
  const description: SongDescription = {
    path: manifest,
    kind: "manifest",
    title,
    sampleRate,
    tracks: tracks.filter((track) => !isMidiFile(track.file)),
    markers: markers as Marker[],
    tempo,
    clickRoute,
    generateClick: generateClick ?? false,
    transpose: keyTempo.transpose ?? 0,
    speed: keyTempo.speed ?? 1,
    midiEvents,
    midiFiles: tracks.filter((track) => isMidiFile(track.file)).map((track) => track.file),
    ...spoken,
  };
  if (warnings.length > 0) description.warnings = warnings;
  return { description, problems: [] };
}

function checkTrackList(
  check: KeyPathChecker,
  value: unknown,
  outputs: number,
  buses?: readonly string[],
): SongTrack[] {
  if (value === undefined) {
    check.fail("tracks", 'is missing (a song needs tracks, or "include": "folder")');
    return [];
  }
  const entries = check.array("tracks", value, 1) ?? [];
  const tracks: SongTrack[] = [];
  for (const [index, entry] of entries.entries()) {
    const track = checkTrack(check, `tracks[${index + 1}]`, entry, outputs, buses);
    if (track) tracks.push(track);
  }
  return checkNames(check, tracks, entries);
}

/** Two tracks of one name: the second is a problem (named at `name`, or at `file` when the
 * name came from the file). */
export function checkNames(
  check: KeyPathChecker,
  tracks: SongTrack[],
  entries: unknown[],
): SongTrack[] {
  const names = new Map<string, string>();
  for (const track of tracks) {
    const key = track.options.name.toLowerCase();
    const other = names.get(key);
    if (other !== undefined) {
      const entry = entries[Number(/\[(\d+)\]$/.exec(track.keyPath)?.[1] ?? 0) - 1];
      const where = isObject(entry) && entry.name !== undefined
        ? `${track.keyPath}.name`
        : `${track.keyPath}.file`;
      check.fail(where, `the name "${track.options.name}" is already used by ${other}`);
    }
    names.set(key, track.keyPath);
  }
  return tracks;
}

/** One entry of `tracks`, or undefined when it is not usable (its problems recorded). */
export function checkTrack(
  check: KeyPathChecker,
  keyPath: string,
  entry: unknown,
  outputs: number,
  buses?: readonly string[],
): SongTrack | undefined {
  const track = check.object(keyPath, entry, TRACK_KEYS);
  if (!track) return undefined;
  const file = check.present(`${keyPath}.file`, track.file)
    ? check.string(`${keyPath}.file`, track.file)
    : undefined;
  const name = track.name === undefined
    ? file === undefined ? undefined : stem(basename(file))
    : check.string(`${keyPath}.name`, track.name);
  const options: Partial<TrackOptions> = {};
  if (track.gainDb !== undefined && track.gain !== undefined) {
    check.fail(`${keyPath}.gain`, "give gainDb or gain, not both");
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
    check.fail(`${keyPath}.routeGains`, "give route or routeGains, not both");
  }
  if (track.bus !== undefined) {
    options.bus = check.string(`${keyPath}.bus`, track.bus);
    if (options.bus !== undefined && buses && !buses.includes(options.bus)) {
      check.fail(
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
    options.routeGains = checkRouteGains(check, `${keyPath}.routeGains`, track.routeGains, outputs);
  }
  const pitched = track.pitched === undefined
    ? true
    : check.boolean(`${keyPath}.pitched`, track.pitched);
  if (file === undefined || name === undefined) return undefined;
  // Options that failed their check are left out (undefined): the song is refused anyway.
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as TrackOptions;
  return { file, keyPath, options: { ...defined, name }, pitched, pitchedGuessed: false };
}

function checkRouteGains(
  check: KeyPathChecker,
  keyPath: string,
  value: unknown,
  outputs: number,
): number[][] | undefined {
  const rows = check.array(keyPath, value, 1);
  if (!rows) return undefined;
  const matrix = rows.map((row, channel) => {
    const at = `${keyPath}[${channel}]`;
    const gains = check.array(at, row, 1);
    if (!gains) return undefined;
    if (gains.length !== outputs) {
      return check.fail(at, `needs ${outputs} gains (one per device output), got ${gains.length}`);
    }
    const levels = gains.map((gain, output) =>
      checkLevel(check, `${at}[${output}]`, gain, "signed")
    );
    return levels.every((level) => level !== undefined) ? levels as number[] : undefined;
  });
  return matrix.every((row) => row !== undefined) ? matrix as number[][] : undefined;
}

/** A gain in a song file, within the ceiling of every gain stage (+12 dB, MAX_GAIN_DB): in dB
 * (from -200), linear (from 0), or a routeGains entry (either polarity). */
function checkLevel(
  check: KeyPathChecker,
  keyPath: string,
  value: unknown,
  kind: "dB" | "linear" | "signed",
): number | undefined {
  const gain = check.number(keyPath, value, -Infinity, Infinity);
  if (gain === undefined) return undefined;
  const range = kind === "dB"
    ? `from -200 to +${MAX_GAIN_DB} dB`
    : kind === "linear"
    ? `from ${GAIN_RANGE}`
    : `from -${MAX_GAIN.toFixed(3)} to ${MAX_GAIN.toFixed(3)} (+${MAX_GAIN_DB} dB either polarity)`;
  const ok = kind === "dB"
    ? gain >= -200 && gain <= MAX_GAIN_DB
    : gainInRange(gain, kind === "signed");
  if (!ok) return check.fail(keyPath, `must be ${range} (the ceiling of every gain), got ${gain}`);
  return kind === "dB" ? gain : atMostCeiling(gain);
}

function checkRoute(
  check: KeyPathChecker,
  keyPath: string,
  value: unknown,
  outputs: number,
): number[] | undefined {
  const route = check.array(keyPath, value, 1);
  if (!route) return undefined;
  const seen = new Set<number>();
  const numbers = route.map((output, index) => {
    const at = `${keyPath}[${index}]`;
    if (typeof output === "number" && Number.isInteger(output) && output > outputs) {
      return check.fail(
        at,
        `output ${output} does not exist: the device has outputs 1 to ${outputs}`,
      );
    }
    const number = check.integer(at, output, 1, outputs);
    if (number === undefined) return undefined;
    if (seen.has(number)) return check.fail(at, `repeats output ${number}`);
    seen.add(number);
    return number;
  });
  return numbers.every((n) => n !== undefined) ? numbers as number[] : undefined;
}

async function checkTrackFile(check: KeyPathChecker, track: SongTrack): Promise<void> {
  const keyPath = `${track.keyPath}.file`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(track.file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      check.fail(keyPath, `no such file: ${track.file}${await didYouMean(track.file)}`);
    } else {
      check.fail(keyPath, `cannot read ${track.file}: ${message(error)}`);
    }
    return;
  }
  if (info.isDirectory) {
    check.fail(keyPath, `${track.file} is a folder, not an audio file`);
    return;
  }
  const extension = extname(track.file).toLowerCase();
  if (!AUDIO_EXTENSIONS.includes(extension) && !MIDI_FILE_EXTENSIONS.includes(extension)) {
    check.fail(keyPath, `${track.file} is not an audio file (${AUDIO_EXTENSIONS.join(" ")})`);
  }
}
