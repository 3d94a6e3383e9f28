/**
 * The MIDI mapping: which message does which operator action. It lives in `stemplay.json`:
 *
 * ```json
 * "midi": {
 *   "input": "jack",
 *   "map": [
 *     { "note": 60, "action": "next" },
 *     { "cc": 64, "min": 64, "action": "vamp" },
 *     { "program": "any", "action": "goto" },
 *     { "note": 62, "channel": 2, "action": { "type": "jump", "marker": "Chorus", "at": "bar" } }
 *   ]
 * }
 * ```
 *
 * - `note` fires on note on (velocity above 0); `cc` fires when the controller's value enters
 *   `min`..`max` (default 64..127) from outside it, so a sustain pedal fires once per press and a
 *   sweeping expression pedal once per crossing; `program` fires on that program change, and
 *   `"program": "any"` passes the program number on: song n+1 for `goto`, marker n+1 for `jump`.
 * - `channel` (1-16) restricts an entry to one channel; without it any channel matches.
 * - `action` is an action of the command layer (docs/control.md): its name when it needs
 *   nothing more, or the whole action object.
 * - The first entry that matches wins.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { MidiMessage } from "./midi_message.ts";
import { validateAction } from "./actions.ts";
import { isObject, show } from "../util/json_value.ts";
import { problemFromLine } from "../util/check.ts";

/** An operator action as the command layer takes it: a plain object with a `type`. */
export interface MidiAction {
  /** The action's name, e.g. "next" or "jump". */
  type: string;
  /** The action's own fields (marker, song, seconds …). */
  [key: string]: unknown;
}

/** What a mapping entry listens to (exactly one of note, cc, program). */
export interface MidiMapEntry {
  /** A note number (0-127): the action fires on its note-on. */
  note?: number;
  /** A controller number (0-127): the action fires when its value enters [min, max]. */
  cc?: number;
  /** For cc: the lowest value of the firing range (default 64). */
  min?: number;
  /** For cc: the highest value of the firing range (default 127). */
  max?: number;
  /** A program number (0-127), or "any" to pass the number to the action (e.g. goto). */
  program?: number | "any";
  /** 1-16; any channel when absent. */
  channel?: number;
  /** An action name (e.g. "next") or an action object. */
  action: string | MidiAction;
}

/** The `midi` section of stemplay.json. */
export interface MidiSettings {
  /** "jack", "alsa" or a port name to connect from. Default: "jack" when the engine runs on
   * JACK, else "alsa". */
  input?: string;
  /** What each message does. */
  map?: MidiMapEntry[];
  /** While playing, stop, next, previous, goto and back-to-start need the same press again
   * 150 ms to 2 s after the first (src/control/confirm.ts). Default false. */
  confirm?: boolean;
}

/** Actions that take the program number of `"program": "any"`, and under which key. */
const PROGRAM_TAKERS: Record<string, string> = { goto: "song", jump: "marker" };

/** The keys of one mapping entry (docs/settings.md lists them). */
export const MIDI_ENTRY_KEYS: readonly string[] = [
  "note",
  "cc",
  "min",
  "max",
  "program",
  "channel",
  "action",
];
const ENTRY_KEYS = MIDI_ENTRY_KEYS;

const isByte = (value: unknown) =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 127;

/**
 * Checks a mapping. Returns every problem as "<path>: <what is wrong>", paths relative to the
 * map (e.g. `[2].note`); an empty list when it is fine.
 */
export function midiMapProblems(map: unknown): string[] {
  if (!Array.isArray(map)) return [`: must be an array of entries, got ${show(map)}`];
  const problems: string[] = [];
  map.forEach((entry, index) => {
    const at = `[${index}]`;
    if (!isObject(entry)) {
      problems.push(`${at}: must be an object like { "note": 60, "action": "next" }`);
      return;
    }
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.includes(key)) {
        problems.push(`${at}.${key}: unknown key (known: ${ENTRY_KEYS.join(", ")})`);
      }
    }
    const kinds = ["note", "cc", "program"].filter((key) => key in entry);
    if (kinds.length !== 1) {
      problems.push(`${at}: needs exactly one of "note", "cc" or "program", got ${kinds.length}`);
    }
    for (const key of ["note", "cc", "min", "max"]) {
      if (key in entry && !isByte(entry[key])) {
        problems.push(`${at}.${key}: must be an integer from 0 to 127, got ${show(entry[key])}`);
      }
    }
    if (("min" in entry || "max" in entry) && !("cc" in entry)) {
      problems.push(`${at}: "min" and "max" only go with "cc"`);
    }
    if (isByte(entry.min) && isByte(entry.max) && (entry.min as number) > (entry.max as number)) {
      problems.push(`${at}.min: must not be above max (${entry.max}), got ${entry.min}`);
    }
    if ("program" in entry && !isByte(entry.program) && entry.program !== "any") {
      problems.push(
        `${at}.program: must be an integer from 0 to 127 or "any", got ${show(entry.program)}`,
      );
    }
    if (
      "channel" in entry &&
      !(Number.isInteger(entry.channel) && (entry.channel as number) >= 1 &&
        (entry.channel as number) <= 16)
    ) {
      problems.push(`${at}.channel: must be an integer from 1 to 16, got ${show(entry.channel)}`);
    }
    const action = entry.action;
    const named = typeof action === "string";
    if (!named && !(isObject(action) && typeof action.type === "string")) {
      problems.push(
        `${at}.action: must be an action name or an object with a "type", got ${show(action)}`,
      );
      return;
    }
    const object: MidiAction = named ? { type: action } : action as MidiAction;
    if (entry.program === "any" && object.type in PROGRAM_TAKERS) {
      if (!named) problems.push(...checked(at, programAction(object, 0), false));
      else problems.push(...checked(at, programAction(object, 0), true));
    } else {
      problems.push(...checked(at, object, named));
    }
  });
  return problems;
}

/** The command layer's verdict on one mapped action, as map problems. */
function checked(at: string, action: MidiAction, named: boolean): string[] {
  try {
    validateAction(action);
    return [];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = named
      ? ` (a name alone only does for actions that need nothing more; write the whole ` +
        `action, e.g. { "type": "jump", "marker": "Chorus" })`
      : "";
    return [`${at}.action: ${reason}${hint}`];
  }
}

/**
 * Checks a mapping and returns it typed.
 *
 * @throws {StemplayError} `MIDI_MAP` naming every bad key by its path (`map[2].note`)
 */
export function checkMidiMap(map: unknown): MidiMapEntry[] {
  const problems = midiMapProblems(map);
  if (problems.length > 0) {
    const lines = problems.map((p) => `map${p}`);
    throw new StemplayError("MIDI_MAP", lines.join("; "), { problems: lines.map(problemFromLine) });
  }
  return map as MidiMapEntry[];
}

function programAction(action: MidiAction, program: number): MidiAction {
  return { ...action, [PROGRAM_TAKERS[action.type]]: program + 1 };
}

/** Matches messages against a mapping, remembering each controller's last value (so a cc
 * fires when it enters its range, not on every value inside it). */
export class MidiMapper {
  #map: MidiMapEntry[];
  #lastValue = new Map<number, number>(); // (channel << 7 | controller) → value

  constructor(map: MidiMapEntry[]) {
    this.#map = map;
  }

  /** The action the first matching entry asks for, or undefined. */
  actionFor(message: MidiMessage): MidiAction | undefined {
    let previous: number | undefined;
    if (message.kind === "cc") {
      const key = (message.channel << 7) | message.controller;
      previous = this.#lastValue.get(key);
      this.#lastValue.set(key, message.value);
    }
    for (const entry of this.#map) {
      if (entry.channel !== undefined && entry.channel !== message.channel) continue;
      if (!matches(entry, message, previous)) continue;
      const action: MidiAction = typeof entry.action === "string"
        ? { type: entry.action }
        : { ...entry.action };
      if (entry.program === "any" && message.kind === "program") {
        return programAction(action, message.program);
      }
      return action;
    }
    return undefined;
  }
}

function matches(entry: MidiMapEntry, message: MidiMessage, previous?: number): boolean {
  switch (message.kind) {
    case "noteOn":
      return entry.note === message.note;
    case "cc": {
      if (entry.cc !== message.controller) return false;
      const min = entry.min ?? 64, max = entry.max ?? 127;
      const inside = (value: number) => value >= min && value <= max;
      return inside(message.value) && (previous === undefined || !inside(previous));
    }
    case "program":
      return entry.program === "any" || entry.program === message.program;
    default:
      return false;
  }
}
