/**
 * segmentBeats keeps each segment's spacings sorted as they come (for speed: detectTempo of a
 * 4-minute click spent 40–70 ms here re-sorting them at every beat). Its segments must be the
 * ones the plain definition gives, here written out as the oracle: the median and the median
 * distance from it of the segment's spacings so far, from a full sort at every beat.
 */
import assert from "node:assert/strict";
import { segmentBeats, type TrackedBeat } from "../src/sources/beat_fit.ts";

function deviatesByDefinition(gaps: number[], beats: TrackedBeat[], i: number): boolean {
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const spread = sorted.map((g) => Math.abs(g - median)).sort((a, b) => a - b)[
    Math.floor(sorted.length / 2)
  ];
  const allowed = Math.max(0.002 * median, 4 * spread);
  let side = 0;
  for (let k = i; k < i + 3; k++) {
    if (k >= beats.length) return false;
    const difference = beats[k].time - beats[k - 1].time - median;
    if (Math.abs(difference) <= allowed) return false;
    const sign = Math.sign(difference);
    if (side !== 0 && sign !== side) return false;
    side = sign;
  }
  return true;
}

/** Where the plain definition splits the beats: each segment's first and last index. */
function splitsByDefinition(beats: TrackedBeat[]): [number, number][] {
  const splits: [number, number][] = [];
  let start = 0;
  while (start < beats.length - 1) {
    let end = beats.length;
    const gaps: number[] = [];
    for (let i = start + 1; i < beats.length; i++) {
      if (gaps.length >= 4 && deviatesByDefinition(gaps, beats, i)) {
        end = i;
        break;
      }
      gaps.push(beats[i].time - beats[i - 1].time);
    }
    splits.push([start, end - 1]);
    start = end < beats.length ? end - 1 : end;
  }
  return splits;
}

/** A seeded generator, so a failure can be run again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

Deno.test("segmentBeats: the same segments as the definition, on tempo changes and loose drummers", () => {
  const onset = { time: 0, strength: 1, peak: 1, brightness: 1 };
  let changes = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const next = random(seed);
    const beats: TrackedBeat[] = [];
    let time = next(), period = 0.3 + next() * 0.5;
    const jitter = [0, 0.0005, 0.004, 0.012][seed % 4];
    for (let i = 0; i < 300; i++) {
      if (next() < 0.01) period *= 0.9 + next() * 0.2; // a tempo change
      time += period;
      const heard = next() > 0.1;
      const at = time + (next() - 0.5) * 2 * jitter;
      beats.push(heard ? { time: at, onset: { ...onset, time: at } } : { time: at });
    }
    const segments = segmentBeats(beats);
    const splits: [number, number][] = [];
    let first = 0;
    for (const segment of segments) {
      splits.push([first, first + segment.beats.length - 1]);
      first += segment.beats.length - 1;
    }
    assert.deepEqual(splits, splitsByDefinition(beats), `seed ${seed}`);
    changes += segments.length - 1;
  }
  assert.ok(changes > 10, `tempo changes were found (${changes}): the check compares splits`);
});

Deno.test("segmentBeats: the same segments as the definition on edge cases (none, one, two beats, equal spacings, one odd spacing, a step)", () => {
  const at = (times: number[]): TrackedBeat[] => times.map((time) => ({ time }));
  const even = (n: number, period: number, from = 0) =>
    Array.from({ length: n }, (_, i) => from + i * period);
  const cases: [string, number[]][] = [
    ["no beat", []],
    ["one beat", [1]],
    ["two beats", [1, 1.5]],
    ["five equal spacings", even(6, 0.5)],
    ["equal spacings", even(200, 0.5)],
    ["equal spacings, one late beat", even(40, 0.5).map((t, i) => i === 20 ? t + 0.05 : t)],
    ["a step at beat 30", [...even(30, 0.5), ...even(30, 0.4, 14.9)]],
    ["equal spacings, then three wider", [...even(10, 0.5), 5, 5.6, 6.2]],
    ["two equal beats", [2, 2, 2.5, 3, 3.5, 4, 4.5]],
  ];
  for (const [name, times] of cases) {
    const beats = at(times);
    const segments = segmentBeats(beats);
    const splits: [number, number][] = [];
    let first = 0;
    for (const segment of segments) {
      splits.push([first, first + segment.beats.length - 1]);
      first += segment.beats.length - 1;
    }
    assert.deepEqual(splits, splitsByDefinition(beats), name);
  }
});
