/**
 * The vocabulary of operator actions: every thing an operator can do to a running show, as a
 * plain, JSON-safe object. Keys (the CLI), OSC, the web remote and MIDI pedals all map their
 * input onto these objects and hand them to `dispatch()`; no action exists in one surface only.
 *
 * Numbers an operator sees count from 1, as the screen shows them: track 1 is the first track,
 * song 1 the first song of the setlist, marker 1 the song's first marker.
 *
 * ```ts
 * await dispatch(player, { type: "jump", marker: "Chorus", at: "bar" });
 * await dispatch(player, { type: "solo", track: 3 });            // toggles
 * await dispatch(player, { type: "trackGain", track: "Bass", gainDb: -6 });
 * ```
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { GAIN_DB_RANGE, GAIN_RANGE, gainDbInRange, gainInRange } from "../engine/levels.ts";
import { JUMP_AT, type JumpAt } from "../show/show.ts";
import { isObject } from "../util/json_value.ts";
import { describe } from "../util/check.ts";
import { checkSpeed, checkTranspose } from "../model/key_tempo.ts";

/** A track by its number on the screen (from 1) or by its name (exact, then ignoring case). */
export type TrackRef = number | string;
/** A marker by its number (from 1) or its name (exact, then ignoring case). */
export type MarkerRef = number | string;

/** Starts playback. From a stop the song's count-in plays first (when it has one); after a
 * song of a setlist ended, the next song starts (with its count-in). */
export interface PlayAction {
  /** The action. */
  type: "play";
}
/** Pauses, keeping the position. */
export interface PauseAction {
  /** The action. */
  type: "pause";
}
/** Plays when not playing, pauses when playing (a single foot switch, the space bar). */
export interface TogglePlayAction {
  /** The action. */
  type: "togglePlay";
}
/** Stops and returns to the song's start, with the count-in armed for the next play. */
export interface StopAction {
  /** The action. */
  type: "stop";
}
/** The next song of the setlist, stopped at its start. */
export interface NextAction {
  /** The action. */
  type: "next";
}
/** The previous song of the setlist, stopped at its start. */
export interface PreviousAction {
  /** The action. */
  type: "previous";
}
/** A song of the setlist by its number (from 1) or its title, stopped at its start. */
export interface GotoAction {
  /** The action. */
  type: "goto";
  /** The song: its number in the setlist from 1, or its title. */
  song: number | string;
}
/** Jumps to a marker: `at` "bar" (default: on the next bar line), "beat", "section" (the next
 * marker) or "now". Without a tempo there are no bars: it jumps at once. Not playing, it moves
 * the position there. */
export interface JumpAction {
  /** The action. */
  type: "jump";
  /** The marker: its number from 1, or its name. */
  marker: MarkerRef;
  /** When it happens (see the action). */
  at?: JumpAt;
}
/** Cancels a scheduled jump that has not happened yet. */
export interface CancelJumpAction {
  /** The action. */
  type: "cancelJump";
}
/** Loops a section (a marker to the next one): the section the position is in, or `marker`. */
export interface VampAction {
  /** The action. */
  type: "vamp";
  /** The marker: its number from 1, or its name. */
  marker?: MarkerRef;
}
/** Leaves the loop: at its "end" (default: this pass plays out) or "now". */
export interface ExitLoopAction {
  /** The action. */
  type: "exitLoop";
  /** When it happens (see the action). */
  at?: "end" | "now";
}
/** Count-in: `bars` sets it (0 turns it off); without `bars` it toggles between off and the
 * setlist's bars for this song (else 1 bar). Needs the song's tempo. */
export interface CountInAction {
  /** The action. */
  type: "countIn";
  /** Bars of count-in (0: off). */
  bars?: number;
}
/** Fades the whole show mix out over `seconds` (default 4), then pauses. Protected buses
 * (the in-ears) are not faded. */
export interface FadeOutAction {
  /** The action. */
  type: "fadeOut";
  /** Seconds (see the action for the default). */
  seconds?: number;
}
/** Fades the show mix in over `seconds` (default 4), playing. */
export interface FadeInAction {
  /** The action. */
  type: "fadeIn";
  /** Seconds (see the action for the default). */
  seconds?: number;
}
/** Moves the position at once: `to` seconds (or "start"), or `by` seconds from here. */
export interface SeekAction {
  /** The action. */
  type: "seek";
  /** Where to: seconds from the start, or "start". */
  to?: number | "start";
  /** Seconds from the position (negative: back). */
  by?: number;
}
/** Moves the position at once to the next or previous marker (or a marker). */
export interface LocateAction {
  /** The action. */
  type: "locate";
  /** The marker: its number from 1, or its name. */
  marker: "next" | "previous" | MarkerRef;
}
/** A track's level: exactly one of `gain` (linear, 0..MAX_GAIN), `gainDb` (at most +12),
 * `stepDb` (relative; stepping below -60 dB gives silence, above +12 dB stays at +12) or
 * `reset` (back to the gain the song gave it). */
export interface TrackGainAction {
  /** The action. */
  type: "trackGain";
  /** The track: its number on the screen from 1, or its name. */
  track: TrackRef;
  /** Linear gain (1 = unity). */
  gain?: number;
  /** Gain in dB. */
  gainDb?: number;
  /** dB to add to the gain (negative: down). */
  stepDb?: number;
  /** Back to the gain the song gave the track. */
  reset?: true;
}
/** Mutes (`on: true`), unmutes (`on: false`) or toggles (no `on`) a track. */
export interface MuteAction {
  /** The action. */
  type: "mute";
  /** The track: its number on the screen from 1, or its name. */
  track: TrackRef;
  /** On (true) or off (false); omitted: toggles. */
  on?: boolean;
}
/** Solos, unsolos or toggles a track. Tracks on a protected bus (the in-ears) are never
 * silenced by a solo. */
export interface SoloAction {
  /** The action. */
  type: "solo";
  /** The track: its number on the screen from 1, or its name. */
  track: TrackRef;
  /** On (true) or off (false); omitted: toggles. */
  on?: boolean;
}
/** A bus's own level (e.g. the in-ears): exactly one of `gain` (linear, 0..MAX_GAIN), `gainDb`
 * (at most +12) or `stepDb` (relative, like the master's: it stays at +12). */
export interface BusGainAction {
  /** The action. */
  type: "busGain";
  /** The bus, by name (e.g. "in-ears"). */
  bus: string;
  /** Linear gain (1 = unity). */
  gain?: number;
  /** Gain in dB. */
  gainDb?: number;
  /** A step in dB from the bus's gain now (the keys' and the remote's buttons). */
  stepDb?: number;
}
/** The master gain, after the mix, before every output's ±1.0 clamp: exactly one of `gain`
 * (linear, 0..MAX_GAIN), `gainDb` (at most +12) or `stepDb` (relative; above +12 dB it stays
 * at +12, below -60 dB it is silence). */
export interface MasterGainAction {
  /** The action. */
  type: "masterGain";
  /** Linear gain (1 = unity). */
  gain?: number;
  /** Gain in dB. */
  gainDb?: number;
  /** dB to add to the gain (negative: down). */
  stepDb?: number;
}
/** Reopens the audio device after it was lost (or the same device again). */
export interface ReopenDeviceAction {
  /** The action. */
  type: "reopenDevice";
}
/** A follower that took over (standby, docs/two-rigs.md) mutes again and follows the
 * primary, once the primary is back and locked. */
export interface FailbackAction {
  /** The action. */
  type: "failback";
}
/** The latency monitor on, off, or toggled (no `on`). */
export interface LatencyMonitorAction {
  /** The action. */
  type: "latencyMonitor";
  /** On (true) or off (false); omitted: toggles. */
  on?: boolean;
}

/** MIDI clock out on, off, or toggled (no `on`); needs a MIDI output (serveMidiOut). */
export interface MidiClockAction {
  /** The action. */
  type: "midiClock";
  /** On (true) or off (false); omitted: toggles. */
  on?: boolean;
}

/** Spoken cues (the song's "spoken cues" track) on, off, or toggled (no `on`). */
export interface SpokenCuesAction {
  /** The action. */
  type: "spokenCues";
  /** On (true) or off (false); omitted: toggles. */
  on?: boolean;
}
/** The song's key: `semitones` (−12 … +12, fractions are cents), absolute, or `by` semitones
 * from the key now (the −/+ keys and buttons; it stops at −12 and +12). Stopped or paused
 * only: the song is prepared again at the new key in the background (docs/key_tempo.md). */
export interface TransposeAction {
  /** The action. */
  type: "transpose";
  /** Semitones, absolute (0: as recorded). */
  semitones?: number;
  /** Semitones from the key now (negative: down). */
  by?: number;
}
/** The song's tempo: `ratio` (0.5 … 2, 1 = as recorded), absolute, or `by` from the ratio now
 * (0.01: one percent; it stops at 0.5 and 2). Stopped or paused only, like `transpose`. */
export interface SpeedAction {
  /** The action. */
  type: "speed";
  /** The tempo ratio, absolute (1: as recorded). */
  ratio?: number;
  /** Added to the ratio now (negative: slower). */
  by?: number;
}

/** A song stem's `pitched` flag (docs/key_tempo.md): `pitched: false` keeps its key when the
 * song is transposed; omitted: toggles. At another transpose the song is prepared again, as
 * at a key change (crossfaded in while playing). */
export interface PitchedAction {
  /** The action. */
  type: "pitched";
  /** The track: its number on the screen from 1, or its name. */
  track: TrackRef;
  /** Follows the key (true) or keeps its own (false); omitted: toggles. */
  pitched?: boolean;
}

/** One operator action. See each interface for what it does. */
export type Action =
  | PlayAction
  | PauseAction
  | TogglePlayAction
  | StopAction
  | NextAction
  | PreviousAction
  | GotoAction
  | JumpAction
  | CancelJumpAction
  | VampAction
  | ExitLoopAction
  | CountInAction
  | FadeOutAction
  | FadeInAction
  | SeekAction
  | LocateAction
  | TrackGainAction
  | MuteAction
  | SoloAction
  | BusGainAction
  | MasterGainAction
  | ReopenDeviceAction
  | LatencyMonitorAction
  | MidiClockAction
  | SpokenCuesAction
  | FailbackAction
  | TransposeAction
  | SpeedAction
  | PitchedAction;

/** Every action type, for surfaces that list or map them. */
export const ACTION_TYPES: readonly Action["type"][] = [
  "play",
  "pause",
  "togglePlay",
  "stop",
  "next",
  "previous",
  "goto",
  "jump",
  "cancelJump",
  "vamp",
  "exitLoop",
  "countIn",
  "fadeOut",
  "fadeIn",
  "seek",
  "locate",
  "trackGain",
  "mute",
  "solo",
  "busGain",
  "masterGain",
  "reopenDevice",
  "latencyMonitor",
  "midiClock",
  "spokenCues",
  "failback",
  "transpose",
  "speed",
  "pitched",
];

/** The fields each action type may carry beyond `type` (anything else is refused). */
const FIELDS: Record<Action["type"], string[]> = {
  play: [],
  pause: [],
  togglePlay: [],
  stop: [],
  next: [],
  previous: [],
  goto: ["song"],
  jump: ["marker", "at"],
  cancelJump: [],
  vamp: ["marker"],
  exitLoop: ["at"],
  countIn: ["bars"],
  fadeOut: ["seconds"],
  fadeIn: ["seconds"],
  seek: ["to", "by"],
  locate: ["marker"],
  trackGain: ["track", "gain", "gainDb", "stepDb", "reset"],
  mute: ["track", "on"],
  solo: ["track", "on"],
  busGain: ["bus", "gain", "gainDb", "stepDb"],
  masterGain: ["gain", "gainDb", "stepDb"],
  reopenDevice: [],
  latencyMonitor: ["on"],
  midiClock: ["on"],
  spokenCues: ["on"],
  failback: [],
  transpose: ["semitones", "by"],
  speed: ["ratio", "by"],
  pitched: ["track", "pitched"],
};

/** Longest fade an action may ask for, in seconds. */
export const MAX_FADE_SECONDS = 600;

function refuse(message: string): never {
  throw new StemplayError("INVALID_ACTION", message);
}

/** A number ≥ 1 (a screen number) or a non-empty name. */
function checkRef(type: string, key: string, value: unknown): void {
  if (typeof value === "string" && value.trim() !== "") return;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1) return;
  refuse(
    `${type}: "${key}" must be a number from 1 (as on the screen) or a name, got ` +
      describe(value),
  );
}

function checkNumber(type: string, key: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    refuse(`${type}: "${key}" must be a number from ${min} to ${max}, got ${describe(value)}`);
  }
}

function checkBoolean(type: string, key: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") {
    refuse(`${type}: "${key}" must be true or false, got ${describe(value)}`);
  }
}

/** A level: "gain" linear from 0 to MAX_GAIN, "gainDb" a finite number up to +12 dB (the
 * ceiling of every gain stage, src/engine/levels.ts), refused naming the range. */
function checkLevel(type: string, key: "gain" | "gainDb", value: unknown): void {
  if (value === undefined) return;
  if (key === "gain" && !gainInRange(value)) {
    refuse(`${type}: "gain" must be a number from ${GAIN_RANGE}, got ${describe(value)}`);
  }
  if (key === "gainDb" && !(gainDbInRange(value) && Number.isFinite(value))) {
    refuse(`${type}: "gainDb" must be a number ${GAIN_DB_RANGE}, got ${describe(value)}`);
  }
}

/** Exactly one of `keys` present. */
function checkOneOf(type: string, action: Record<string, unknown>, keys: string[]): void {
  const given = keys.filter((key) => action[key] !== undefined);
  if (given.length !== 1) {
    refuse(
      `${type} needs exactly one of ${keys.map((k) => `"${k}"`).join(", ")}` +
        (given.length ? `, got ${given.join(" and ")}` : ""),
    );
  }
}

/**
 * Checks that `value` is a well-formed action (its type known, every field of the right kind,
 * no unknown field) and returns it typed. What the player then makes of it (a marker that
 * does not exist, a count-in without tempo) is checked by `dispatch()`.
 *
 * @throws {StemplayError} code "INVALID_ACTION", naming the field and what it should be
 */
export function validateAction(value: unknown): Action {
  if (!isObject(value)) refuse(`an action must be an object with a "type", got ${describe(value)}`);
  const type = value.type;
  if (typeof type !== "string" || !(ACTION_TYPES as readonly string[]).includes(type)) {
    refuse(`unknown action type ${describe(type)} (known: ${ACTION_TYPES.join(", ")})`);
  }
  const allowed = FIELDS[type as Action["type"]];
  for (const key of Object.keys(value)) {
    if (key !== "type" && !allowed.includes(key)) {
      refuse(
        `${type}: unknown field "${key}"` +
          (allowed.length
            ? ` (it takes ${allowed.map((k) => `"${k}"`).join(", ")})`
            : " (it takes none)"),
      );
    }
  }
  const v = value;
  switch (type as Action["type"]) {
    case "goto":
      checkRef(type, "song", v.song);
      break;
    case "jump":
      checkRef(type, "marker", v.marker);
      if (v.at !== undefined && !(JUMP_AT as readonly string[]).includes(v.at as string)) {
        refuse(`jump: "at" must be one of ${JUMP_AT.join(", ")}, got ${describe(v.at)}`);
      }
      break;
    case "vamp":
      if (v.marker !== undefined) checkRef(type, "marker", v.marker);
      break;
    case "exitLoop":
      if (v.at !== undefined && v.at !== "end" && v.at !== "now") {
        refuse(`exitLoop: "at" must be "end" or "now", got ${describe(v.at)}`);
      }
      break;
    case "countIn":
      if (v.bars !== undefined && (typeof v.bars !== "number" || !Number.isInteger(v.bars))) {
        refuse(`countIn: "bars" must be a whole number of bars, got ${describe(v.bars)}`);
      }
      checkNumber(type, "bars", v.bars, 0, 16);
      break;
    case "fadeOut":
    case "fadeIn":
      checkNumber(type, "seconds", v.seconds, 0, MAX_FADE_SECONDS);
      break;
    case "seek":
      checkOneOf(type, v, ["to", "by"]);
      if (v.to !== "start") checkNumber(type, "to", v.to, 0, Number.MAX_SAFE_INTEGER);
      checkNumber(type, "by", v.by, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      break;
    case "locate":
      if (v.marker !== "next" && v.marker !== "previous") checkRef(type, "marker", v.marker);
      break;
    case "trackGain":
      checkRef(type, "track", v.track);
      checkOneOf(type, v, ["gain", "gainDb", "stepDb", "reset"]);
      checkLevel(type, "gain", v.gain);
      checkLevel(type, "gainDb", v.gainDb);
      checkNumber(type, "stepDb", v.stepDb, -60, 60);
      if (v.reset !== undefined && v.reset !== true) {
        refuse(`trackGain: "reset" must be true, got ${describe(v.reset)}`);
      }
      break;
    case "mute":
    case "solo":
      checkRef(type, "track", v.track);
      checkBoolean(type, "on", v.on);
      break;
    case "busGain":
      if (typeof v.bus !== "string" || v.bus === "") {
        refuse(`busGain: "bus" must be a bus name, got ${describe(v.bus)}`);
      }
      checkOneOf(type, v, ["gain", "gainDb", "stepDb"]);
      checkLevel(type, "gain", v.gain);
      checkLevel(type, "gainDb", v.gainDb);
      checkNumber(type, "stepDb", v.stepDb, -60, 60);
      break;
    case "masterGain":
      checkOneOf(type, v, ["gain", "gainDb", "stepDb"]);
      checkLevel(type, "gain", v.gain);
      checkLevel(type, "gainDb", v.gainDb);
      checkNumber(type, "stepDb", v.stepDb, -60, 60);
      break;
    case "latencyMonitor":
    case "midiClock":
    case "spokenCues":
      checkBoolean(type, "on", v.on);
      break;
    case "transpose":
      checkOneOf(type, v, ["semitones", "by"]);
      if (v.semitones !== undefined) {
        checkTranspose(v.semitones, "INVALID_ACTION", 'transpose: "semitones"');
      }
      checkNumber(type, "by", v.by, -24, 24);
      break;
    case "speed":
      checkOneOf(type, v, ["ratio", "by"]);
      if (v.ratio !== undefined) checkSpeed(v.ratio, "INVALID_ACTION", 'speed: "ratio"');
      checkNumber(type, "by", v.by, -1.5, 1.5);
      break;
    case "pitched":
      checkRef(type, "track", v.track);
      checkBoolean(type, "pitched", v.pitched);
      break;
  }
  return value as unknown as Action;
}
