/**
 * Parsing the MIDI messages a foot controller sends: note on/off, control change and program
 * change, each with its channel (1-16). The native input (native/midi_in.c) has already skipped
 * SysEx, system messages and malformed ones; here the other channel voice messages (pitch bend,
 * aftertouch) are recognised and reported as unknown, so they can be counted and ignored.
 *
 * @module
 */

/** A parsed MIDI message. `channel` counts from 1. */
export type MidiMessage =
  | { kind: "noteOn"; channel: number; note: number; velocity: number }
  | { kind: "noteOff"; channel: number; note: number; velocity: number }
  | { kind: "cc"; channel: number; controller: number; value: number }
  | { kind: "program"; channel: number; program: number };

/**
 * Parses one raw message. A note on with velocity 0 is a note off (running-status senders
 * use it so). Returns undefined for anything else: other channel messages, system messages,
 * wrong lengths, data bytes out of range.
 */
export function parseMidi(bytes: ArrayLike<number>): MidiMessage | undefined {
  const status = bytes[0];
  if (bytes.length < 2 || status < 0x80 || status >= 0xf0) return undefined;
  for (let i = 1; i < bytes.length; i++) if (!(bytes[i] >= 0 && bytes[i] < 0x80)) return undefined;
  const channel = (status & 0x0f) + 1;
  switch (status & 0xf0) {
    case 0x80:
    case 0x90: {
      if (bytes.length !== 3) return undefined;
      const [note, velocity] = [bytes[1], bytes[2]];
      const on = (status & 0xf0) === 0x90 && velocity > 0;
      return { kind: on ? "noteOn" : "noteOff", channel, note, velocity };
    }
    case 0xb0:
      if (bytes.length !== 3) return undefined;
      return { kind: "cc", channel, controller: bytes[1], value: bytes[2] };
    case 0xc0:
      if (bytes.length !== 2) return undefined;
      return { kind: "program", channel, program: bytes[1] };
    default:
      return undefined;
  }
}

/** A message as a short text, for logs and the learn mode ("note 60 ch 1"). */
export function describeMidi(message: MidiMessage): string {
  switch (message.kind) {
    case "noteOn":
      return `note ${message.note} on, ch ${message.channel}`;
    case "noteOff":
      return `note ${message.note} off, ch ${message.channel}`;
    case "cc":
      return `cc ${message.controller} = ${message.value}, ch ${message.channel}`;
    case "program":
      return `program ${message.program}, ch ${message.channel}`;
  }
}
