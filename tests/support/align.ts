/**
 * Signals and alignment for tests that compare what a device played (captured from a real
 * audio server) with what the engine renders offline or with the source itself.
 *
 * @module
 */

/** Deterministic noise in [-0.5, 0.5] from a linear congruential generator (seed 0 counts as
 * 1): the offline render, streaming and bus delay tests' signal. */
export function lcgNoise(frames: number, seed: number): Float32Array {
  const out = new Float32Array(frames);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < frames; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 - 0.5;
  }
  return out;
}

/** Deterministic white noise in [-amplitude, amplitude): never periodic, so any gap, repeat
 * or misalignment shows as a large error. */
export function noise(seed: number, frames: number, amplitude: number): Float32Array {
  const out = new Float32Array(frames);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < frames; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = (state / 0x100000000 * 2 - 1) * amplitude;
  }
  return out;
}

/** A sine of `hz` at `rate`. */
export function sine(hz: number, rate: number, frames: number, amplitude: number): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amplitude * Math.sin(2 * Math.PI * hz * i / rate);
  return out;
}

/**
 * The lag L that maximises the cross-correlation sum_i capture[L + i] * reference[start + i]
 * over i < length, minus `start`: so capture[L + k] lines up with reference[k]. Searches
 * every lag the capture allows.
 */
export function crossCorrelationLag(
  capture: Float32Array,
  reference: Float32Array,
  start: number,
  length: number,
): number {
  const segment = reference.subarray(start, start + length);
  let best = -Infinity;
  let bestLag = 0;
  for (let at = 0; at + length <= capture.length; at++) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += capture[at + i] * segment[i];
    if (sum > best) {
      best = sum;
      bestLag = at;
    }
  }
  return bestLag - start;
}

/** The largest |capture[lag + i] - reference[i]| for i in [from, to). */
export function maxAbsError(
  capture: Float32Array,
  reference: Float32Array,
  lag: number,
  from: number,
  to: number,
): number {
  let worst = 0;
  for (let i = from; i < to; i++) {
    const error = Math.abs(capture[lag + i] - reference[i]);
    if (!(error <= worst)) worst = error; // NaN counts as the worst
  }
  return worst;
}

/** The largest |x[i]| for i in [from, to). */
export function peak(x: Float32Array, from = 0, to = x.length): number {
  let worst = 0;
  for (let i = from; i < to; i++) worst = Math.max(worst, Math.abs(x[i]));
  return worst;
}

/** Where `window` occurs exactly (every sample within `tolerance`) in `source`, or -1. */
export function findExact(source: Float32Array, window: Float32Array, tolerance: number): number {
  outer: for (let at = 0; at + window.length <= source.length; at++) {
    for (let i = 0; i < window.length; i++) {
      if (!(Math.abs(source[at + i] - window[i]) <= tolerance)) continue outer;
    }
    return at;
  }
  return -1;
}

/** Whether `window` matches `source` at `at` (every sample within tolerance). */
export function matchesAt(
  source: Float32Array,
  window: Float32Array,
  at: number,
  tolerance: number,
): boolean {
  if (at < 0 || at + window.length > source.length) return false;
  for (let i = 0; i < window.length; i++) {
    if (!(Math.abs(source[at + i] - window[i]) <= tolerance)) return false;
  }
  return true;
}

/** One stretch of the capture that is the source, unfaded, at a constant offset. */
export interface Segment {
  captureStart: number;
  sourceStart: number;
  frames: number;
}

/** Cuts the capture of output 4 (noise) into windows and finds, for each, where it sits in the
 * source. Consecutive windows at consecutive source positions form one segment. Windows that
 * match nowhere (fades) and silent windows end a segment. */
export function segmentsOf(
  captured: Float32Array,
  source: Float32Array,
  window: number,
  tolerance: number,
): { segments: Segment[]; unmatched: number } {
  const segments: Segment[] = [];
  let unmatched = 0;
  let current: Segment | undefined;
  for (let at = 0; at + window <= captured.length; at += window) {
    const piece = captured.subarray(at, at + window);
    if (peak(piece) === 0) {
      current = undefined;
      continue;
    }
    if (
      current &&
      matchesAt(source, piece, current.sourceStart + at - current.captureStart, tolerance)
    ) {
      current.frames += window;
      continue;
    }
    const found = findExact(source, piece, tolerance);
    if (found < 0) {
      unmatched++;
      current = undefined;
      continue;
    }
    current = { captureStart: at, sourceStart: found, frames: window };
    segments.push(current);
  }
  return { segments, unmatched };
}
