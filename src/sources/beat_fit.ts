/**
 * Fitting a beat grid to onsets: the beat's period, the beats themselves (tracked from onset
 * to onset, so a tempo change is followed), the tempo segments (a new one where the beats'
 * spacing changes and stays changed), and for each segment the straight line (least squares)
 * through its beats' times, which gives its tempo and its beats' exact times.
 *
 * @module
 */

import type { Onset } from "./onsets.ts";

/** The slowest and fastest beat looked for, in beats per minute. */
const MIN_BPM = 40;
const MAX_BPM = 300;
/** The beat is preferred near this tempo (a log-normal weight one octave wide), ... */
const PREFERRED_BPM = 120;
/** ... but a pulse twice (or three times) as fast that is nearly as strong is the beat. */
const SUBDIVISION_SUPPORT = 0.8;

/** One tracked beat: its time and the onset heard on it (if any). */
export interface TrackedBeat {
  time: number;
  onset?: Onset;
}

/** A stretch of beats at one tempo: the fitted line `time = start + index * period`. */
export interface FittedSegment {
  beats: TrackedBeat[];
  /** Seconds per beat. */
  period: number;
  /** The fitted time of `beats[0]`. */
  start: number;
  /** RMS distance of the heard beats from the line, in seconds. */
  residual: number;
}

/** The strongest regular pulse among the onsets, in seconds per beat (undefined if none). */
export function estimatePeriod(onsets: Onset[]): number | undefined {
  const bin = 0.005;
  const maxLag = 60 / MIN_BPM;
  const histogram = new Float64Array(Math.ceil(maxLag / bin) + 2);
  for (let i = 0; i < onsets.length; i++) {
    for (let j = i + 1; j < onsets.length; j++) {
      const lag = onsets[j].time - onsets[i].time;
      if (lag > maxLag) break;
      const weight = onsets[i].strength * onsets[j].strength;
      const at = lag / bin;
      const low = Math.floor(at);
      histogram[low] += weight * (1 - (at - low));
      histogram[low + 1] += weight * (at - low);
    }
  }
  // Summed over neighbouring bins: a lag between two bins is split between them.
  const smoothed = histogram.map((h, at) =>
    h + (histogram[at - 1] ?? 0) + (histogram[at + 1] ?? 0)
  );
  const support = (lag: number) => smoothed[Math.round(lag / bin)] ?? 0;
  let best: number | undefined;
  let bestScore = 0;
  for (let at = Math.floor(60 / MAX_BPM / bin); at < smoothed.length - 1; at++) {
    const lag = at * bin;
    if (smoothed[at] < smoothed[at - 1] || smoothed[at] < smoothed[at + 1]) continue;
    const score = smoothed[at] * Math.exp(-0.5 * Math.log2(lag * PREFERRED_BPM / 60) ** 2);
    if (score > bestScore) [best, bestScore] = [lag, score];
  }
  if (best === undefined) return undefined;
  let beat: number = best;
  for (let changed = true; changed;) {
    changed = false;
    for (const divisor of [2, 3]) {
      const faster = beat / divisor;
      if (faster >= 60 / MAX_BPM && support(faster) >= SUBDIVISION_SUPPORT * support(beat)) {
        beat = faster;
        changed = true;
        break;
      }
    }
  }
  return refineLag(onsets, beat);
}

/** The mean of the onset spacings near `lag`, for a finer start than the histogram's bin. */
function refineLag(onsets: Onset[], lag: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i + 1 < onsets.length; i++) {
    for (let j = i + 1; j < onsets.length; j++) {
      const gap = onsets[j].time - onsets[i].time;
      if (gap > lag * 1.1) break;
      if (Math.abs(gap - lag) <= lag * 0.04) {
        sum += gap;
        count++;
      }
    }
  }
  return count > 0 ? sum / count : lag;
}

/** The strongest onset within `tolerance` of `time`. */
function onsetNear(onsets: Onset[], from: number, time: number, tolerance: number) {
  let found: { onset: Onset; index: number } | undefined;
  for (let i = from; i < onsets.length && onsets[i].time <= time + tolerance; i++) {
    if (onsets[i].time < time - tolerance) continue;
    if (!found || onsets[i].strength > found.onset.strength) found = { onset: onsets[i], index: i };
  }
  return found;
}

/**
 * Beats from the first strong onset on, each found within a quarter of a beat of where the
 * last ones predict it; the period follows the median of the last three spacings. Tracking
 * stops after eight beats in a row with nothing heard.
 */
export function trackBeats(onsets: Onset[], period: number): TrackedBeat[] {
  const strongest = onsets.reduce((m, o) => Math.max(m, o.strength), 0);
  let index = onsets.findIndex((o) => o.strength >= 0.3 * strongest);
  if (index < 0) return [];
  const beats: TrackedBeat[] = [{ time: onsets[index].time, onset: onsets[index] }];
  const spacings: number[] = [];
  let misses = 0;
  let lastHeard = 0;
  while (misses < 8) {
    const last = beats.at(-1)!;
    const predicted = last.time + period;
    const found = onsetNear(onsets, index + 1, predicted, period / 4);
    if (!found) {
      beats.push({ time: predicted });
      misses++;
      continue;
    }
    misses = 0;
    const heard = beats[lastHeard];
    const gap = (found.onset.time - heard.time) / (beats.length - lastHeard);
    spacings.push(gap);
    const recent = spacings.slice(-3).sort((a, b) => a - b);
    period = recent[Math.floor(recent.length / 2)];
    lastHeard = beats.length;
    index = found.index;
    beats.push({ time: found.onset.time, onset: found.onset });
  }
  // Drop the unheard beats past the last heard one.
  return beats.slice(0, lastHeard + 1);
}

/** The least-squares line through the heard beats of `beats`. */
function fitLine(beats: TrackedBeat[]): FittedSegment {
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  beats.forEach((beat, x) => {
    if (!beat.onset) return;
    n++;
    sx += x;
    sy += beat.time;
    sxx += x * x;
    sxy += x * beat.time;
  });
  const period = n > 1 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0;
  const start = n > 0 ? (sy - period * sx) / n : beats[0].time;
  let squares = 0;
  beats.forEach((beat, x) => {
    if (beat.onset) squares += (beat.time - (start + x * period)) ** 2;
  });
  return { beats, period, start, residual: Math.sqrt(squares / Math.max(1, n)) };
}

/**
 * Splits tracked beats into segments of one tempo: a new segment starts where three spacings
 * in a row differ from the current segment's median spacing, on the same side, by more than
 * its spread allows (at least 0.2%, more for a loose drummer). Each segment is fitted.
 */
export function segmentBeats(beats: TrackedBeat[]): FittedSegment[] {
  const segments: FittedSegment[] = [];
  let start = 0;
  while (start < beats.length - 1) {
    let end = beats.length;
    // The segment's spacings kept sorted as they come (one insertion each, not a sort per
    // beat: a 4-minute song has about 500 beats).
    const sorted: number[] = [];
    for (let i = start + 1; i < beats.length; i++) {
      const gap = beats[i].time - beats[i - 1].time;
      if (sorted.length >= 4 && deviates(sorted, beats, i)) {
        end = i;
        break;
      }
      sorted.splice(insertionIndex(sorted, gap), 0, gap);
    }
    segments.push(fitLine(beats.slice(start, end)));
    // The beat where the spacing changed is the new tempo's first beat and the old one's last.
    start = end < beats.length ? end - 1 : end;
  }
  return segments;
}

/** Where `value` goes in ascending `sorted` (after equal values). */
function insertionIndex(sorted: number[], value: number): number {
  let low = 0, high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The median of the distances of ascending `sorted` from its element `m` (its median): the
 * distances below and above it are each ascending, so merging them finds it without sorting. */
function medianDistance(sorted: number[], m: number): number {
  const median = sorted[m];
  const wanted = Math.floor(sorted.length / 2);
  let below = m - 1, above = m;
  let distance = 0;
  for (let k = 0; k <= wanted; k++) {
    const down = below >= 0 ? median - sorted[below] : Infinity;
    const up = above < sorted.length ? sorted[above] - median : Infinity;
    if (down < up) {
      distance = down;
      below--;
    } else {
      distance = up;
      above++;
    }
  }
  return distance;
}

/** Whether the spacings from beat `i` on (three of them) leave the segment's spacing
 * (`sorted`: the segment's spacings so far, ascending). */
function deviates(sorted: number[], beats: TrackedBeat[], i: number): boolean {
  const m = Math.floor(sorted.length / 2);
  const median = sorted[m];
  const spread = medianDistance(sorted, m);
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
