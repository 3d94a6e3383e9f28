/**
 * `detectTempo(audioPath)`: a song's tempo, first downbeat, time signature and tempo map from a
 * click stem (exactly) or a drum stem (less exactly), in song.json's terms, so a song can be
 * given its tempo without typing it.
 *
 * The file is decoded as playback decodes it (natively, or by the optional ffmpeg), mixed to
 * mono, and its onsets found (onsets.ts); the beat is the strongest regular pulse among them,
 * tracked onset to onset and split where the tempo changes (beat_fit.ts). The bar is the
 * accent's period: the number of beats (2 to 12) whose every nth beat differs most in level or
 * brightness from the rest; its first accented beat is the first downbeat (`firstBeat`), and
 * beats before it are a pickup. Choices, documented in docs/tempo_detection.md:
 * - a pulse with no accent is 4/4 from its first beat, with lower confidence;
 * - an accent every 2 beats (a rock beat's kicks on 1 and 3) is 4/4;
 * - 6, 9 and 12 beats to the bar count eighths (6/8, 9/8, 12/8), all others quarters;
 * - a tempo change takes effect at the first downbeat at or after it (tempoMap entries start
 *   on downbeats, as song.json's do).
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { loadNative } from "../native/native.ts";
import { decodeFile } from "./decode.ts";
import { detectOnsets, type MonoSource, type Onset, samplesSource } from "./onsets.ts";
import type { Native } from "../native/native.ts";
import type { DecodedAudio } from "./audio.ts";
import { estimatePeriod, type FittedSegment, segmentBeats, trackBeats } from "./beat_fit.ts";

/** One entry of a detected tempo map, in song.json's `tempoMap` shape. */
export interface DetectedTempoEntry {
  /** Seconds from the file's start of the entry's first downbeat. */
  at: number;
  /** Beats per minute, counting the time signature's unit (as song.json's `tempo`). */
  tempo: number;
  /** [beats per bar, beat unit]. */
  timeSignature: [number, number];
}

/** What {@linkcode detectTempo} found. */
export interface DetectedTempo {
  /** The first tempo, in beats of the time signature's unit per minute. */
  bpm: number;
  /** Seconds from the file's start to the first downbeat. */
  firstBeat: number;
  /** [beats per bar, beat unit]. */
  timeSignature: [number, number];
  /** Every tempo from the first downbeat on (one entry when the tempo never changes). */
  tempoMap: DetectedTempoEntry[];
  /** 0 to 1: how many beats were heard, how closely they sit on the grid, whether an accent
   * showed the bar. Below about 0.5 check the result by ear. */
  confidence: number;
}

const METERS = [2, 3, 4, 5, 6, 7, 9, 12];
/** Below this contrast (in spreads) no accent is taken to mark the bar. */
const MIN_ACCENT_CONTRAST = 1.5;

/** A beat on the one grid of all segments. */
interface GridBeat {
  time: number;
  onset?: Onset;
  segment: number;
}

/** The segments' beats, one list (a segment's first beat is its predecessor's last), with
 * each beat's time on its segment's fitted line. */
function gridBeats(segments: FittedSegment[]): GridBeat[] {
  const beats: GridBeat[] = [];
  segments.forEach((segment, s) => {
    segment.beats.forEach((beat, i) => {
      if (s > 0 && i === 0) beats.pop();
      beats.push({ time: segment.start + i * segment.period, onset: beat.onset, segment: s });
    });
  });
  return beats;
}

/** The bar: beats per bar and the index of an accented beat, from the beats' onsets. */
function findMeter(beats: GridBeat[]): { perBar: number; phase: number; contrast: number } {
  let best = { perBar: 4, phase: 0, contrast: 0 };
  const features: ((o: Onset) => number)[] = [(o) => o.peak, (o) => o.brightness];
  for (const perBar of METERS) {
    if (beats.length < perBar * 3) continue;
    for (let phase = 0; phase < perBar; phase++) {
      for (const feature of features) {
        const inGroup: number[] = [];
        const rest: number[] = [];
        beats.forEach((beat, i) => {
          if (beat.onset) (i % perBar === phase ? inGroup : rest).push(feature(beat.onset));
        });
        const contrast = separation(inGroup, rest);
        // A finer meter must beat a coarser one clearly (4/4 before 2/4's half-accents).
        if (contrast > best.contrast * 1.05) best = { perBar, phase, contrast };
      }
    }
  }
  return best;
}

/** How far apart two groups' means are, in their pooled spread (with a floor, so two exact
 * levels still compare by how different they are). */
function separation(a: number[], b: number[]): number {
  if (a.length < 2 || b.length < 2) return 0;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const [ma, mb] = [mean(a), mean(b)];
  const variance = (xs: number[], m: number) => xs.reduce((s, x) => s + (x - m) ** 2, 0);
  const spread = Math.sqrt((variance(a, ma) + variance(b, mb)) / (a.length + b.length - 2));
  return Math.abs(ma - mb) / (spread + 0.02 * (Math.abs(ma) + Math.abs(mb)) / 2 + 1e-12);
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/** Tempo from onsets found in mono samples (see {@linkcode detectTempo}); undefined without
 * a steady pulse. */
export function tempoFromSamples(
  samples: Float32Array | MonoSource,
  rate: number,
): DetectedTempo | undefined {
  const source = samples instanceof Float32Array ? samplesSource(samples) : samples;
  const onsets = detectOnsets(source, rate);
  if (onsets.length < 4) return undefined;
  const period = estimatePeriod(onsets);
  if (period === undefined) return undefined;
  const tracked = trackBeats(onsets, period);
  if (tracked.filter((b) => b.onset).length < 4) return undefined;
  const segments = segmentBeats(tracked);
  const beats = gridBeats(segments);
  const meter = findMeter(beats);
  const accented = meter.contrast >= MIN_ACCENT_CONTRAST;
  let perBar = accented ? meter.perBar : 4;
  const phase = accented ? meter.phase : 0;
  if (perBar === 2) perBar = 4;
  const timeSignature: [number, number] = [perBar, [6, 9, 12].includes(perBar) ? 8 : 4];
  const tempoMap: { at: number; tempo: number; segment: number }[] = [];
  beats.forEach((beat, i) => {
    const isDownbeat = (i - phase) % perBar === 0 && i >= phase;
    if (!isDownbeat || tempoMap.at(-1)?.segment === beat.segment) return;
    const tempo = round(60 / segments[beat.segment].period, 4);
    tempoMap.push({ at: round(beat.time, 6), tempo, segment: beat.segment });
  });
  if (tempoMap.length === 0) return undefined;
  const heard = beats.filter((b) => b.onset).length / beats.length;
  const residual = segments.reduce((s, g) => s + g.residual * g.beats.length, 0) / beats.length;
  const fit = Math.exp(-((residual / (0.03 * period)) ** 2));
  const confidence = round(Math.min(1, Math.max(0, heard * fit * (accented ? 1 : 0.8))), 3);
  const entries: DetectedTempoEntry[] = tempoMap.map(({ at, tempo }) => ({
    at,
    tempo,
    timeSignature,
  }));
  return {
    bpm: entries[0].tempo,
    firstBeat: entries[0].at,
    timeSignature,
    tempoMap: entries,
    confidence,
  };
}

/**
 * Detects the tempo of an audio file, best a click stem (a drum stem works, less exactly).
 *
 * @example
 * ```ts ignore
 * const { bpm, firstBeat, timeSignature } = await detectTempo("song/click.wav");
 * ```
 *
 * @param audioPath any file stemplay plays
 * @returns bpm, first downbeat (s), time signature, tempo map (song.json's shape), confidence
 * @throws {StemplayError} `NO_TEMPO` when no steady beat is heard; the decoder's errors
 *   (`FILE_NOT_FOUND`, `DECODE`, `FORMAT_UNAVAILABLE` …) for a file that cannot be read
 */
export async function detectTempo(audioPath: string): Promise<DetectedTempo> {
  const native = await loadNative();
  const decoded = await decodeFile(native, audioPath, 0);
  let found: DetectedTempo | undefined;
  try {
    found = tempoFromSamples(pcmSource(native, decoded), decoded.sourceRate);
  } finally {
    native.sp_pcm_free(decoded.pcm);
  }
  if (!found) {
    throw new StemplayError(
      "NO_TEMPO",
      `no steady beat was heard in ${audioPath}: give it a click or drum stem, or type the ` +
        `tempo (song.json "tempo", "firstBeat", "timeSignature")`,
      { path: audioPath },
    );
  }
  return found;
}

/** The decoded file's channels mixed to mono, read from C a stretch at a time. */
function pcmSource(native: Native, decoded: DecodedAudio): MonoSource {
  let scratch = new Float32Array(0);
  return {
    frames: decoded.frames,
    read(start, out) {
      out.fill(0);
      const frames = Math.max(0, Math.min(out.length, decoded.frames - start));
      if (frames === 0) return;
      if (decoded.channels === 1) {
        native.sp_pcm_read_channel(decoded.pcm, 0, BigInt(start), BigInt(frames), out);
        return;
      }
      if (scratch.length < frames) scratch = new Float32Array(out.length);
      const part = scratch.subarray(0, frames);
      for (let c = 0; c < decoded.channels; c++) {
        native.sp_pcm_read_channel(decoded.pcm, c, BigInt(start), BigInt(frames), part);
        for (let i = 0; i < frames; i++) out[i] += part[i] / decoded.channels;
      }
    },
  };
}
