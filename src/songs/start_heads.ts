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
import { headState, wantHead } from "../sources/streaming.ts";
import { decodeCueHeads } from "./change_start.ts";

/** How long a switch waits for the readers to stretch its start (then it switches anyway: the
 * start holds silent until the head is ready, as before). */
const START_HEAD_WAIT_MS = 5000;

/** Stretches the heads at the song's top and at `startFrame` into every streamed stem of
 * `decoded`, before it is attached, on loading threads. */
export async function decodeStartHeads(
  engine: Engine,
  decoded: readonly DecodedAudio[],
  startFrame: number,
): Promise<void> {
  await decodeCueHeads(engine, decoded, [...new Set([0, startFrame])], 0);
}

/** Waits until every streamed stem of `group` (a song prepared in the background, attached)
 * holds its head at `startFrame`, asked of the readers first. */
export async function waitForStartHeads(
  engine: Engine,
  group: number,
  startFrame: number,
): Promise<void> {
  const pending = () =>
    (engine.streams?.streamsOf(group) ?? []).filter((stream) =>
      headState(engine.native, stream, startFrame) === "pending"
    );
  for (const stream of pending()) wantHead(engine.native, stream, startFrame);
  const until = performance.now() + START_HEAD_WAIT_MS;
  while (pending().length > 0 && performance.now() < until) {
    engine.assertOpen("switch songs");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
