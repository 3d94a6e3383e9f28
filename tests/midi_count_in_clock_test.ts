/**
 * The count-in's clock map (src/control/midi_count_in.ts) is numbered as its song's ticks, so
 * the audio thread knows where the count-in hands over (native/midi_out.h): tick 0 from the
 * top, the marker's tick from a marker, a negative tick into a pickup.
 */
import assert from "node:assert/strict";
import { countInClock } from "../src/control/midi_count_in.ts";
import { clockSegments } from "../src/control/midi_out.ts";

const RATE = 48000;
const TICK = 60 / 120 / 24; // 1,000 frames at 48 kHz

Deno.test("countInClock: from the top, tick 0 at the hand-over", () => {
  const song = clockSegments([{ at: 0, tempo: 120, timeSignature: [4, 4] }]);
  assert.deepEqual([...countInClock(song, 0, 96000, RATE)], [2, TICK, 0]);
});

Deno.test("countInClock: from a marker at 2 s (tick 96), the count-in counts up to tick 96", () => {
  const song = clockSegments([{ at: 0, tempo: 120, timeSignature: [4, 4] }]);
  assert.deepEqual([...countInClock(song, 96000, 96000, RATE)], [2, TICK, 96]);
});

Deno.test("countInClock: into a one-beat pickup, the song's tick -24 at the hand-over", () => {
  const song = clockSegments([{ at: 0.5, tempo: 120, timeSignature: [4, 4] }]);
  assert.deepEqual([...countInClock(song, 0, 72000, RATE)], [1.5, TICK, -24]);
});

Deno.test("countInClock: after a tempo change, the song's tick counts every segment before", () => {
  // 120 bpm for 4 s (192 ticks), then 60 bpm: a marker at 6 s is tick 192 + 48 = 240.
  const song = clockSegments([
    { at: 0, tempo: 120, timeSignature: [4, 4] },
    { at: 4, tempo: 60, timeSignature: [4, 4] },
  ]);
  assert.deepEqual([...countInClock(song, 6 * RATE, 4 * RATE, RATE)], [4, 1 / 24, 240]);
});

Deno.test("countInClock: from just before a tempo change off the old grid, the song's next tick is the new segment's first", () => {
  // 120 bpm, then 60 bpm from 4.01 s (between two ticks of the old grid): the song numbers
  // its ticks by segment (native/rt/midi_out_rt.c), so tick 192 is at 4.01 s, and from 4.005 s
  // the first tick is 192 there, 5 ms (240 frames) after the count-in's hand-over. Before, the
  // old grid's next tick (4.0208 s) was taken and numbered 193: the song's first block sent
  // tick 192 again at 4.01 s, after the count-in had sent its "192".
  const song = clockSegments([
    { at: 0, tempo: 120, timeSignature: [4, 4] },
    { at: 4.01, tempo: 60, timeSignature: [4, 4] },
  ]);
  assert.equal(song[5], 192);
  const [at, tickSeconds, firstTick] = countInClock(song, 4.005 * RATE, 2 * RATE, RATE);
  assert.equal(firstTick, 192);
  assert.equal(Math.round(at * RATE), 2 * RATE + 240);
  assert.equal(tickSeconds, TICK, "the count-in keeps the tempo it counts in");
});
