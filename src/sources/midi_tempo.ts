/**
 * The tempo map and markers of a Standard MIDI File, as a DAW exports them, in song.json's
 * shape (parsed with the npm package midi-file). The file's tick 0 is taken as the first
 * downbeat (`firstBeat` 0). SMF tempos count quarter notes; song.json's `tempo` counts the time
 * signature's unit, so a 6/8 bar at 60 quarters a minute is `"tempo": 120` (eighths).
 * Times are counted in microseconds from the tempo events, so they are exact to the file.
 * Markers are the marker (FF 06) and cue point (FF 07) events of every track.
 *
 * @module
 */

// Inline and pinned (root deno.lock), as the other runtime npm packages: a user importing
// mod.ts by URL does not see our import map.
// deno-lint-ignore no-import-prefix
import { type MidiEvent, parseMidi } from "npm:midi-file@1.2.4";
import { StemplayError } from "../errors.ts";
import type { Marker } from "../model/marker.ts";

/** One tempo change after the first, in song.json's `tempoMap` shape. */
export interface MidiTempoChange {
  /** Seconds from the start. */
  at: number;
  /** Beats of the time signature's unit a minute. */
  tempo: number;
  /** [beats per bar, beat unit]. */
  timeSignature: [number, number];
}

/** What {@linkcode readMidiTempoMap} finds, as song.json keys. */
export interface MidiTempoMap {
  /** The tempo at the start, counting the time signature's unit. */
  tempo: number;
  /** The time signature at the start (4/4 when the file has none). */
  timeSignature: [number, number];
  /** Always 0: the file's start is its first downbeat. */
  firstBeat: number;
  /** Every later change of tempo or time signature, in time order. */
  tempoMap: MidiTempoChange[];
  /** The markers and cue points of every track, in time order. */
  markers: Marker[];
}

interface TimedEvent {
  tick: number;
  order: number;
  event: MidiEvent;
}

const DEFAULT_QUARTER_MICROS = 500_000; // 120 quarters a minute, as the SMF standard says

/** A DECODE error naming the file. */
export function decodeError(path: string, why: string, cause?: unknown): StemplayError {
  return new StemplayError("DECODE", `${path} is not a Standard MIDI File we can read: ${why}`, {
    path,
    cause,
  });
}

/** What is wrong with the file's chunk layout (midi-file reads a cut-short file without
 * complaint), or undefined: an MThd header of 6 bytes, then whole chunks, at least one MTrk. */
export function smfShapeProblem(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 14 || id(0) !== "MThd" || view.getUint32(4) !== 6) {
    return "it does not start with a 6-byte MThd header";
  }
  let tracks = 0;
  for (let at = 14; at < bytes.length;) {
    if (at + 8 > bytes.length) return `a chunk header is cut short at byte ${at}`;
    const length = view.getUint32(at + 4);
    if (at + 8 + length > bytes.length) return `the ${id(at)} chunk at byte ${at} is cut short`;
    if (id(at) === "MTrk") tracks++;
    at += 8 + length;
  }
  return tracks === 0 ? "it has no MTrk track" : undefined;
}

/**
 * Reads and parses a Standard MIDI File, checking its chunk layout first (midi-file reads a
 * cut-short file without complaint).
 *
 * @throws {StemplayError} `FILE_NOT_FOUND` or `PERMISSION` when it cannot be read; `DECODE`
 *   when it is not a Standard MIDI File
 */
export async function readMidiFile(path: string): Promise<ReturnType<typeof parseMidi>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    const code = error instanceof Deno.errors.NotFound ? "FILE_NOT_FOUND" : "PERMISSION";
    throw new StemplayError(code, `cannot read ${path}: ${(error as Error).message}`, {
      path,
      cause: error,
    });
  }
  const problem = smfShapeProblem(bytes);
  if (problem) throw decodeError(path, problem);
  let midi: ReturnType<typeof parseMidi>;
  try {
    midi = parseMidi(bytes);
  } catch (error) {
    throw decodeError(path, String(error instanceof Error ? error.message : error), error);
  }
  return midi;
}

/**
 * Reads a Standard MIDI File's tempo map and markers.
 *
 * @param path the .mid file
 * @throws {StemplayError} `FILE_NOT_FOUND` or `PERMISSION` when it cannot be read; `DECODE`
 *   when it is not a Standard MIDI File, or its time is in SMPTE frames instead of beats
 */
export async function readMidiTempoMap(path: string): Promise<MidiTempoMap> {
  const midi = await readMidiFile(path);
  const division = midi.header.ticksPerBeat;
  if (!division) throw decodeError(path, "its time is in SMPTE frames, not beats");
  // Every event of every track on one timeline; ties keep file order.
  const events: TimedEvent[] = [];
  for (const track of midi.tracks) {
    let tick = 0;
    for (const event of track) {
      tick += event.deltaTime;
      events.push({ tick, order: events.length, event });
    }
  }
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);

  let quarterMicros = DEFAULT_QUARTER_MICROS;
  let signature: [number, number] = [4, 4];
  let lastTick = 0;
  let micros = 0; // at lastTick
  const changes: {
    tick: number;
    at: number;
    quarterMicros: number;
    signature: [number, number];
  }[] = [{ tick: 0, at: 0, quarterMicros, signature }];
  const markers: Marker[] = [];
  for (const { tick, event } of events) {
    micros += (tick - lastTick) * quarterMicros / division;
    lastTick = tick;
    if (event.type === "setTempo") quarterMicros = event.microsecondsPerBeat;
    else if (event.type === "timeSignature") signature = [event.numerator, event.denominator];
    else if (event.type === "marker" || event.type === "cuePoint") {
      markers.push({
        name: String(event.text).trim() || `Marker ${markers.length + 1}`,
        at: micros / 1e6,
      });
      continue;
    } else continue;
    // Changes on one tick merge into one entry.
    const last = changes.at(-1)!;
    const change = { tick, at: micros / 1e6, quarterMicros, signature };
    if (last.tick === tick) changes[changes.length - 1] = change;
    else changes.push(change);
  }
  const tempoOf = (change: (typeof changes)[number]) =>
    60_000_000 / change.quarterMicros * (change.signature[1] / 4);
  const [first, ...rest] = changes;
  // A change that alters nothing (a repeated tempo event) is left out.
  const tempoMap: MidiTempoChange[] = [];
  let previous = first;
  for (const change of rest) {
    if (
      change.quarterMicros === previous.quarterMicros &&
      change.signature[0] === previous.signature[0] && change.signature[1] === previous.signature[1]
    ) continue;
    tempoMap.push({ at: change.at, tempo: tempoOf(change), timeSignature: change.signature });
    previous = change;
  }
  return {
    tempo: tempoOf(first),
    timeSignature: first.signature,
    firstBeat: 0,
    tempoMap,
    markers,
  };
}
