/**
 * Two timed captures (tests/support/jack_capture.ts) from two JACK servers, compared on their
 * common clock: where the follower's music was, against the primary's, at the same moment; and
 * how fast each server's clock ran (a dummy server's periods are timed by the machine's sleeps,
 * so its rate wanders with the load).
 *
 * @module
 */

import { type CaptureStamp, smoothCaptureTimeAt, type TimedCapture } from "./jack_capture.ts";

/** The capture frame played at `us` (µs, the stamps' `now` clock), from the stamps around it;
 * undefined outside the capture. */
export function captureFrameAt(stamps: CaptureStamp[], us: number, rate: number) {
  let low = 0, high = stamps.length - 1;
  if (high < 1 || us < stamps[0].now || us > stamps[high].now) return undefined;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (stamps[middle].now <= us) low = middle;
    else high = middle - 1;
  }
  const frame = stamps[low].frame;
  const at = smoothCaptureTimeAt(stamps, frame, rate / 2);
  return at === undefined ? undefined : frame + (us - at) * rate / 1e6;
}

/** The lag (frames, + = the follower late) that best lines the follower's capture up with the
 * primary's at the primary's frame `at` and the same moment, by normalised cross-correlation of
 * `window` frames within ±`search`; undefined where they do not match (a jump, silence). */
export function lagOnCommonClock(
  primary: TimedCapture,
  follower: TimedCapture,
  at: number,
  rate: number,
  window = 2048,
  search = 960,
): number | undefined {
  const us = smoothCaptureTimeAt(primary.stamps, at, rate / 2);
  if (us === undefined) return undefined;
  const there = captureFrameAt(follower.stamps, us, rate);
  if (there === undefined) return undefined;
  const base = Math.round(there);
  const p = primary.audio.subarray(at, at + window);
  let pEnergy = 0;
  for (const x of p) pEnergy += x * x;
  let best = -Infinity, bestLag = 0;
  for (let lag = -search; lag <= search; lag++) {
    const start = base + lag;
    if (start < 0 || start + window > follower.audio.length) continue;
    let sum = 0, energy = 0;
    for (let i = 0; i < window; i++) {
      const f = follower.audio[start + i];
      sum += p[i] * f;
      energy += f * f;
    }
    const score = energy > 0 && pEnergy > 0 ? sum / Math.sqrt(energy * pEnergy) : -Infinity;
    if (score > best) {
      best = score;
      bestLag = lag;
    }
  }
  // Sub-frame: where the follower's capture frame fell between two samples counts too.
  return best > 0.5 ? bestLag + (base - there) : undefined;
}

/** A server's rate (frames a second of the common clock) over each `seconds` of its capture. */
export function captureRates(stamps: CaptureStamp[], seconds: number): number[] {
  const rates: number[] = [];
  let from = 0;
  for (let i = 1; i < stamps.length; i++) {
    const elapsed = (stamps[i].now - stamps[from].now) / 1e6;
    if (elapsed >= seconds) {
      rates.push((stamps[i].frame - stamps[from].frame) / elapsed);
      from = i;
    }
  }
  return rates;
}
