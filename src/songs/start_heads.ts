/**
 * The heads a song starts from, ready before it is switched to (issue 24): at another key a
 * streamed stem's head is stretched, and play pressed at once after `loadSong`, a setlist
 * `goto` or `next` would otherwise hold silent (counted as starved) until the readers, which
 * serve the playing song's rings first, get to it.
 *
 * @module
 */

import type { Engine } from "../engine/engine.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import { headState, ringState, wantHead } from "../sources/streaming.ts";
import { decodeCueHeads } from "./change_start.ts";

/** How long a switch waits for the readers to stretch its start (then it switches anyway: the
 * start holds silent until the head is ready, as before). */
const START_HEAD_WAIT_MS = 5000;

/** Stretches the head at `startFrame` into every streamed stem of `decoded`, before it is
 * attached, on loading threads. (The song's top, where a stop goes, is left to the readers,
 * as its markers are: stretching it here too would double the wait when it starts elsewhere.) */
export async function decodeStartHeads(
  engine: Engine,
  decoded: readonly DecodedAudio[],
  startFrame: number,
): Promise<void> {
  await decodeCueHeads(engine, decoded, [startFrame], 0);
}

/** Waits until every streamed stem of `group` (a song prepared in the background, attached)
 * holds its start: its head at `startFrame`, asked of the readers first, or its ring from
 * there as much as the head would (ringHoldsStart). */
export async function waitForStartHeads(
  engine: Engine,
  group: number,
  startFrame: number,
): Promise<void> {
  const pending = () =>
    (engine.streams?.streamsOf(group) ?? []).filter((stream) =>
      !ringHoldsStart(engine, stream, startFrame) &&
      headState(engine.native, stream, startFrame) === "pending"
    );
  for (const stream of pending()) wantHead(engine.native, stream, startFrame);
  const until = performance.now() + START_HEAD_WAIT_MS;
  while (pending().length > 0 && performance.now() < until) {
    engine.assertOpen("switch songs");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Whether `stream`'s ring holds a head's length from `startFrame` on: as much as its head
 * would, so play there goes on from the ring. (At the song's top the readers fill the rings
 * to half before they turn to heads: with the default look-ahead, more than a head.) */
function ringHoldsStart(engine: Engine, stream: Deno.PointerValue, startFrame: number): boolean {
  const ring = ringState(engine.native, stream);
  const head = engine.streams?.headFramesOf(stream) ?? 0;
  return ring.answered && !ring.failed && ring.from <= startFrame &&
    ring.to >= startFrame + head;
}
