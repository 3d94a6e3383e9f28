/**
 * A song's MIDI events (song.json `"midiEvents"`): each has one place (`"at": "start"`,
 * `"at": <seconds>` or `"marker": "<name>"`) and one message: a program change (with an
 * optional bank, sent as CC 0 and CC 32 before it), a control change, a note with its
 * duration, or raw `bytes`. Numbers are as on the wire (0–127), channels count 1–16. They
 * become timed messages for MIDI out (src/control/midi_out.ts), each on its exact frame.
 *
 * @module
 */

import type { Marker } from "../model/marker.ts";
import type { Fail, TempoSegment } from "../model/tempo.ts";
import type { KeyPathChecker } from "../util/check.ts";
import { extname } from "node:path";
import { MIDI_FILE_EXTENSIONS, readMidiTrack } from "../sources/midi_track.ts";

/** One message at a time in the song, with where it came from. */
export interface MidiEvent {
  /** Seconds from the song's start. */
  at: number;
  /** A complete MIDI message (or several), as on the wire. */
  bytes: number[];
  /** The marker it was placed at, if any. */
  marker?: string;
}

/** What MIDI out plays for a song: its clock's tempo map and its timed messages. */
export interface SongMidi {
  tempo: TempoSegment[];
  events: MidiEvent[];
}

const PLACE_KEYS = ["at", "marker"];
/** The latest an event may be, and the longest a note (seconds: a day). Frames past it would
 * not fit the engine's 64-bit frame counts once converted; no song is that long. */
export const MAX_EVENT_SECONDS = 86_400;
const MESSAGE_KEYS = ["program", "cc", "note", "bytes"];
const EVENT_KEYS = [
  ...PLACE_KEYS,
  ...MESSAGE_KEYS,
  "bank",
  "value",
  "velocity",
  "duration",
  "channel",
];
/** Which extra keys each message takes (beyond the place and `channel`). */
const MESSAGE_EXTRAS: Record<string, string[]> = {
  program: ["bank"],
  cc: ["value"],
  note: ["velocity", "duration"],
  bytes: [],
};

function shown(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

function integer(fail: Fail, key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(key, `must be a whole number from ${min} to ${max}, got ${shown(value)}`);
  }
  return value;
}

/** Length of the message starting with status byte `status` (0: SysEx, up to 0xF7; -1: not a
 * status byte that may be sent). */
function messageLength(status: number): number {
  if (status >= 0x80 && status < 0xf0) {
    return (status & 0xf0) === 0xc0 || (status & 0xf0) === 0xd0 ? 2 : 3;
  }
  switch (status) {
    case 0xf0:
      return 0;
    case 0xf1:
    case 0xf3:
      return 2;
    case 0xf2:
      return 3;
    case 0xf6:
    case 0xf8:
    case 0xfa:
    case 0xfb:
    case 0xfc:
    case 0xfe:
    case 0xff:
      return 1;
    default:
      return -1; // data bytes, 0xF4/0xF5/0xF9/0xFD (undefined), a stray 0xF7
  }
}

/**
 * Why `bytes` is not a sequence of complete MIDI messages, or undefined when it is: each
 * starts with a status byte and has its length; a SysEx (0xF0) holds only data bytes and ends
 * with 0xF7. Running status is refused (every message names its status).
 */
export function midiBytesProblem(bytes: readonly number[]): string | undefined {
  if (bytes.length === 0) return "is empty";
  let i = 0;
  while (i < bytes.length) {
    const status = bytes[i];
    const length = messageLength(status);
    if (length < 0) {
      return `byte ${i + 1} (${status}) does not start a MIDI message (a status byte 128–255, ` +
        "not 244, 245, 249, 247 alone or 253)";
    }
    if (length === 0) {
      const end = bytes.indexOf(0xf7, i + 1);
      if (end < 0) return `the SysEx at byte ${i + 1} does not end with 247 (0xF7)`;
      const stray = bytes.slice(i + 1, end).findIndex((b) => b > 127);
      if (stray >= 0) return `byte ${i + 2 + stray} inside a SysEx is above 127`;
      i = end + 1;
      continue;
    }
    if (i + length > bytes.length) {
      return `the message at byte ${i + 1} needs ${length} bytes, only ${bytes.length - i} left`;
    }
    for (let d = 1; d < length; d++) {
      if (bytes[i + d] > 127) return `byte ${i + d + 1} is a data byte and must be 0–127`;
    }
    i += length;
  }
  return undefined;
}

/** Splits valid MIDI bytes (see {@linkcode midiBytesProblem}) into single messages: a JACK
 * MIDI event holds one message. */
export function splitMessages(bytes: readonly number[]): number[][] {
  const messages: number[][] = [];
  for (let i = 0; i < bytes.length;) {
    const length = messageLength(bytes[i]);
    const end = length === 0 ? bytes.indexOf(0xf7, i + 1) + 1 : i + Math.max(1, length);
    messages.push(bytes.slice(i, end));
    i = end;
  }
  return messages;
}

function place(
  entry: Record<string, unknown>,
  key: string,
  markers: readonly Marker[],
  fail: Fail,
): { at: number; marker?: string } {
  const given = PLACE_KEYS.filter((name) => entry[name] !== undefined);
  if (given.length !== 1) {
    fail(key, 'needs one place: "at": "start", "at": <seconds> or "marker": "<name>"');
  }
  if (entry.marker !== undefined) {
    const name = entry.marker;
    const marker = markers.find((m) => m.name === name);
    if (typeof name !== "string" || !marker) {
      const names = markers.map((m) => JSON.stringify(m.name)).join(", ") || "none";
      fail(`${key}.marker`, `must name a marker of the song (${names}), got ${shown(name)}`);
    }
    return { at: marker.at, marker: name };
  }
  if (entry.at === "start") return { at: 0 };
  if (
    typeof entry.at !== "number" || !Number.isFinite(entry.at) || entry.at < 0 ||
    entry.at > MAX_EVENT_SECONDS
  ) {
    fail(
      `${key}.at`,
      `must be "start" or seconds from 0 to ${MAX_EVENT_SECONDS}, got ${shown(entry.at)}`,
    );
  }
  return { at: entry.at };
}

/**
 * Checks `"midiEvents"` (undefined: none) against the song's markers and turns it into timed
 * messages in time order (a note gives two: on, and off after its duration). Errors go through
 * `fail` with the key path (`midiEvents[2].channel`, counted from 1) and the problem.
 */
export function parseMidiEvents(
  value: unknown,
  markers: readonly Marker[],
  fail: Fail,
  key = "midiEvents",
): MidiEvent[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(key, "must be an array of events { at | marker, ... }");
  const events: MidiEvent[] = [];
  value.forEach((raw, index) => {
    const path = `${key}[${index + 1}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      fail(path, "must be an object { at | marker, program | cc | note | bytes, ... }");
    }
    const entry = raw as Record<string, unknown>;
    for (const name of Object.keys(entry)) {
      if (!EVENT_KEYS.includes(name)) {
        fail(`${path}.${name}`, `is not a known key (${EVENT_KEYS.join(", ")})`);
      }
    }
    const { at, marker } = place(entry, path, markers, fail);
    const kinds = MESSAGE_KEYS.filter((name) => entry[name] !== undefined);
    if (kinds.length !== 1) {
      fail(
        path,
        `needs one message: program, cc, note or bytes (got ${kinds.join(", ") || "none"})`,
      );
    }
    const kind = kinds[0];
    for (const name of ["bank", "value", "velocity", "duration"]) {
      if (entry[name] !== undefined && !MESSAGE_EXTRAS[kind].includes(name)) {
        fail(`${path}.${name}`, `does not go with "${kind}"`);
      }
    }
    const add = (seconds: number, bytes: number[]) => events.push({ at: seconds, bytes, marker });
    if (kind === "bytes") {
      if (entry.channel !== undefined) fail(`${path}.channel`, 'does not go with "bytes"');
      const bytes = entry.bytes;
      if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
        fail(`${path}.bytes`, "must be an array of bytes (whole numbers 0–255)");
      }
      const problem = midiBytesProblem(bytes);
      if (problem) fail(`${path}.bytes`, `is not valid MIDI: ${problem}`);
      add(at, [...bytes]);
      return;
    }
    if (entry.channel === undefined) fail(`${path}.channel`, "is missing (1–16)");
    const channel = integer(fail, `${path}.channel`, entry.channel, 1, 16) - 1;
    if (kind === "program") {
      const program = integer(fail, `${path}.program`, entry.program, 0, 127);
      const bytes: number[] = [];
      if (entry.bank !== undefined) {
        const bank = integer(fail, `${path}.bank`, entry.bank, 0, 16383);
        bytes.push(0xb0 | channel, 0, bank >> 7, 0xb0 | channel, 32, bank & 127);
      }
      add(at, [...bytes, 0xc0 | channel, program]);
    } else if (kind === "cc") {
      const controller = integer(fail, `${path}.cc`, entry.cc, 0, 127);
      if (entry.value === undefined) fail(`${path}.value`, "is missing (0–127)");
      const cc = integer(fail, `${path}.value`, entry.value, 0, 127);
      add(at, [0xb0 | channel, controller, cc]);
    } else {
      const note = integer(fail, `${path}.note`, entry.note, 0, 127);
      const velocity = entry.velocity === undefined
        ? 100
        : integer(fail, `${path}.velocity`, entry.velocity, 1, 127);
      const duration = entry.duration;
      if (
        typeof duration !== "number" || !Number.isFinite(duration) || duration <= 0 ||
        duration > MAX_EVENT_SECONDS
      ) {
        fail(
          `${path}.duration`,
          `must be seconds above 0, at most ${MAX_EVENT_SECONDS}, got ${shown(duration)}`,
        );
      }
      add(at, [0x90 | channel, note, velocity]);
      add(at + duration, [0x80 | channel, note, 0]);
    }
  });
  // Stable: events at one time keep their order in the file.
  return events.sort((a, b) => a.at - b.at);
}

/** {@linkcode parseMidiEvents} for the manifest's checker: records the first problem of
 * `"midiEvents"` (later entries are not checked after it) and returns what is valid. */
export function checkMidiEvents(
  check: KeyPathChecker,
  value: unknown,
  markers: readonly Marker[],
  key = "midiEvents",
): MidiEvent[] {
  const stop = Symbol("midiEvents problem");
  try {
    return parseMidiEvents(value, markers, (path, problem) => {
      check.fail(path, problem);
      throw stop;
    }, key);
  } catch (error) {
    if (error === stop) return [];
    throw error;
  }
}

/** Whether a track's file is a MIDI-file track (by its extension). */
export function isMidiFile(file: string): boolean {
  return MIDI_FILE_EXTENSIONS.includes(extname(file).toLowerCase());
}

/** What MIDI out plays for a song: its `midiEvents` and the messages of its MIDI files. */
export async function songMidi(
  description: { tempo: TempoSegment[]; midiEvents?: MidiEvent[]; midiFiles?: string[] },
): Promise<SongMidi> {
  const files = await Promise.all((description.midiFiles ?? []).map(readMidiTrack));
  return { tempo: description.tempo, events: [...(description.midiEvents ?? []), ...files.flat()] };
}
