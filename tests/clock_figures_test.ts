/**
 * The MIDI clock soak's figures (soak/clock_figures.ts) must fail a clock that is wrong: a tick
 * on the song's tick grid but not on its own tick (one dropped, or a Song Position Pointer that
 * names another place than the ticks after it play) is an offset from its audio, not 0.
 */
import assert from "node:assert/strict";
import { audioOffsets, type ClockEvent } from "../soak/clock_figures.ts";
import { rampSamples } from "./support/jack_capture.ts";

const TICK = 48000 * 60 / (72 * 24); // 1,666.67 frames
const JUMP_AT = 20000; // the capture frame where the audio jumps
const TO_TICK = 24; // to the song's tick 24 (sixteenth 4), a bar at 4/4

/** A capture: the song from its start, then from TO_TICK's frame on at JUMP_AT. */
function audio(): Float32Array {
  const ramp = rampSamples(200000);
  const jumpedTo = Math.round(TO_TICK * TICK);
  const captured = new Float32Array(JUMP_AT * 2);
  captured.set(ramp.subarray(0, JUMP_AT));
  captured.set(ramp.subarray(jumpedTo, jumpedTo + JUMP_AT), JUMP_AT);
  return captured;
}

/** The capture frame where song tick k plays, in the stretch before the jump or after it. */
function frameOfTick(k: number, afterJump: boolean): number {
  const song = Math.round(k * TICK);
  return afterJump ? JUMP_AT + song - Math.round(TO_TICK * TICK) : song;
}

function event(at: number, status: number, position?: number): ClockEvent {
  return { at, server: at, status, ...(position === undefined ? {} : { position }) };
}

/** Start, ticks `before`, the pointer (naming `pointer` sixteenths) on the jump, ticks `after`. */
function clock(before: number[], pointer: number, after: number[]): ClockEvent[] {
  return [
    event(0, 0xfa),
    ...before.map((k) => event(frameOfTick(k, false), 0xf8)),
    event(JUMP_AT, 0xf2, pointer),
    ...after.map((k) => event(frameOfTick(k, true), 0xf8)),
  ];
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

Deno.test("clock figures: a right clock is 0 frames from its audio, tick by tick", () => {
  const offsets = audioOffsets(clock(range(0, 12), 4, range(24, 36)), audio(), TICK);
  assert.equal(offsets.length, 24, "every tick has clean audio");
  assert.deepEqual(offsets.filter((o) => o !== 0), []);
});

Deno.test("clock figures: a dropped tick shows as an offset of the ticks after it", () => {
  const before = range(0, 12).filter((k) => k !== 5);
  const offsets = audioOffsets(clock(before, 4, range(24, 36)), audio(), TICK);
  // Ticks 6…11 are counted as 5…10 from Start: each a tick late for its count.
  assert.equal(offsets.filter((o) => o !== 0).length, 6, JSON.stringify(offsets));
  assert.ok(offsets.every((o) => o === 0 || Math.abs(Math.abs(o) - TICK) <= 1));
});

Deno.test("clock figures: a pointer that names another place than its ticks play is off", () => {
  // The pointer says sixteenth 5 (tick 30); the ticks after it play the audio of ticks 24…35.
  const offsets = audioOffsets(clock(range(0, 12), 5, range(24, 36)), audio(), TICK);
  assert.equal(offsets.filter((o) => o !== 0).length, 12, JSON.stringify(offsets));
});

Deno.test("clock figures: ticks before any Start or pointer are not counted as on time", () => {
  const events = [event(frameOfTick(1, false), 0xf8), event(frameOfTick(2, false), 0xf8)];
  assert.deepEqual(audioOffsets(events, audio(), TICK), []);
});
