/**
 * Streaming: a file track read, decoded and resampled ahead of the playhead by the engine's
 * reader thread (native/butler.c) into a ring per track, instead of decoded whole at load.
 * Memory per track is the ring: channels × ring frames × 4 bytes, whatever the song's length.
 *
 * @module
 */

import type { DecodedAudio } from "./audio.ts";
import { StemplayError } from "../errors.ts";
import { show } from "../util/json_value.ts";
import type { Native } from "../native/native.ts";
import { bufferString, cString, outPointer, resultCode, toCString } from "../native/native.ts";
import { FILE_INFO, HEAD_STATE, RESULT } from "../native/native_constants.ts";
import { DEFAULT_STRETCH_STEMS, stretchStemsProblem } from "./stretch_stream.ts";
import { DEFAULT_READERS, readersProblem } from "./reader_pool.ts";

/** How file tracks reach the engine. */
export interface StreamingOptions {
  /** Seconds of audio the reader keeps decoded ahead of the playhead, per track (rounded up so
   * the ring is a power of two of frames). Default: 2. */
  lookAheadSeconds?: number;
  /** Seconds kept resident after the start, every marker and every armed jump's target, per
   * track ("heads"): a jump there plays at once while the ring refills behind it. Default: 1,
   * and 0.5 for a stem streamed at another key or tempo (its heads are stretched, again after
   * every key change: docs/key_tempo.md). Given, it is both. */
  headSeconds?: number;
  /** A song at another key or tempo is stretched by the reader thread as it streams when it has
   * at most this many stems, else decoded whole and rendered before it plays (slow to load,
   * never starved). Default: 0, always decoded whole (see docs/key_tempo.md). */
  stretchStems?: number;
  /** Reader threads that read, decode and stretch the streamed stems, 1 to 8 (a pool: each
   * stem is read by one of them at a time). Default: 2 (see docs/key_tempo.md). */
  readers?: number;
}

/** The default look-ahead: 2 s (a 131,072-frame ring at 48 kHz, 1 MiB per stereo track). */
export const DEFAULT_LOOK_AHEAD_SECONDS = 2;
/** The default head: 1 s resident after every marker, song start and armed jump target. */
export const DEFAULT_HEAD_SECONDS = 1;
/** The default head of a stem streamed at another key: the readers stretch each one, and a key
 * change stretches them all again (the Scale soak starved 612 and 645 track-blocks with 1 s
 * heads, 15 and 8 with 0.5 s: docs/key_tempo.md). */
export const DEFAULT_STRETCHED_HEAD_SECONDS = 0.5;

/** The look-ahead's range, in seconds (Player.open and stemplay.json check against it). */
export const LOOK_AHEAD_SECONDS = { min: 0.05, max: 60 } as const;
/** The head's range, in seconds. */
export const HEAD_SECONDS = { min: 0.05, max: 30 } as const;

/** Validated streaming settings: the ring's minimum size and each head's length, in frames. */
export interface StreamingSettings {
  lookAheadSeconds: number;
  ringFrames: number;
  headSeconds: number;
  headFrames: number;
  /** A head's frames for a stem streamed at another key. */
  stretchedHeadFrames: number;
  /** The most stems of a song the reader stretches (stretch_stream.ts). */
  stretchStems: number;
  /** Reader threads (reader_pool.ts). */
  readers: number;
}

/** Checks `Player.open({ streaming })`; undefined or true: the defaults; false: decode whole
 * files. */
export function streamingSettings(
  options: StreamingOptions | boolean | undefined,
  sampleRate: number,
): StreamingSettings | undefined {
  if (options === false) return undefined;
  const given = options === undefined || options === true ? {} : options;
  if (typeof given !== "object" || given === null) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `streaming must be true, false or { lookAheadSeconds }, got ${options}`,
    );
  }
  const seconds = given.lookAheadSeconds ?? DEFAULT_LOOK_AHEAD_SECONDS;
  const lookAheadProblem = secondsProblem(seconds, LOOK_AHEAD_SECONDS);
  if (lookAheadProblem) {
    throw new StemplayError("INVALID_ARGUMENT", `streaming.lookAheadSeconds ${lookAheadProblem}`);
  }
  const head = given.headSeconds ?? DEFAULT_HEAD_SECONDS;
  const headProblem = secondsProblem(head, HEAD_SECONDS);
  if (headProblem) {
    throw new StemplayError("INVALID_ARGUMENT", `streaming.headSeconds ${headProblem}`);
  }
  const stretchStems = given.stretchStems ?? DEFAULT_STRETCH_STEMS;
  const stemsProblem = stretchStemsProblem(stretchStems);
  if (stemsProblem) {
    throw new StemplayError("INVALID_ARGUMENT", `streaming.stretchStems ${stemsProblem}`);
  }
  const readers = given.readers ?? DEFAULT_READERS;
  const readersWrong = readersProblem(readers);
  if (readersWrong) {
    throw new StemplayError("INVALID_ARGUMENT", `streaming.readers ${readersWrong}`);
  }
  return {
    stretchStems,
    readers,
    lookAheadSeconds: seconds,
    ringFrames: Math.ceil(seconds * sampleRate),
    headSeconds: head,
    headFrames: Math.ceil(head * sampleRate),
    stretchedHeadFrames: Math.ceil(
      (given.headSeconds ?? DEFAULT_STRETCHED_HEAD_SECONDS) * sampleRate,
    ),
  };
}

/** What is wrong with `value` as seconds in `range`, or undefined when it is fine. */
export function secondsProblem(
  value: unknown,
  range: { min: number; max: number },
): string | undefined {
  return typeof value === "number" && value >= range.min && value <= range.max
    ? undefined
    : `must be a number of seconds from ${range.min} to ${range.max}, got ${show(value)}`;
}

/** Keeps `headFrames` frames resident from each of `starts` (frames) of a streamed track. */
export function addHeads(
  native: Native,
  stream: Deno.PointerValue,
  starts: number[],
  headFrames: number,
): void {
  for (const start of starts) {
    const result = native.sp_file_source_add_head(stream, BigInt(Math.max(0, start)), headFrames);
    // 64 heads per track: later targets simply stream (a jump there may starve briefly).
    if (result !== RESULT.OK && result !== RESULT.CAPACITY) {
      throw new StemplayError(resultCode(result), `cannot keep a head at frame ${start}`);
    }
  }
}

/** sp_file_source_info's values (FILE_INFO), as numbers. */
function fileInfo(native: Native, stream: Deno.PointerValue): number[] {
  const info = new BigUint64Array(FILE_INFO.count);
  native.sp_file_source_info(stream, info);
  return [...info].map(Number);
}

/** Bytes a streamed track holds: its ring and its heads. */
export function streamedBytes(native: Native, stream: Deno.PointerValue): number {
  const info = fileInfo(native, stream);
  return info[FILE_INFO.ringBytes] + info[FILE_INFO.headBytes];
}

/**
 * Opens a file to stream (reads its header on a loading thread). Undefined when the file
 * cannot stream (no known length, 8-bit samples, a format only ffmpeg reads): the caller
 * decodes it whole instead. Any other failure is a StemplayError naming the file.
 */
export async function openStreamed(
  native: Native,
  path: string,
  sampleRate: number,
  ringFrames: number,
): Promise<DecodedAudio | undefined> {
  const cell = new BigUint64Array(1);
  const detail = new Uint8Array(512);
  const result = await native.sp_file_source_open(
    toCString(path),
    sampleRate,
    ringFrames,
    cell,
    detail,
    detail.length,
  );
  if (result === RESULT.FORMAT_UNAVAILABLE) return undefined;
  if (result !== RESULT.OK) {
    const why = bufferString(detail) || cString(native.sp_result_string(result));
    throw new StemplayError(resultCode(result), `cannot load ${path}: ${why}`, { path });
  }
  const stream = outPointer(cell);
  const info = fileInfo(native, stream);
  const sourceRate = info[FILE_INFO.sourceRate];
  const channels = info[FILE_INFO.channels];
  return {
    pcm: null,
    stream,
    frames: info[FILE_INFO.frames],
    channels,
    sourceRate,
    path,
    source: {
      path,
      format: cString(native.sp_file_source_format(stream)),
      sampleRate: sourceRate,
      channels,
      converted: sourceRate !== sampleRate,
      decoder: "native",
    },
  };
}

/** Frees audio that was never attached (decoded or streamed). */
export function freeAudio(native: Native, audio: DecodedAudio): void {
  if (audio.pcm) native.sp_pcm_free(audio.pcm);
  if (audio.stream) native.sp_file_source_free(audio.stream);
  audio.pcm = null;
  audio.stream = null;
}

/** What the engine's streams hold and cost. */
export function streamStats(native: Native, engine: Deno.PointerValue): StreamStats {
  const out = new BigUint64Array(5);
  native.sp_engine_stream_stats(engine, out);
  return {
    ringBytes: Number(out[0]),
    streams: Number(out[1]),
    readerCpuMs: Number(out[2]) / 1e6,
    heads: Number(out[3]),
    headsReady: Number(out[4]),
  };
}

/** What the engine's streamed tracks hold and cost (every song loaded, not only the current). */
export interface StreamStats {
  /** Bytes the rings hold. */
  ringBytes: number;
  /** Streamed tracks attached. */
  streams: number;
  /** CPU time the reader threads have used since the engine opened (all of them). */
  readerCpuMs: number;
  /** Heads asked for. */
  heads: number;
  /** Of those, the heads decoded and resident. */
  headsReady: number;
}

/** What streamed tracks need of the setlist's resident song starts (SetlistHeads, in
 * src/sources/setlist_heads.ts, which builds on this file and so is not imported here). */
export interface ResidentHeads {
  /** Copies the resident start of `file`, if there is one, into a newly attached stream. */
  copyInto(file: string, stream: Deno.PointerValue): void;
  /** Bytes the resident starts hold. */
  readonly bytes: number;
  /** Frees the resident starts. */
  free(): void;
}

/** A player's streamed tracks: their sources (owned by the engine once attached) and songs,
 * for heads and memory. */
export class StreamedTracks {
  #native: Native;
  #tracks = new Map<object, { stream: Deno.PointerValue; group: number; file: string }>();
  /** Files found cut short or unreadable while streaming, since the player opened. */
  #cutShort = new Set<string>();
  readonly settings: StreamingSettings;

  constructor(native: Native, settings: StreamingSettings) {
    this.#native = native;
    this.settings = settings;
  }

  /** The loaded setlist's resident song starts, copied into every track of a song that is
   * prepared (src/sources/setlist_heads.ts). */
  setlistHeads?: ResidentHeads;

  /** Frees the setlist's resident song starts (the setlist ends, or the player closes). */
  dropSetlistHeads(): void {
    this.setlistHeads?.free();
    this.setlistHeads = undefined;
  }

  /** A track attached from streamed `file`: its start stays resident. */
  add(track: object, stream: Deno.PointerValue, group: number, file: string): void {
    this.#tracks.set(track, { stream, group, file });
    this.setlistHeads?.copyInto(file, stream);
    addHeads(this.#native, stream, [0], this.headFramesOf(stream));
  }

  /** A head's frames for `stream`: shorter at another key (stretchedHeadFrames). */
  headFramesOf(stream: Deno.PointerValue): number {
    return this.#native.sp_file_source_stretched(stream)
      ? this.settings.stretchedHeadFrames
      : this.settings.headFrames;
  }

  /** Forgets a track; `alive`: its source is not freed yet (then a cut-short file it had
   * stays in {@link starvedFiles}). */
  drop(track: object, alive = true): void {
    const streamed = this.#tracks.get(track);
    if (streamed && alive) this.#noteCutShort(streamed);
    this.#tracks.delete(track);
  }

  #noteCutShort(streamed: { stream: Deno.PointerValue; file: string }): void {
    if (this.#native.sp_file_source_read_failures(streamed.stream) > 0) {
      this.#cutShort.add(streamed.file);
    }
  }

  /** The files (paths) the reader found shorter than their length or unreadable while they
   * played, since the player opened: their tracks starved (went silent) from there. */
  starvedFiles(): string[] {
    for (const streamed of this.#tracks.values()) this.#noteCutShort(streamed);
    return [...this.#cutShort];
  }

  /** Bytes a streamed track holds (ring and heads); undefined for other tracks. */
  bytes(track: object): number | undefined {
    const streamed = this.#tracks.get(track);
    return streamed ? streamedBytes(this.#native, streamed.stream) : undefined;
  }

  /** The streams of `group`'s streamed tracks. */
  streamsOf(group: number): Deno.PointerValue[] {
    return [...this.#tracks.values()].flatMap(({ stream, group: own }) =>
      own === group ? [stream] : []
    );
  }

  /** Keeps heads at `frames` of every streamed track of `group` (markers, an armed jump's
   * target), each at least `length` frames long: a jump there then never waits for a ring. */
  preroll(group: number, frames: number[], length = 0): void {
    for (const { stream, group: own } of this.#tracks.values()) {
      if (own !== group) continue;
      addHeads(this.#native, stream, frames, Math.max(this.headFramesOf(stream), length));
    }
  }
}

/** Before attach: the track's ring is filled from `frame` (its own timeline) instead of its
 * top, and it starts there (a key or tempo change while playing goes on at the playhead). */
export function startStreamAt(native: Native, stream: Deno.PointerValue, frame: number): void {
  const result = native.sp_file_source_start_at(stream, BigInt(Math.max(0, Math.round(frame))));
  if (result !== RESULT.OK) {
    throw new StemplayError(resultCode(result), `cannot start a streamed track at frame ${frame}`);
  }
}

/** Whether a jump to `frame` of a streamed track would find a resident head there: "ready"
 * (or past its end), "pending" (asked for, not decoded yet) or "none" (never asked for, or
 * unreadable: waiting would not help). */
export function headState(
  native: Native,
  stream: Deno.PointerValue,
  frame: number,
): "none" | "pending" | "ready" {
  const out = new Int32Array(1);
  const result = native.sp_file_source_head_state(stream, BigInt(Math.max(0, frame)), out);
  if (result !== RESULT.OK) {
    throw new StemplayError(resultCode(result), "cannot read a streamed track's heads");
  }
  return out[0] === HEAD_STATE.ready ? "ready" : out[0] === HEAD_STATE.pending ? "pending" : "none";
}

/** Has the reader decode the head holding `frame` of a streamed track before its other heads
 * (a switch waits for it). */
export function wantHead(native: Native, stream: Deno.PointerValue, frame: number): void {
  const result = native.sp_file_source_want_head(stream, BigInt(Math.max(0, Math.round(frame))));
  if (result !== RESULT.OK) {
    throw new StemplayError(resultCode(result), `cannot ask for the head at frame ${frame}`);
  }
}

/** What a streamed track's ring holds: `answered` once the reader served the last request,
 * the frames from `from` (asked) to `to` (written), its `capacity`, and whether the file
 * `failed` to be read there. */
export interface RingState {
  answered: boolean;
  from: number;
  to: number;
  capacity: number;
  failed: boolean;
}

/** The ring state of an attached (or prepared) streamed track. */
export function ringState(native: Native, stream: Deno.PointerValue): RingState {
  const out = new BigUint64Array(5);
  const result = native.sp_file_source_ring_state(stream, out);
  if (result !== RESULT.OK) {
    throw new StemplayError(resultCode(result), "cannot read a streamed track's ring");
  }
  return {
    answered: out[0] === 1n,
    from: Number(out[1]),
    to: Number(out[2]),
    capacity: Number(out[3]),
    failed: out[4] === 1n,
  };
}
