/**
 * Two timed captures (tests/support/jack_capture.ts) from two JACK servers, compared on their
 * common clock: where the follower's music was, against the primary's, at the same moment; and
 * how fast each server's clock ran (a dummy server's periods are timed by the machine's sleeps,
 * so its rate wanders with the load).
 *
 * @module
 */

import { type CaptureStamp, earliestCaptureTimeAt, type TimedCapture } from "./jack_capture.ts";

/** Frames either side whose periods count for a frame's time: a quarter second (the two
 * servers' drift moves the earliest period's time by 0.2 ms at most within it). */
const SPAN_S = 0.25;

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
  const at = earliestCaptureTimeAt(stamps, frame, rate * SPAN_S, rate);
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
  const us = earliestCaptureTimeAt(primary.stamps, at, rate * SPAN_S, rate);
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

/** A server's rate against the common clock over each `seconds` of its capture, in ppm of
 * `rate` (+ = fast), from the earliest-running period of each stretch (late callbacks, which a
 * dummy server's catch-up makes common, would read as thousands of ppm). */
export function captureRatesPpm(stamps: CaptureStamp[], seconds: number, rate: number): number[] {
  // Per stretch: the least of (time - frames / rate), the server's clock against the machine's.
  const lead: number[] = [];
  let from = 0;
  let least = Infinity;
  for (const s of stamps) {
    if (s.now - stamps[from].now >= seconds * 1e6) {
      lead.push(least);
      least = Infinity;
      from = stamps.indexOf(s);
    }
    // The server's frame counter: it counts the periods the capture missed too.
    least = Math.min(least, s.now - ((s.jackFrame - stamps[0].jackFrame) >>> 0) * 1e6 / rate);
  }
  const ppm: number[] = [];
  for (let k = 1; k < lead.length; k++) ppm.push(-(lead[k] - lead[k - 1]) / seconds);
  return ppm;
}

/** Periods the server ran that the capture did not get (its frame counter moved on by more
 * than the frames recorded): late cycles, each a skip of the music on that server. */
export function skippedFrames(stamps: CaptureStamp[]): number {
  let skipped = 0;
  for (let i = 1; i < stamps.length; i++) {
    const moved = (stamps[i].jackFrame - stamps[i - 1].jackFrame) >>> 0;
    skipped += Math.max(0, moved - (stamps[i].frame - stamps[i - 1].frame));
  }
  return skipped;
}

/** A server's lead over the common clock at each capture stamp (µs): when the period ran minus
 * the time its frames took at `rate` since the first. A dummy server that wakes late and misses
 * its deadline restarts its timing from there (JACK2's JackTimedDriver), so the lead grows by
 * what it lost: the server's own wander. */
function serverLeads(stamps: CaptureStamp[], rate: number): { now: number; lead: number }[] {
  return stamps.map((s) => ({
    now: s.now,
    lead: s.now - ((s.jackFrame - stamps[0].jackFrame) >>> 0) * 1e6 / rate,
  }));
}

/** The earliest lead of the periods within `half` µs of `us` (a late wake-up that the server
 * made up is not its clock); undefined with none that near. */
function leadAt(leads: { now: number; lead: number }[], us: number, half: number) {
  let low = 0, high = leads.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (leads[middle].now < us - half) low = middle + 1;
    else high = middle;
  }
  let best: number | undefined;
  for (let i = low; i < leads.length && leads[i].now <= us + half; i++) {
    best = best === undefined ? leads[i].lead : Math.min(best, leads[i].lead);
  }
  return best;
}

/**
 * What the two servers' clocks alone cost a follower (ms, one a step): the error of an ideal
 * follower that knows at once how far the follower's server has moved against the primary's
 * and corrects it as fast as varispeed allows (±`maxPpm`), from `fromUs` on, every `stepUs`,
 * and jumps back (counted in `relocks`) past `relockMs`. No filter, no network, no delay:
 * whatever it cannot hold is the servers' own wander, out of any follower's reach.
 */
export function idealFollowerErrorsMs(
  primary: CaptureStamp[],
  follower: CaptureStamp[],
  rate: number,
  fromUs: number,
  relocks = { count: 0 },
  relockMs = 20,
  maxPpm = 1000,
  stepUs = 10_000,
): number[] {
  const p = serverLeads(primary, rate);
  const f = serverLeads(follower, rate);
  const end = Math.min(p.at(-1)!.now, f.at(-1)!.now);
  const half = 25_000; // 50 ms: about 37 periods of 64 frames
  const errors: number[] = [];
  let held: number | undefined;
  for (let us = fromUs; us < end - half; us += stepUs) {
    const a = leadAt(p, us, half), b = leadAt(f, us, half);
    if (a === undefined || b === undefined) continue;
    const apart = a - b; // how much later the primary's music runs than the follower's server
    if (held === undefined) held = apart;
    const most = stepUs * maxPpm * 1e-6;
    held += Math.max(-most, Math.min(most, apart - held));
    // Past the follower's relock threshold it jumps back on, as the follower does.
    if (Math.abs(apart - held) > relockMs * 1000) {
      held = apart;
      relocks.count++;
    }
    errors.push(Math.abs(apart - held) / 1000);
  }
  return errors;
}
