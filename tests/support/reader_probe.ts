/**
 * What tests of the reader threads look at (tests/reader_kept_voice_test.ts,
 * tests/stretched_loop_head_test.ts, tests/reader_jump_end_test.ts,
 * tests/stretched_head_length_test.ts): a player's one streamed stem, and how much its
 * stretchers have been fed. The "test" library's counter; nothing timed.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Player } from "../../mod.ts";
import type { Engine } from "../../src/engine/engine.ts";
import { sleep } from "./wait.ts";

/** The player's one streamed stem (the first of its first groups). */
export function theStream(player: Player): Deno.PointerValue {
  const { streams } = (player as unknown as { parts: { engine: Engine } }).parts.engine;
  const [stream] = Array.from({ length: 8 }, (_, group) => streams!.streamsOf(group)).flat();
  assert.ok(stream, "a streamed stem");
  return stream;
}

/** Song frames every stretcher has been fed so far. */
export function fed(player: Player): number {
  const out = new BigUint64Array(1);
  assert.equal(player.native.sp_test_stretch_fed(out), 0);
  return Number(out[0]);
}

/** Waits until the readers have nothing left to stretch: the counter still for 300 ms. */
export async function readersIdle(player: Player): Promise<void> {
  let last = -1;
  for (let i = 0; i < 100 && fed(player) !== last; i++) {
    last = fed(player);
    await sleep(300);
  }
}
