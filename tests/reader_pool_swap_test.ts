/**
 * The reader pool under change (a review of native/butler.c): a new count while the readers
 * stream replaces the pool where the old one stopped (sp_engine_set_readers mid-song, at the
 * recorded key and stretched at +2 / speed 0.9), and the widest pool (8 readers) on many stems;
 * each render equals one steady reader's, bit for bit. A count out of range while streaming is
 * refused and leaves the running pool alone. Offline engine, real Rubber Band; nothing timed.
 */
import assert from "node:assert/strict";
import type { Player } from "../src/player/player.ts";
import type { PlayerOptions } from "../src/player/player.ts";
import { assertIdentical, OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { joinParts, readerThreads, writeNoiseSong } from "./support/reader_pool.ts";

const RATE = OFFLINE_RATE;
const SECONDS = 3;
const KEY = { transpose: 2, speed: 0.9 };
const INVALID_ARGUMENT = 1; // SP_ERROR_INVALID_ARGUMENT

/** The song from the top with two marker jumps, in six parts; before each part `between`
 * may change the player (the reader count). */
async function render(
  song: string,
  streaming: PlayerOptions["streaming"],
  key: typeof KEY | undefined,
  between: (player: Player, part: number) => void = () => {},
): Promise<Float32Array[]> {
  const player = await offlinePlayer(streaming);
  try {
    await player.loadSong(song, key);
    player.play();
    const parts: Float32Array[][] = [];
    const steps: [number, string | undefined][] = [
      [RATE * 0.4, undefined],
      [RATE * 0.7, undefined],
      [RATE * 0.3, "Chorus"],
      [RATE * 0.5, undefined],
      [RATE * 0.6, "Verse"],
      [RATE * 0.5, undefined],
    ];
    steps.forEach(([frames, marker], part) => {
      between(player, part);
      if (marker) player.jump(marker, { at: "now" });
      parts.push(player.render(frames));
    });
    assert.equal(player.health.starved, 0, "never starved (the offline render waits)");
    return joinParts(parts);
  } finally {
    await player.close();
  }
}

for (const key of [undefined, KEY]) {
  const at = key ? "at +2 / speed 0.9" : "at the recorded key";
  Deno.test(`reader pool: a new count while streaming takes over bit for bit, ${at}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-poolswap-" });
    try {
      const song = await writeNoiseSong(dir, 5, SECONDS);
      const settings = { lookAheadSeconds: 0.1, stretchStems: 5 };
      const steady = await render(song, { ...settings, readers: 1 }, key);
      assert.ok(steady[0].some((x) => Math.abs(x) > 0.02), "the render is not silent");
      const counts = [8, 2, 2, 5, 1, 8];
      const seen: number[] = [];
      const swapped = await render(song, { ...settings, readers: 1 }, key, (player, part) => {
        const native = player.native;
        assert.equal(native.sp_engine_set_readers(player.engine, counts[part]), 0);
        seen.push(readerThreads());
        // Out of range while streaming: refused, the pool running stays as it is.
        assert.equal(native.sp_engine_set_readers(player.engine, 0), INVALID_ARGUMENT);
        assert.equal(native.sp_engine_set_readers(player.engine, 9), INVALID_ARGUMENT);
        assert.equal(readerThreads(), counts[part], "a refused count changes nothing");
      });
      assert.deepEqual(seen, counts, "reader threads running after each change");
      assert.equal(readerThreads(), 0, "close stops every reader");
      assertIdentical(swapped, steady, `reader counts ${counts.join(" → ")} ${at}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("reader pool: 8 readers on 24 stems render bit for bit like 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-poolswap-" });
  try {
    const song = await writeNoiseSong(dir, 24, SECONDS);
    const steady = await render(song, { lookAheadSeconds: 0.1, readers: 1 }, undefined);
    const wide = await render(song, { lookAheadSeconds: 0.1, readers: 8 }, undefined);
    assertIdentical(wide, steady, "8 readers on 24 stems");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
