/**
 * Debouncing MIDI presses. A foot switch's contact bounces: one press can reach us as two
 * note-ons a millisecond or two apart, and a doubled `next` skips a song. So the same message
 * (kind, channel and note, controller or program; not the velocity or value) from the same
 * input within `MIDI_DEBOUNCE_MS` of the press it repeats is the same press. Different
 * messages, and presses from other surfaces, are never merged.
 *
 * @module
 */

import type { MidiMessage } from "./midi_message.ts";

/** Two presses of the same message from one input closer than this are one press. */
export const MIDI_DEBOUNCE_MS = 50;

/** What identifies a press, apart from how hard it was made. */
function pressKey(message: MidiMessage): string {
  switch (message.kind) {
    case "noteOn":
    case "noteOff":
      return `${message.kind} ${message.channel} ${message.note}`;
    case "cc":
      return `cc ${message.channel} ${message.controller}`;
    case "program":
      return `program ${message.channel} ${message.program}`;
  }
}

/** The debounce of one MIDI input (one source). */
export class MidiDebounce {
  /** Each message's last accepted press, in ns of the input's clock. */
  #lastPress = new Map<string, bigint>();

  /**
   * Whether `message`, received at `timeNs` (the input's clock), is a new press; false for a
   * bounce of the press accepted before it. A bounce does not extend the window: a held
   * chatter still gives one press per `MIDI_DEBOUNCE_MS`.
   */
  accept(message: MidiMessage, timeNs: bigint): boolean {
    const key = pressKey(message);
    const last = this.#lastPress.get(key);
    if (last !== undefined && timeNs - last < BigInt(MIDI_DEBOUNCE_MS * 1e6)) return false;
    this.#lastPress.set(key, timeNs);
    return true;
  }
}
