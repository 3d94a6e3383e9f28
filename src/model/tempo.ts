/**
 * Tempo: a song's tempo map turned into beat and bar positions in frames, so that jumps, loops
 * and the click land on exact frames. Beat k of a tempo segment that starts at `at` seconds
 * falls on frame `round((at + k * 60 / tempo) * rate)`; a bar is `timeSignature[0]` beats.
 * The tempo counts the beats of the time signature's denominator (6/8 at 72: 72 eighths a
 * minute, 6 to the bar).
 *
 * @module
 */

/** One stretch of constant tempo, starting on a downbeat. */
export interface TempoSegment {
  /** Seconds from the song's start of this segment's first downbeat. */
  at: number;
  /** Beats per minute. */
  tempo: number;
  /** [beats per bar, beat unit]. */
  timeSignature: [number, number];
}

/** A beat on the grid. */
export interface Beat {
  frame: number;
  /** Bar number from 1. */
  bar: number;
  /** Beat in the bar from 1; 1 is the downbeat. */
  beat: number;
}

/** The manifest's tempo keys, as given. */
export interface TempoFields {
  tempo?: unknown;
  timeSignature?: unknown;
  firstBeat?: unknown;
  tempoMap?: unknown;
}

const MAX_TEMPO = 1000;
/** Slower than this is no song's tempo (and MIDI clock ticks would be seconds apart). */
const MIN_TEMPO = 1;

/** Throws the caller's error for a key (a manifest names its file and key path). */
export type Fail = (key: string, problem: string) => never;

/** A value as a message shows it: a string is said to be one ("the string "120""). */
function shown(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

function checkTempo(value: unknown, key: string, fail: Fail): number {
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < MIN_TEMPO ||
    value > MAX_TEMPO
  ) {
    fail(
      key,
      `must be a tempo in bpm from ${MIN_TEMPO} to ${MAX_TEMPO} (a number), got ${shown(value)}`,
    );
  }
  return value;
}

function checkSignature(value: unknown, key: string, fail: Fail): [number, number] {
  if (
    !Array.isArray(value) || value.length !== 2 ||
    !value.every((n) => Number.isInteger(n) && n >= 1 && n <= 64)
  ) {
    fail(
      key,
      `must be [beats per bar, beat unit], two whole numbers from 1 to 64, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return [value[0], value[1]];
}

function checkSeconds(value: unknown, key: string, fail: Fail): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(key, `must be a number of seconds >= 0, got ${shown(value)}`);
  }
  return value;
}

/**
 * Validates the manifest's tempo keys into segments (empty when the song has no tempo).
 * Errors go through `fail` with the key (`tempoMap[1].tempo`) and the problem.
 */
export function parseTempo(fields: TempoFields, fail: Fail): TempoSegment[] {
  const { tempo, timeSignature, firstBeat, tempoMap } = fields;
  if (tempo === undefined && tempoMap === undefined) {
    if (timeSignature !== undefined) fail("timeSignature", "needs a tempo");
    if (firstBeat !== undefined) fail("firstBeat", "needs a tempo");
    return [];
  }
  const signature = timeSignature === undefined
    ? [4, 4] as [number, number]
    : checkSignature(timeSignature, "timeSignature", fail);
  const start = firstBeat === undefined ? 0 : checkSeconds(firstBeat, "firstBeat", fail);
  const segments: TempoSegment[] = [];
  if (tempo !== undefined) {
    segments.push({ at: start, tempo: checkTempo(tempo, "tempo", fail), timeSignature: signature });
  }
  if (tempoMap !== undefined) {
    if (!Array.isArray(tempoMap) || tempoMap.length === 0) {
      fail("tempoMap", "must be a non-empty array of { at, tempo, timeSignature? }");
    }
    tempoMap.forEach((entry, index) => {
      const key = `tempoMap[${index}]`;
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        fail(key, "must be an object { at, tempo, timeSignature? }");
      }
      for (const name of Object.keys(entry)) {
        if (!["at", "tempo", "timeSignature"].includes(name)) {
          fail(`${key}.${name}`, "is not a known key (at, tempo, timeSignature)");
        }
      }
      const at = checkSeconds(entry.at, `${key}.at`, fail);
      const previous = segments.at(-1);
      if (previous && at <= previous.at) {
        fail(`${key}.at`, `must come after ${previous.at} s (entries in time order)`);
      }
      segments.push({
        at,
        tempo: checkTempo(entry.tempo, `${key}.tempo`, fail),
        timeSignature: entry.timeSignature === undefined
          ? previous?.timeSignature ?? signature
          : checkSignature(entry.timeSignature, `${key}.timeSignature`, fail),
      });
    });
  }
  return segments;
}

/** Every beat from the first downbeat to `frames`, with its bar and beat numbers. */
export function beatGrid(segments: TempoSegment[], frames: number, rate: number): Beat[] {
  const beats: Beat[] = [];
  let bar = 0;
  segments.forEach((segment, index) => {
    const endSeconds = segments[index + 1]?.at ?? Infinity;
    const perBar = segment.timeSignature[0];
    for (let k = 0;; k++) {
      const seconds = segment.at + k * 60 / segment.tempo;
      const frame = Math.round(seconds * rate);
      if (seconds >= endSeconds - 1e-9 || frame >= frames) break;
      if (k % perBar === 0) bar++;
      beats.push({ frame, bar, beat: (k % perBar) + 1 });
    }
  });
  return beats;
}

/** The first beat (or downbeat, with `bars`) at or after `frame`; undefined past the last. */
export function nextBeat(grid: Beat[], frame: number, bars = false): Beat | undefined {
  return grid.find((b) => b.frame >= frame && (!bars || b.beat === 1));
}

/** Bar and beat at a frame (the last beat at or before it), for display. */
export function barBeatAt(grid: Beat[], frame: number): { bar: number; beat: number } | undefined {
  let found: Beat | undefined;
  for (const b of grid) {
    if (b.frame > frame) break;
    found = b;
  }
  return found && { bar: found.bar, beat: found.beat };
}

/** The click of a count-in: `bars` bars at `segment`'s tempo, beat k on
 * `round(start + k * 60 / tempo * rate)`, ending one beat before the song's downbeat. The
 * song's audio starts `leadFrames` (its audio before that downbeat: `firstBeat` from the top)
 * before the downbeat, at `handOver` on the count-in's timeline, so the last beats may fall
 * after it. `start` is 0 unless the lead is longer than the count-in. Returns the beats, the
 * count-in's length to the downbeat (`frames`) and `handOver`, all in frames. */
export function countInGrid(
  segment: TempoSegment,
  bars: number,
  rate: number,
  leadFrames = 0,
): { beats: Beat[]; frames: number; handOver: number } {
  const perBar = segment.timeSignature[0];
  const length = bars * perBar * 60 / segment.tempo * rate;
  const start = Math.max(0, leadFrames - Math.round(length));
  const beats: Beat[] = [];
  for (let k = 0; k < bars * perBar; k++) {
    beats.push({
      frame: start + Math.round(k * 60 / segment.tempo * rate),
      bar: Math.floor(k / perBar) + 1,
      beat: (k % perBar) + 1,
    });
  }
  const frames = start + Math.round(length);
  return { beats, frames, handOver: frames - leadFrames };
}
