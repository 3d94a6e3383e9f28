/**
 * A MIDI-file track: the channel messages and SysEx of a Standard MIDI File (every track of
 * it, merged), timed in seconds from the file's start through its own tempo events, for MIDI
 * out to play in sync with the song (parsed with the npm package midi-file, like the tempo
 * import in midi_tempo.ts). Meta events (tempo, markers, text) are not sent. A file timed in
 * SMPTE frames instead of beats is refused (`DECODE`), not converted.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import type { MidiEvent } from "npm:midi-file@1.2.4";
import { decodeError, readMidiFile } from "./midi_tempo.ts";

/** One message of a MIDI-file track: seconds from the file's start and its wire bytes. */
export interface MidiFileMessage {
  at: number;
  bytes: number[];
}

/** File names that make a track a MIDI-file track (compared in lower case). */
export const MIDI_FILE_EXTENSIONS: readonly string[] = [".mid", ".midi", ".smf"];

const DEFAULT_QUARTER_MICROS = 500_000;

/** The wire bytes of a channel message or SysEx, or undefined for a meta event. */
function wireBytes(event: MidiEvent): number[] | undefined {
  const channel = "channel" in event ? (event.channel as number) & 15 : 0;
  switch (event.type) {
    case "noteOn":
      return [0x90 | channel, event.noteNumber, event.velocity];
    case "noteOff":
      return [0x80 | channel, event.noteNumber, event.velocity];
    case "noteAftertouch":
      return [0xa0 | channel, event.noteNumber, event.amount];
    case "controller":
      return [0xb0 | channel, event.controllerType, event.value];
    case "programChange":
      return [0xc0 | channel, event.programNumber];
    case "channelAftertouch":
      return [0xd0 | channel, event.amount];
    case "pitchBend": {
      const value = event.value + 8192;
      return [0xe0 | channel, value & 127, value >> 7];
    }
    case "sysEx": {
      const data = Array.from(event.data);
      // The file stores what follows F0, usually ending with F7.
      return data.at(-1) === 0xf7 ? [0xf0, ...data] : [0xf0, ...data, 0xf7];
    }
    default:
      return undefined;
  }
}

/**
 * Reads a Standard MIDI File as timed messages, in time order (ties in file order).
 *
 * @throws {StemplayError} `FILE_NOT_FOUND` or `PERMISSION` when it cannot be read; `DECODE`
 *   when it is not a Standard MIDI File, or is timed in SMPTE frames
 */
export async function readMidiTrack(path: string): Promise<MidiFileMessage[]> {
  const midi = await readMidiFile(path);
  const division = midi.header.ticksPerBeat;
  if (!division) {
    throw decodeError(path, "its time is in SMPTE frames, not beats (export it with beats)");
  }
  const events: { tick: number; order: number; event: MidiEvent }[] = [];
  for (const track of midi.tracks) {
    let tick = 0;
    for (const event of track) {
      tick += event.deltaTime;
      events.push({ tick, order: events.length, event });
    }
  }
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  let quarterMicros = DEFAULT_QUARTER_MICROS;
  let lastTick = 0;
  let micros = 0;
  const messages: MidiFileMessage[] = [];
  for (const { tick, event } of events) {
    micros += (tick - lastTick) * quarterMicros / division;
    lastTick = tick;
    if (event.type === "setTempo") quarterMicros = event.microsecondsPerBeat;
    const wire = wireBytes(event);
    if (wire) messages.push({ at: micros / 1e6, bytes: wire });
  }
  return messages;
}
