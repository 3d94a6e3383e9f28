/**
 * A song prepared again while it plays (a key or tempo change, src/songs/key_tempo_change.ts)
 * goes on at the playhead's place: its streamed stems are read (and stretched) by the reader
 * from there, not from the top, and the switch waits until they, and the stems rendered on C
 * threads, hold the frames it lands on (src/songs/retime.ts `waitForFill`).
 *
 * @module
 */

import type { DecodedAudio } from "../sources/audio.ts";
import { freeAudio, startStreamAt } from "../sources/streaming.ts";
import type { Engine } from "../engine/engine.ts";
import { cueTargets, type Filling, fillMargin, START_EARLY_FRAMES, waitForFill } from "./retime.ts";
import type { ShowFlow } from "../show/show.ts";
import { markFillTimings } from "./key_change_breakdown.ts";

/** A loop's bounds, in frames. */
type Loop = { start: number; end: number };

/** Starts every streamed stem of `decoded` (not attached yet) `lead` seconds of the recording
 * past the playhead, mapped into the new timeline: `songFrame()` is the recording's frame,
 * the new timeline runs at `speed`. While a loop vamps (`vamp()`, the recording's frames) a
 * start past its end comes round into it, where the playhead will be, and one too near its
 * end to be seen there before it loops back goes to its start (`vampsToRings` in retime.ts).
 * Frees every stem and rethrows on failure. */
export function startAtPlayhead(
  engine: Engine,
  decoded: readonly DecodedAudio[],
  songFrame: () => number,
  speed: number,
  lead = 0,
  vamp: () => Loop | undefined = () => undefined,
): void {
  const { native } = engine;
  // An offline engine's playhead stands still until it renders (and its render waits for
  // the reader): ahead of it, the switch would wait for ever.
  const playhead = songFrame();
  let recorded = playhead + (engine.offline ? 0 : lead * engine.sampleRate);
  const loop = vamp();
  if (loop && playhead >= loop.start && playhead < loop.end) {
    const latest = loop.end - fillMargin(engine) * speed; // the fill margin, in recorded frames
    if (recorded >= loop.end) {
      recorded = loop.start + (recorded - loop.start) % (loop.end - loop.start);
    }
    if (recorded >= latest) recorded = loop.start;
  }
  const at = Math.max(0, Math.round(recorded / speed) - START_EARLY_FRAMES);
  try {
    for (const audio of decoded) if (audio.stream) startStreamAt(native, audio.stream, at);
  } catch (error) {
    decoded.forEach((audio) => freeAudio(native, audio));
    throw error;
  }
}

/** What the switch waits for: every stem's pcm (one still being rendered holds only part of
 * it) and every streamed stem's ring. */
export function fillingOf(decoded: readonly DecodedAudio[]): Filling {
  return {
    pcms: decoded.flatMap((audio) => audio.pcm ? [audio.pcm] : []),
    rings: decoded.flatMap((audio) =>
      audio.stream ? [{ stream: audio.stream, frames: audio.frames }] : []
    ),
  };
}

/** The loop vamping on `show`'s song, in the recording's frames (its timeline runs at
 * `speed`): where startAtPlayhead brings a start past its end round to. */
export function vampOf(show: ShowFlow, engine: Engine, speed: number): () => Loop | undefined {
  return () => {
    const loop = show.loopRange;
    const frame = (seconds: number) => Math.round(seconds * speed * engine.sampleRate);
    return loop && { start: frame(loop.start), end: frame(loop.end) };
  };
}

/** Waits until `song` (prepared in `group`) holds the frames the switch lands on
 * (`waitForFill`; `ratio`: old speed ÷ new speed), and the heads the cues standing on `show`
 * will play from there, asked for here; false when it will not (another song became current,
 * or the playhead left what it was prepared for). */
export async function readyToSwitch(
  engine: Engine,
  song: { group: number; filling?: Filling },
  show: ShowFlow,
  ratio: number,
  playhead: () => number,
  overtaken: () => boolean,
): Promise<boolean> {
  const pending = song.filling ?? { pcms: [], rings: [] };
  const cues = () => {
    const targets = cueTargets(show, engine, ratio);
    for (const frame of targets.heads) show.keepCueTarget(song.group, frame);
    return targets;
  };
  const filled = await waitForFill(engine, pending, ratio, playhead, overtaken, undefined, cues);
  if (filled === "ready") markFillTimings(engine.native, pending.pcms);
  return filled === "ready";
}
