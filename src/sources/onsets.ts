/**
 * Onset detection for tempo detection: where sounds start in a mono signal, to the sample,
 * with how strong each start is and what it sounds like (its level and brightness), so a grid
 * can be fitted to them and accented beats told apart.
 *
 * The signal's level is taken every 2.5 ms; an onset is a rise over the last 10 ms that is the
 * largest within 40 ms and above a threshold relative to the loudest rise. Its sample is then
 * the first one that reaches 30% of the sound's first peak, searched in the hops around the
 * rise: a click's onset is its own first sample, a drum's is its attack.
 *
 * @module
 */

/** One detected start of a sound. */
export interface Onset {
  /** Seconds from the start of the signal, to the sample. */
  time: number;
  /** How strong it is: its peak level (the rise that found it depends on where in a hop it
   * started, so it is no measure). */
  strength: number;
  /** The sound's peak level in its first 20 ms. */
  peak: number;
  /** Zero crossings per millisecond in its first 10 ms: a higher click or a hat is brighter. */
  brightness: number;
}

const HOP_SECONDS = 0.0025;
/** The rise is measured against the highest level of this many hops before. */
const LOOK_BACK = 4;
/** An onset is the largest rise within this many hops each side. */
const PEAK_RADIUS = 16;
/** Rises below this fraction of the largest are not onsets (noise, decays, bleed). */
const RELATIVE_THRESHOLD = 0.08;

/** Mono samples read a stretch at a time, so a long file never needs one huge copy. */
export interface MonoSource {
  /** Length in frames. */
  readonly frames: number;
  /** Fills `out` from frame `start` (zeros past the end). */
  read(start: number, out: Float32Array): void;
}

/** A MonoSource over samples in memory. */
export function samplesSource(samples: Float32Array): MonoSource {
  return {
    frames: samples.length,
    read(start, out) {
      out.fill(0);
      out.set(samples.subarray(start, Math.min(samples.length, start + out.length)));
    },
  };
}

const HOPS_PER_READ = 2048;

/** RMS level of each hop. */
function hopLevels(source: MonoSource, hop: number): Float32Array {
  const count = Math.floor(source.frames / hop);
  const levels = new Float32Array(count);
  const chunk = new Float32Array(hop * HOPS_PER_READ);
  for (let first = 0; first < count; first += HOPS_PER_READ) {
    source.read(first * hop, chunk);
    for (let h = first; h < Math.min(count, first + HOPS_PER_READ); h++) {
      let sum = 0;
      const start = (h - first) * hop;
      for (let i = start; i < start + hop; i++) sum += chunk[i] * chunk[i];
      levels[h] = Math.sqrt(sum / hop);
    }
  }
  return levels;
}

/** Every onset of `source` (mono, at `rate`), in time order. */
export function detectOnsets(source: MonoSource, rate: number): Onset[] {
  const hop = Math.max(1, Math.round(rate * HOP_SECONDS));
  const levels = hopLevels(source, hop);
  const rise = new Float32Array(levels.length);
  let largest = 0;
  // Before the first hop is silence: a sound on the file's first sample is an onset too.
  for (let h = 0; h < levels.length; h++) {
    let before = 0;
    for (let k = Math.max(0, h - LOOK_BACK); k < h; k++) before = Math.max(before, levels[k]);
    rise[h] = Math.max(0, levels[h] - before);
    largest = Math.max(largest, rise[h]);
  }
  if (largest <= 1e-6) return [];
  const threshold = largest * RELATIVE_THRESHOLD;
  const onsets: Onset[] = [];
  for (let h = 0; h < rise.length; h++) {
    if (rise[h] < threshold) continue;
    let isPeak = true;
    for (
      let k = Math.max(0, h - PEAK_RADIUS);
      k <= Math.min(rise.length - 1, h + PEAK_RADIUS);
      k++
    ) {
      if (rise[k] > rise[h] || (rise[k] === rise[h] && k < h)) {
        isPeak = false;
        break;
      }
    }
    if (isPeak) onsets.push(refine(source, rate, hop, h));
  }
  return onsets;
}

/** The onset's sample: the first to reach 30% of the sound's first peak, above what came just
 * before it. */
function refine(source: MonoSource, rate: number, hop: number, h: number): Onset {
  const from = Math.max(0, (h - 2) * hop);
  const before = Math.min(from, hop);
  // The hop before `from`, then 20 ms for the peak and 10 ms more for the brightness.
  const window = new Float32Array(before + Math.round(0.03 * rate));
  source.read(from - before, window);
  const peakEnd = Math.min(source.frames - from, Math.round(0.02 * rate)) + before;
  let peak = 0;
  for (let i = before; i < peakEnd; i++) peak = Math.max(peak, Math.abs(window[i]));
  let floor = 0;
  for (let i = 0; i < before; i++) floor = Math.max(floor, Math.abs(window[i]));
  const level = floor + 0.3 * (peak - floor);
  let at = before;
  while (at < peakEnd - 1 && Math.abs(window[at]) < level) at++;
  const brightEnd = Math.min(
    window.length,
    source.frames - from + before,
    at + Math.round(0.01 * rate),
  );
  let crossings = 0;
  for (let i = at + 1; i < brightEnd; i++) {
    if ((window[i - 1] < 0) !== (window[i] < 0)) crossings++;
  }
  return {
    time: (from - before + at) / rate,
    strength: peak,
    peak,
    brightness: crossings / Math.max(1e-9, (brightEnd - at) / rate * 1000),
  };
}
