/**
 * A MIDI message in words, as the screens show the last one MIDI out sent: "program 5 ch 1",
 * "cc 64 = 127 ch 1", "note 60 on ch 10", "note 60 off ch 10", "sysex (6 bytes)". Numbers are
 * as on the wire (program 5 is the sixth patch), channels count from 1, as in song.json.
 *
 * @module
 */

import { formatMidiBytes } from "./midi_out.ts";

/** The message whose first bytes are `bytes`, in words (unknown kinds in hex). */
export function describeMidi(bytes: readonly number[]): string {
  const [status = 0, a = 0, b = 0] = bytes;
  const channel = `ch ${(status & 15) + 1}`;
  switch (status & 0xf0) {
    case 0x80:
      return `note ${a} off ${channel}`;
    case 0x90:
      return `note ${a} ${b === 0 ? "off" : "on"} ${channel}`;
    case 0xb0:
      return `cc ${a} = ${b} ${channel}`;
    case 0xc0:
      return `program ${a} ${channel}`;
    case 0xe0:
      return `pitch bend ${((b << 7) | a) - 8192} ${channel}`;
  }
  if (status === 0xf0) return "sysex";
  return formatMidiBytes(bytes);
}

/** Seconds as the screens show a song time: "0:00.0", "3:07.5". */
export function songTime(seconds: number): string {
  const tenths = Math.max(0, Math.floor(seconds * 10 + 1e-6));
  const minutes = Math.floor(tenths / 600);
  const rest = (tenths % 600) / 10;
  return `${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
}

/** "program 5 ch 1 at 0:00.0": the last message sent and where in the song it belongs. */
export function lastSentWords(bytes: readonly number[], atSeconds?: number): string {
  const words = describeMidi(bytes);
  return atSeconds === undefined ? words : `${words} at ${songTime(atSeconds)}`;
}
