/**
 * Signals for the key and tempo tests (tests/stretch_test.ts, tests/key_tempo_player_test.ts,
 * tests/key_tempo_live_test.ts): a steady harmonic tone and a song of it, sharp clicks, onsets
 * and cents, at 48 kHz.
 *
 * @module
 */

import { join } from "node:path";
import { encodeWav } from "../../src/sources/wav.ts";
import { writeManifest } from "./songs.ts";

const RATE = 48_000;

/** A song folder `dir/name` of one stem, "keys.wav": a 220 Hz harmonic tone of `seconds` on
 * output 1, with `manifest`'s keys added to its song.json. */
export async function writeToneSong(
  dir: string,
  manifest: Record<string, unknown>,
  name = "song",
  seconds = 4,
): Promise<string> {
  const folder = join(dir, name);
  await Deno.mkdir(folder, { recursive: true });
  await Deno.writeFile(
    join(folder, "keys.wav"),
    encodeWav([harmonicTone(220, seconds)], RATE, "f32"),
  );
  await writeManifest(folder, { tracks: [{ file: "keys.wav", route: [1] }], ...manifest });
  return folder;
}

/** A steady harmonic tone: f0 and five overtones at 1/k. */
export function harmonicTone(f0: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = 1; k <= 6; k++) sum += (0.25 / k) * Math.sin((2 * Math.PI * k * f0 * i) / RATE);
    out[i] = sum;
  }
  return out;
}

/** Sharp clicks (a decaying 2 kHz burst) every `period` s from `first` s. */
export function clicks(seconds: number, first: number, period: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let at = first; at < seconds - 0.1; at += period) {
    const start = Math.round(at * RATE);
    for (let i = 0; i < 0.03 * RATE; i++) {
      out[start + i] = 0.8 * Math.sin((2 * Math.PI * 2000 * i) / RATE) *
        Math.exp(-i / (0.004 * RATE));
    }
  }
  return out;
}

/** The first frame near `expected` where |x| reaches a quarter of the burst's peak. */
export function onsetNear(samples: Float32Array, expected: number): number {
  const from = Math.max(0, expected - Math.round(0.1 * RATE));
  const to = Math.min(samples.length, expected + Math.round(0.1 * RATE));
  let peak = 0;
  for (let i = from; i < to; i++) peak = Math.max(peak, Math.abs(samples[i]));
  for (let i = from; i < to; i++) if (Math.abs(samples[i]) >= peak / 4) return i;
  return -1;
}

export function middle(samples: Float32Array, seconds: number): Float32Array {
  const length = Math.round(seconds * RATE);
  const start = Math.floor((samples.length - length) / 2);
  return samples.subarray(start, start + length);
}

export function cents(measured: number, expected: number): number {
  return 1200 * Math.log2(measured / expected);
}

/** The first frame from which `live` equals `reference` (within 1e-5) to its end; -1: never. */
export function matchesFrom(live: Float32Array, reference: Float32Array): number {
  let from = -1;
  for (let i = live.length - 1; i >= 0; i--) {
    if (Math.abs(live[i] - reference[i]) > 1e-5) break;
    from = i;
  }
  return from;
}
