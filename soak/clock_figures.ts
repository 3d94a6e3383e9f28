/**
 * The MIDI clock soak's figures, from one real-time capture (native/tests/jack_capture.c) of the
 * engine's audio (a ramp song: every sample names its song frame) and its MIDI out on one
 * timeline, with the server's frame counter per period:
 *
 * - jitter against the server's frames (what `jack_midi_dump -a` measures): |frame − round(ideal
 *   frame)|, the ideal counted from Start and from each Song Position Pointer;
 * - the same against the capture's own frames (the cycles that ran);
 * - each tick's offset from the audio it belongs to: the song frame playing at the tick's
 *   capture frame against the tick's own song frame round(k × tick), k counted from Start (0)
 *   or from the last Song Position Pointer (6 per sixteenth): a tick on the song's tick grid
 *   but not on its own tick (one dropped, or a pointer naming another place) is off by whole
 *   ticks, not 0. (So the soak's jumps go to bar lines, where a pointer is exact);
 * - how far the engine's audio moved on the server's clock between two pointers (a cycle the
 *   graph did not run moves audio and clock together).
 *
 * @module
 */

import {
  type CapturedEvent,
  type CaptureStamp,
  rampFrameAt,
} from "../tests/support/jack_capture.ts";

/** One MIDI event on both clocks: the capture's frame and the server's. */
export interface ClockEvent {
  /** Frame of the capture's timeline (counted over the cycles that ran). */
  at: number;
  /** The server's frame (jack_last_frame_time of the event's period + its offset). */
  server: number;
  status: number;
  /** A Song Position Pointer's position (sixteenths from the first downbeat). */
  position?: number;
}

/** Puts each captured event on the server's clock too, by the stamp of its period. */
export function onServerClock(events: CapturedEvent[], stamps: CaptureStamp[]): ClockEvent[] {
  const placed: ClockEvent[] = [];
  let s = 0;
  for (const event of events) {
    while (s + 1 < stamps.length && stamps[s + 1].frame <= event.at) s++;
    const stamp = stamps[s];
    if (!stamp || stamp.frame > event.at) continue;
    const status = event.bytes[0];
    placed.push({
      at: event.at,
      server: stamp.jackFrame + (event.at - stamp.frame),
      status,
      ...(status === 0xf2 ? { position: (event.bytes[1] ?? 0) | (event.bytes[2] ?? 0) << 7 } : {}),
    });
  }
  return placed;
}

/** Jitter of each tick against round(ideal), ideal counted from Start or the last pointer, on
 * the clock `frameOf` reads. */
export function clockJitter<T extends { status: number }>(
  events: readonly T[],
  frameOf: (event: T) => number,
  tick: number,
): number[] {
  const jitter: number[] = [];
  let origin = -1, count = 0;
  for (const event of events) {
    if (event.status === 0xfa || event.status === 0xf2 || event.status === 0xfc) origin = -1;
    if (event.status !== 0xf8) continue;
    const at = frameOf(event);
    if (origin < 0) [origin, count] = [at, 0];
    jitter.push(Math.abs(at - Math.round(origin + count * tick)));
    count++;
  }
  return jitter;
}

/** Each tick's offset (frames) from its audio: the song frame the ramp plays at the tick's
 * capture frame, minus the tick's own song frame round(k × tick), k counted from Start (0) or
 * the last Song Position Pointer (6 × its sixteenths). Ticks before either are not counted (a
 * caller checks how many were); ticks inside a jump's crossfade (no clean ramp there) are
 * left out. */
export function audioOffsets(events: readonly ClockEvent[], audio: Float32Array, tick: number) {
  const offsets: number[] = [];
  let next: number | undefined; // the song tick the next clock tick is
  for (const event of events) {
    if (event.status === 0xfa) next = 0;
    if (event.status === 0xf2) next = 6 * (event.position ?? NaN);
    if (event.status !== 0xf8 || next === undefined) continue;
    const k = next++;
    const song = rampFrameAt(audio, event.at);
    if (song === undefined) continue;
    offsets.push(song - Math.round(k * tick));
  }
  return offsets;
}

/** How far the audio moved on the server's clock within each stretch between pointers: for
 * every tick with clean audio, (server frame − song frame) minus that of the stretch's first
 * such tick. 0 everywhere: the audio kept the server's time; a period: a missed cycle. */
export function audioDrift(events: readonly ClockEvent[], audio: Float32Array): number[] {
  const drift: number[] = [];
  let base: number | undefined;
  for (const event of events) {
    if (event.status === 0xfa || event.status === 0xf2 || event.status === 0xfc) base = undefined;
    if (event.status !== 0xf8) continue;
    const song = rampFrameAt(audio, event.at);
    if (song === undefined) continue;
    base ??= event.server - song;
    drift.push(event.server - song - base);
  }
  return drift;
}

/** The periods in which the server's frame counter moved on by more than the capture recorded
 * since the period before: cycles the graph (or the capture) did not run. */
export function missedCycles(stamps: readonly CaptureStamp[]): number {
  let missed = 0;
  for (let i = 1; i < stamps.length; i++) {
    const recorded = stamps[i].frame - stamps[i - 1].frame;
    if (stamps[i].jackFrame - stamps[i - 1].jackFrame > recorded) missed++;
  }
  return missed;
}

/** "p99 P, max M, N off" of a list of frame counts (absolute values). */
export function summary(values: readonly number[]): string {
  const sorted = values.map(Math.abs).sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  return `p99 ${p99}, max ${sorted.at(-1) ?? 0} frames, ${sorted.filter((v) => v > 0).length} off`;
}
