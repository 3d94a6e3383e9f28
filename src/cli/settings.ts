/**
 * The settings file, `stemplay.json`: what the command-line player reads from `--config <path>`,
 * else beside the setlist or song it plays, else from the working folder (`findSettingsFile`).
 *
 * ```json
 * {
 *   "audio": { "profile": "balanced", "backend": "pulseaudio", "device": "Scarlett",
 *              "sampleRate": 48000, "channels": 4, "blockFrames": 1024, "recovery": "in-time" },
 *   "monitoring": { "latencyMonitor": true },
 *   "buses": { "FOH": { "outputs": [1, 2] }, "in-ears": { "outputs": [3, 4], "protected": true } },
 *   "midi": { "input": "jack", "map": [{ "note": 60, "action": "next" }] },
 *   "timecode": { "ltc": { "fps": 25, "output": 8 } },
 *   "streaming": { "lookAheadSeconds": 2, "headSeconds": 1 }
 * }
 * ```
 *
 * `streaming` is how file tracks reach the engine, as `Player.open({ streaming })`: streamed
 * from disk by the reader thread (the default, also `true`), with `lookAheadSeconds` (0.05 to
 * 60, default 2) decoded ahead of the playhead and `headSeconds` (0.05 to 30, default 1, or
 * 0.5 at another key or tempo) resident after the start, every marker and every armed jump's
 * target; or `false`, decoded whole at load. Per streamed track that holds channels ×
 * lookAheadSeconds × rate (rounded up to a power of two of frames) × 4 bytes for the ring, plus
 * channels × headSeconds × rate × 4 bytes per head (docs/formats.md, "Streaming").
 *
 * docs/settings.md is the reference: every key with its type, default and an example.
 * Every key is optional. Unknown keys are errors (a typo must not be silently ignored on a
 * show night), and every bad key is named by its path, all of them in one error.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { StemplayError } from "../errors.ts";
import type { PlayerOptions } from "../player/player.ts";
import { isLatencyProfile, knownProfiles, type LatencyProfile } from "../engine/profiles.ts";
import { BUS_KEYS, type BusProfile, checkBusProfile } from "../engine/buses.ts";
import { describeJsonError } from "../util/json_position.ts";
import { isObject, show } from "../util/json_value.ts";
import { problemFromLine } from "../util/check.ts";
import { RECOVERY_MODES, type RecoveryMode } from "../engine/device_recovery.ts";
import {
  inOptionRange,
  type IntegerOptionName,
  PLAYER_INTEGER_OPTIONS,
} from "../player/option_ranges.ts";
import { MIDI_ENTRY_KEYS, midiMapProblems, type MidiSettings } from "../control/midi_map.ts";
import { checkLtcOptions, LTC_KEYS, type LtcOptions } from "../show/timecode.ts";
import { MAX_MIDI_OFFSET_MS, type ServeMidiOutOptions } from "../control/midi_out.ts";
import type { SpokenCueOptions } from "../show/spoken_cue_options.ts";
import { resolveCueFolder, SPOKEN_CUE_SETTING_KEYS } from "./spoken_cue_settings.ts";
import {
  HEAD_SECONDS,
  LOOK_AHEAD_SECONDS,
  secondsProblem,
  type StreamingOptions,
} from "../sources/streaming.ts";
import { stretchStemsProblem } from "../sources/stretch_stream.ts";
import { readersProblem } from "../sources/reader_pool.ts";
import { KEY_TEMPO_SETTING_KEYS } from "./key_tempo_settings.ts";
import type { KeyTempoOptions } from "../player/key_tempo_options.ts";

/** The `audio` section. */
export interface AudioSettings {
  /** A latency profile; an explicit `blockFrames` wins over it. */
  profile?: LatencyProfile;
  /** A backend name, as in `Player.open({ backend })`. */
  backend?: string;
  /** A device index or a substring of its name. */
  device?: number | string;
  /** Frames per second, 8000 to 768000. */
  sampleRate?: number;
  /** Output channels, 1 to 32. */
  channels?: number;
  /** Frames per block, 16 to 65536. */
  blockFrames?: number;
  /** What a lost device does when it comes back: "in-time", "where-lost" or "paused". */
  recovery?: RecoveryMode;
}

/** The `monitoring` section. */
export interface MonitoringSettings {
  /** Start with the latency monitor on. */
  latencyMonitor?: boolean;
}

/** A checked settings file. Both sections are always present (empty when not given). */
export interface Settings {
  /** Audio device and block size. */
  audio: AudioSettings;
  /** Diagnostics. */
  monitoring: MonitoringSettings;
  /** The rig profile: bus names to outputs (see src/engine/buses.ts). Absent: the default. */
  buses?: BusProfile;
  /** MIDI foot control (docs/midi.md). */
  midi: MidiSettings;
  /** Timecode out (docs/timecode.md). */
  timecode: TimecodeSettings;
  /** MIDI out: clock and the songs' MIDI events (docs/midi.md); absent: none. */
  midiOut?: ServeMidiOutOptions;
  /** File tracks streamed (an object of seconds, or true: the defaults) or decoded whole
   * (false), as `Player.open({ streaming })`. Absent: streamed with the defaults. */
  streaming?: StreamingOptions | boolean;
  /** Spoken section cues for every song (docs/spoken_cues.md). Absent: only songs that ask. */
  spokenCues?: SpokenCueOptions;
  /** Key and tempo: the stretch engine, as `Player.open({ keyTempo })`. Absent: R3. */
  keyTempo?: KeyTempoOptions;
}

/** The `timecode` section. */
export interface TimecodeSettings {
  /** SMPTE linear timecode out, as `Player.open({ ltc })`. */
  ltc?: LtcOptions;
}

/** The file read from the working folder when no path is given. */
export const DEFAULT_SETTINGS_FILE = "stemplay.json";

/**
 * The settings file a show uses: `--config` when given; else `stemplay.json` beside the setlist
 * or song (in the folder of a setlist, song.json or audio file; in a song folder, then the folder
 * it is in); else `stemplay.json` in the working folder. A show carried on a stick with its
 * stemplay.json plays with its own rig profile wherever it is started from.
 *
 * @param inputs what `play` or `render` was given
 * @param configFlag the `--config` value, if any
 * @returns the path to read (as found, e.g. `show/stemplay.json`), or undefined when there is
 *   none (every default)
 */
export async function findSettingsFile(
  inputs: readonly string[],
  configFlag: string | undefined,
): Promise<string | undefined> {
  if (configFlag !== undefined) return configFlag;
  const candidates: string[] = [];
  const first = inputs[0];
  if (first !== undefined) {
    let folder = false;
    try {
      folder = (await Deno.stat(first)).isDirectory;
    } catch {
      // A missing input is named by the loader.
    }
    const trimmed = first.replace(/[\\/]+$/, "") || first;
    if (folder) candidates.push(join(trimmed, DEFAULT_SETTINGS_FILE));
    candidates.push(join(dirname(trimmed), DEFAULT_SETTINGS_FILE));
  }
  candidates.push(DEFAULT_SETTINGS_FILE);
  for (const candidate of candidates) {
    try {
      if ((await Deno.stat(candidate)).isFile) return candidate;
    } catch {
      // Not there: the next place.
    }
  }
  return undefined;
}

/** A problem, or undefined when fine; or problems below the key, each "<sub-path>: <what>". */
type Check = (value: unknown) => string | string[] | undefined;

/** A Player integer option's key, checked against its range in the one table. */
const optionRange = (name: IntegerOptionName): Check => (value) => {
  if (inOptionRange(name, value)) return undefined;
  const { min, max } = PLAYER_INTEGER_OPTIONS[name];
  return `must be an integer from ${min} to ${max}, got ${show(value)}`;
};

const AUDIO_KEYS: Record<keyof AudioSettings, Check> = {
  profile: (value) =>
    isLatencyProfile(value)
      ? undefined
      : `unknown latency profile ${show(value)} ${knownProfiles()}`,
  backend: (value) =>
    typeof value === "string" && value !== ""
      ? undefined
      : `must be a backend name such as "pulseaudio", got ${show(value)}`,
  device: (value) =>
    (typeof value === "string" && value !== "") ||
      (typeof value === "number" && Number.isInteger(value) && value >= 0)
      ? undefined
      : `must be a device index (0 or more) or part of its name, got ${show(value)}`,
  sampleRate: optionRange("sampleRate"),
  channels: optionRange("channels"),
  blockFrames: optionRange("blockFrames"),
  recovery: (value) =>
    (RECOVERY_MODES as readonly unknown[]).includes(value)
      ? undefined
      : `must be one of ${RECOVERY_MODES.join(", ")}, got ${show(value)}`,
};

const MONITORING_KEYS: Record<keyof MonitoringSettings, Check> = {
  latencyMonitor: (value) =>
    typeof value === "boolean" ? undefined : `must be true or false, got ${show(value)}`,
};

const MIDI_KEYS: Record<keyof MidiSettings, Check> = {
  input: (value) =>
    typeof value === "string" && value !== ""
      ? undefined
      : `must be "jack", "alsa" or a MIDI port name, got ${show(value)}`,
  map: (value) => {
    const problems = midiMapProblems(value);
    return problems.length ? problems : undefined;
  },
  confirm: (value) =>
    typeof value === "boolean" ? undefined : `must be true or false, got ${show(value)}`,
};

const TIMECODE_KEYS: Record<keyof TimecodeSettings, Check> = {
  ltc: (value) => {
    try {
      checkLtcOptions(value, 32, "");
      return undefined;
    } catch (error) {
      const message = (error as Error).message; // ".fps: …" for a key, " must be …" otherwise
      return message.startsWith(".") ? [message] : message.trim();
    }
  },
};

const MIDI_OUT_KEYS: Record<keyof ServeMidiOutOptions, Check> = {
  clock: (value) =>
    typeof value === "boolean" ? undefined : `must be true or false, got ${show(value)}`,
  offsetMs: (value) =>
    typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= MAX_MIDI_OFFSET_MS
      ? undefined
      : `must be milliseconds from -${MAX_MIDI_OFFSET_MS} to ${MAX_MIDI_OFFSET_MS}, got ${
        show(value)
      }`,
  connectTo: (value) =>
    Array.isArray(value) && value.every((port) => typeof port === "string" && port !== "")
      ? undefined
      : `must be a list of JACK MIDI input ports ("client:port"), got ${show(value)}`,
};

const STREAMING_KEYS: Record<keyof StreamingOptions, Check> = {
  lookAheadSeconds: (value) => secondsProblem(value, LOOK_AHEAD_SECONDS),
  headSeconds: (value) => secondsProblem(value, HEAD_SECONDS),
  stretchStems: stretchStemsProblem,
  readers: readersProblem,
};

const SECTIONS: Record<
  | "audio"
  | "monitoring"
  | "midi"
  | "midiOut"
  | "timecode"
  | "streaming"
  | "spokenCues"
  | "keyTempo",
  Record<string, Check>
> = {
  audio: AUDIO_KEYS,
  monitoring: MONITORING_KEYS,
  midi: MIDI_KEYS,
  midiOut: MIDI_OUT_KEYS,
  timecode: TIMECODE_KEYS,
  streaming: STREAMING_KEYS,
  spokenCues: SPOKEN_CUE_SETTING_KEYS,
  keyTempo: KEY_TEMPO_SETTING_KEYS,
};

/**
 * Every key path stemplay.json takes, from the same key lists the checks use: sections
 * (`audio`), their keys (`audio.profile`), a bus of the rig profile (`buses.<name>`, any name,
 * and its keys), a MIDI mapping entry's keys (`midi.map[].note`) and the LTC keys
 * (`timecode.ltc.fps`). docs/settings.md documents exactly these (tests/settings_doc_test.ts).
 */
export const SETTINGS_KEY_PATHS: readonly string[] = [
  ...Object.entries(SECTIONS).flatMap(([section, keys]) => [
    section,
    ...Object.keys(keys).map((key) => `${section}.${key}`),
  ]),
  "buses",
  "buses.<name>",
  ...BUS_KEYS.map((key) => `buses.<name>.${key}`),
  ...MIDI_ENTRY_KEYS.map((key) => `midi.map[].${key}`),
  ...LTC_KEYS.map((key) => `timecode.ltc.${key}`),
];

/**
 * Checks parsed JSON against the settings schema.
 *
 * @param value the parsed contents of a settings file
 * @param source the file's name, for messages
 * @throws StemplayError code "SETTINGS" naming every bad key by its path (e.g.
 * `audio.profile`) and what is wrong with it
 */
export function parseSettings(value: unknown, source: string): Settings {
  if (!isObject(value)) {
    throw new StemplayError(
      "SETTINGS",
      `${source}: the settings must be a JSON object, got ${show(value)}`,
    );
  }
  const problems: string[] = [];
  const settings: Settings = { audio: {}, monitoring: {}, midi: {}, timecode: {} };
  for (const [sectionName, section] of Object.entries(value)) {
    if (sectionName === "buses") {
      try {
        settings.buses = checkBusProfile(section, "buses");
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
      continue;
    }
    if (!Object.hasOwn(SECTIONS, sectionName)) {
      problems.push(
        `${sectionName}: unknown key (expected "audio", "monitoring", "buses", "midi", ` +
          `"midiOut", "timecode", "streaming", "spokenCues" or "keyTempo")`,
      );
      continue;
    }
    if (sectionName === "streaming" && typeof section === "boolean") {
      settings.streaming = section; // false: decode whole files at load; true: the defaults
      continue;
    }
    if (!isObject(section)) {
      const expected = sectionName === "streaming"
        ? "false (decode whole files), true or an object"
        : "an object";
      problems.push(`${sectionName}: must be ${expected}, got ${show(section)}`);
      continue;
    }
    const checks = SECTIONS[sectionName as keyof typeof SECTIONS];
    const out = sectionName === "streaming"
      ? (settings.streaming = {})
      : sectionName === "midiOut"
      ? (settings.midiOut = {})
      : sectionName === "spokenCues"
      ? (settings.spokenCues = {})
      : sectionName === "keyTempo"
      ? (settings.keyTempo = {})
      : settings[
        sectionName as Exclude<
          keyof typeof SECTIONS,
          "streaming" | "midiOut" | "spokenCues" | "keyTempo"
        >
      ];
    for (const [key, entry] of Object.entries(section)) {
      const path = `${sectionName}.${key}`;
      if (!Object.hasOwn(checks, key)) {
        const known = Object.keys(checks).join(", ");
        problems.push(`${path}: unknown key (the ${sectionName} keys are ${known})`);
        continue;
      }
      const problem = checks[key](entry);
      if (Array.isArray(problem)) problems.push(...problem.map((p) => `${path}${p}`));
      else if (problem) problems.push(`${path}: ${problem}`);
      else (out as Record<string, unknown>)[key] = entry;
    }
  }
  if (problems.length > 0) {
    throw new StemplayError("SETTINGS", `${source}: ${problems.join("; ")}`, {
      problems: problems.map(problemFromLine),
    });
  }
  if (settings.spokenCues) resolveCueFolder(settings.spokenCues, source);
  return settings;
}

/**
 * Reads and checks a settings file.
 *
 * @param path the file to read; without it, `stemplay.json` in the working folder, whose
 * absence just means the defaults (empty settings)
 * @throws StemplayError "FILE" when a named file cannot be read, "SETTINGS" when the file is
 * not JSON or a key is bad; both with `path`
 */
export async function loadSettings(path?: string): Promise<Settings> {
  const file = path ?? DEFAULT_SETTINGS_FILE;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (cause) {
    if (path === undefined && cause instanceof Deno.errors.NotFound) {
      return { audio: {}, monitoring: {}, midi: {}, timecode: {} };
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new StemplayError("FILE", `cannot read the settings file ${file}: ${reason}`, {
      path: file,
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const reason = describeJsonError(text, cause);
    throw new StemplayError("SETTINGS", `${file}: not valid JSON: ${reason}`, {
      path: file,
      cause,
    });
  }
  try {
    return parseSettings(json, file);
  } catch (error) {
    if (error instanceof StemplayError) error.path = file;
    throw error;
  }
}

/** The `Player.open()` options a settings file asks for (only the keys it sets). */
export function settingsToPlayerOptions(settings: Settings): PlayerOptions {
  const options: PlayerOptions = {};
  const { audio, monitoring } = settings;
  if (monitoring.latencyMonitor !== undefined) options.latencyMonitor = monitoring.latencyMonitor;
  if (audio.profile !== undefined) options.profile = audio.profile;
  if (audio.backend !== undefined) options.backend = audio.backend;
  if (audio.device !== undefined) options.device = audio.device;
  if (audio.sampleRate !== undefined) options.sampleRate = audio.sampleRate;
  if (audio.channels !== undefined) options.channels = audio.channels;
  if (audio.blockFrames !== undefined) options.blockFrames = audio.blockFrames;
  if (settings.buses !== undefined) options.buses = settings.buses;
  if (audio.recovery !== undefined) options.recovery = audio.recovery;
  if (settings.timecode.ltc !== undefined) options.ltc = settings.timecode.ltc;
  if (settings.streaming !== undefined) options.streaming = settings.streaming;
  if (settings.spokenCues !== undefined) options.spokenCues = settings.spokenCues;
  if (settings.keyTempo !== undefined) options.keyTempo = settings.keyTempo;
  return options;
}
