/**
 * MIDI learn: turning "this action, this pedal" into a mapping entry, and saving the mapping
 * into the settings file (stemplay.json) with everything else in it kept.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { MidiAction, MidiMapEntry } from "./midi_map.ts";
import type { MidiMessage } from "./midi_message.ts";
import { formatJson } from "../util/json_format.ts";
import { writeTextAtomic } from "../util/write_atomic.ts";

/** Actions with no field but `type` are saved by their name, as a person writes them. */
function compact(action: MidiAction): string | MidiAction {
  return Object.keys(action).length === 1 ? action.type : action;
}

/**
 * The entry that maps `message` (as the pedal sent it) to `action`, on the message's channel.
 * A CC learns the half its value was in: a press (64-127) fires on entering 64-127, a message
 * below 64 on entering 0-63.
 */
export function learnedEntry(message: MidiMessage, action: MidiAction): MidiMapEntry {
  const saved = compact(action);
  switch (message.kind) {
    case "noteOn":
    case "noteOff":
      return { note: message.note, channel: message.channel, action: saved };
    case "cc":
      return message.value >= 64
        ? { cc: message.controller, channel: message.channel, min: 64, action: saved }
        : { cc: message.controller, channel: message.channel, min: 0, max: 63, action: saved };
    case "program":
      return { program: message.program, channel: message.channel, action: saved };
  }
}

/** The same trigger: kind, number, channel (and CC range). */
function sameTrigger(a: MidiMapEntry, b: MidiMapEntry): boolean {
  return a.note === b.note && a.cc === b.cc && a.program === b.program &&
    a.channel === b.channel && a.min === b.min && a.max === b.max;
}

/** `map` with `entry` in it: first, replacing any entry with the same trigger (the first match
 * wins, so a learnt pedal overrides a broader entry such as `"program": "any"`). */
export function withLearned(map: MidiMapEntry[], entry: MidiMapEntry): MidiMapEntry[] {
  return [entry, ...map.filter((other) => !sameTrigger(other, entry))];
}

/**
 * Writes `map` as `midi.map` into the settings file at `path` (created when missing), keeping
 * every other key of the file.
 *
 * @throws {StemplayError} `FILE` when the file cannot be read or written, `SETTINGS` when it is
 *   not a JSON object
 */
export async function saveMidiMap(path: string, map: MidiMapEntry[]): Promise<void> {
  let settings: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new StemplayError("SETTINGS", `${path}: the settings must be a JSON object`, { path });
    }
    settings = parsed;
  } catch (error) {
    if (error instanceof StemplayError) throw error;
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new StemplayError("FILE", `cannot update ${path}: ${(error as Error).message}`, {
        path,
        cause: error,
      });
    }
  }
  const midi = typeof settings.midi === "object" && settings.midi !== null ? settings.midi : {};
  settings.midi = { ...midi, map };
  try {
    // Atomic and readable: a crash never leaves half a settings file, and [1, 2] stays [1, 2].
    await writeTextAtomic(path, formatJson(settings));
  } catch (error) {
    throw new StemplayError("FILE", `cannot write ${path}: ${(error as Error).message}`, {
      path,
      cause: error,
    });
  }
}
