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
import { type Filling, waitForFill } from "./retime.ts";
import { markFillTimings } from "./key_change_breakdown.ts";

/** Frames the rings start before the playhead as read here: the callback's position, mapped
 * into the new timeline when it takes the switch, may round a frame lower. */
const START_EARLY_FRAMES = 2;

/** Starts every streamed stem of `decoded` (not attached yet) `lead` seconds of the recording
 * past the playhead, mapped into the new timeline: `songFrame()` is the recording's frame,
 * the new timeline runs at `speed`. Frees every stem and rethrows on failure. */
export function startAtPlayhead(
  engine: Engine,
  decoded: readonly DecodedAudio[],
  songFrame: () => number,
  speed: number,
  lead = 0,
): void {
  const { native } = engine;
  // An offline engine's playhead stands still until it renders (and its render waits for
  // the reader): ahead of it, the switch would wait for ever.
  const recorded = songFrame() + (engine.offline ? 0 : lead * engine.sampleRate);
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

/** Waits until `filling` holds the frames the switch lands on (`waitForFill`; `ratio`: old
 * speed ÷ new speed); false when it will not (another song became current, or the playhead
 * left what it was prepared for). */
export async function readyToSwitch(
  engine: Engine,
  filling: Filling | undefined,
  ratio: number,
  playhead: () => number,
  overtaken: () => boolean,
): Promise<boolean> {
  const pending = filling ?? { pcms: [], rings: [] };
  const filled = await waitForFill(engine, pending, ratio, playhead, overtaken);
  if (filled === "ready") markFillTimings(engine.native, pending.pcms);
  return filled === "ready";
}
