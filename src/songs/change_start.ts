/**
 * A song prepared again while it plays (a key or tempo change, src/songs/key_tempo_change.ts)
 * goes on at the playhead's place: its streamed stems are read (and stretched) by the reader
 * from there, not from the top, and the switch waits until they, and the stems rendered on C
 * threads, hold the frames it lands on (src/songs/retime.ts `waitForFill`).
 *
 * @module
 */

import type { DecodedAudio } from "../sources/audio.ts";
import { addHeads, freeAudio, startStreamAt, wantHead } from "../sources/streaming.ts";
import type { Engine } from "../engine/engine.ts";
import {
  cueTargets,
  type Filling,
  fillMargin,
  type FillWait,
  movesOf,
  START_EARLY_FRAMES,
  waitForFill,
} from "./retime.ts";
import type { ShowFlow } from "../show/show.ts";
import { markFillTimings } from "./key_change_breakdown.ts";

/** Where startAtPlayhead asked the rings to start (the new timeline's frame), and the
 * operator's moves (retime.ts `movesOf`) as it read the playhead. */
export interface RingsStarted {
  moves: number;
  start: number;
  /** performance.now() as they were asked to start. */
  startedAt: number;
}

/** How far ahead of the playhead (seconds heard) a change's rings start at the latest: when
 * the playhead outran them twice, and when the readers are refilling the song playing. */
export const FAR_LEAD_SECONDS = 1.5;

/** How far before an armed cue that leaves the song playing a change's rings start at the
 * latest (seconds heard): the switch's margin (retime.ts `fillMargin`) and the poll and block
 * that take it, before the playhead goes. */
const BEFORE_CUE_SECONDS = 0.3;

/** How far ahead of the playhead (seconds heard) a change's rings must start at least: 0, or
 * FAR_LEAD_SECONDS while the readers are refilling the song playing (right after a jump or a
 * seek: some streamed stem of it holds less than a quarter of its ring, or waits for it to be
 * started, `sp_engine_rings_low`). The readers fill those before a change's rings
 * (native/butler.c), so rings a change starts then get what they leave: at 24 R2 stems on this
 * 2-core machine 0.3 to 0.6 times real time, and a change set as a jump was armed was outrun at
 * 0.15 and at 0.5 s ahead (made 4.4–9.7 s after it was set). Not from half a ring (the pass
 * order; tried: a change 3 s after the one before then took 1.5 s, not 0.4). Never past
 * `leavesAt`, the frame where an armed cue takes the playhead out of the song (ShowFlow
 * `leavesAt`; `position` and it in the song playing's frames): the rings would wait where the
 * playhead never goes. 0 on an offline engine: its playhead waits for its render. */
export function farLead(engine: Engine, position: number, leavesAt?: number): number {
  if (engine.offline || engine.closed) return 0;
  const low = new Uint32Array(1);
  const result = engine.native.sp_engine_rings_low(engine.pointer, 1, low);
  if (result !== 0 || low[0] === 0) return 0;
  if (leavesAt === undefined) return FAR_LEAD_SECONDS;
  const toCue = (leavesAt - position) / engine.sampleRate;
  return Math.max(0, Math.min(FAR_LEAD_SECONDS, toCue - BEFORE_CUE_SECONDS));
}

/** Starts every streamed stem of `decoded` (not attached yet) `lead` seconds of the recording
 * past the playhead, mapped into the new timeline: `songFrame()` is the recording's frame,
 * the new timeline runs at `speed`. While a loop is set (`loop`, in the new timeline's frames)
 * that the playhead is in or comes to, a start past its end comes round into it, where the
 * playhead will be, and one too near its end to be seen there before it loops back goes to its
 * start (`vampsToRings` in retime.ts).
 * Returns the operator's moves (retime.ts `movesOf`) as the playhead was read, and the frame
 * the rings were asked to start at. Frees every stem and rethrows on failure. */
export function startAtPlayhead(
  engine: Engine,
  decoded: readonly DecodedAudio[],
  songFrame: () => number,
  speed: number,
  lead = 0,
  loop?: { start: number; end: number },
): RingsStarted {
  const { native } = engine;
  // Read first: a cue fired in between is counted as a move since (lenient), never missed.
  const moves = movesOf(engine);
  const playhead = songFrame() / speed;
  // An offline engine's playhead stands still until it renders (and its render waits for
  // the reader): ahead of it, the switch would wait for ever.
  let start = playhead + (engine.offline ? 0 : lead * engine.sampleRate / speed);
  // A loop the playhead is in, or comes to (a start past it would never be reached).
  if (loop && playhead < loop.end) {
    if (start >= loop.end) start = loop.start + (start - loop.start) % (loop.end - loop.start);
    if (start >= loop.end - fillMargin(engine)) start = loop.start;
  }
  const at = Math.max(0, Math.round(start) - START_EARLY_FRAMES);
  try {
    for (const audio of decoded) if (audio.stream) startStreamAt(native, audio.stream, at);
  } catch (error) {
    decoded.forEach((audio) => freeAudio(native, audio));
    throw error;
  }
  return { moves, start: at, startedAt: performance.now() };
}

/** Decodes the heads the cues carried over will play from (`heads`: a loop's start, in the new
 * timeline's frames, each at least `least` frames long), or a song's start at another key,
 * into every streamed stem of `decoded` before it is attached, on loading threads, for the
 * switch waits for them (retime.ts `waitForFill`) and play may be pressed at once. Asked of
 * the reader instead, a head waits until its ring is half full, and longer while other rings
 * run short: on a busy machine that held the switch for seconds.
 * A head that cannot be read is left out: a jump there starves, as before. Frees every stem
 * and rethrows on failure. */
export async function decodeCueHeads(
  engine: Engine,
  decoded: readonly DecodedAudio[],
  heads: readonly number[],
  least: number,
): Promise<void> {
  const streams = decoded.flatMap((audio) => audio.stream ? [audio.stream] : []);
  if (!engine.streams || heads.length === 0 || streams.length === 0) return;
  const { streams: streamed } = engine;
  try {
    for (const stream of streams) {
      addHeads(engine.native, stream, [...heads], Math.max(streamed.headFramesOf(stream), least));
    }
  } catch (error) {
    decoded.forEach((audio) => freeAudio(engine.native, audio));
    throw error;
  }
  await Promise.all(streams.map((stream) => engine.native.sp_file_source_decode_heads(stream)));
}

/** What the switch waits for: every stem's pcm (one still being rendered holds only part of
 * it) and every streamed stem's ring (`started`: as startAtPlayhead left them). */
export function fillingOf(
  decoded: readonly DecodedAudio[],
  started?: RingsStarted,
): Filling {
  return {
    moves: started?.moves,
    startedAt: started?.startedAt,
    pcms: decoded.flatMap((audio) => audio.pcm ? [audio.pcm] : []),
    rings: decoded.flatMap((audio) =>
      audio.stream ? [{ stream: audio.stream, frames: audio.frames, start: started?.start }] : []
    ),
  };
}

/** Waits until `song` (prepared in `group`) holds the frames the switch lands on
 * (`waitForFill`; `ratio`: old speed ÷ new speed), and the heads the cues standing on `show`
 * will play from there, asked for here: "ready", or how the wait ended without it (another
 * song became current, or the playhead left what it was prepared for: `waitForFill`). */
export async function readyToSwitch(
  engine: Engine,
  song: { group: number; filling?: Filling },
  show: ShowFlow,
  ratio: number,
  playhead: () => number,
  overtaken: () => boolean,
): Promise<FillWait> {
  const pending = song.filling ?? { pcms: [], rings: [] };
  const cues = () => {
    const targets = cueTargets(show, engine, ratio);
    for (const frame of targets.heads) {
      show.keepCueTarget(song.group, frame);
      // Before the song's other heads (its start's, its markers'): the switch waits for it.
      for (const { stream } of pending.rings) wantHead(engine.native, stream, frame);
    }
    return targets;
  };
  const filled = await waitForFill(engine, pending, ratio, playhead, overtaken, undefined, cues);
  if (filled === "ready") markFillTimings(engine.native, pending.pcms);
  return filled;
}
