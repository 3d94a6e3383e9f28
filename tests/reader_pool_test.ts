/**
 * The engine's pool of reader threads (`streaming.readers`, native/butler.c, issue 24): the
 * engine runs that many reader threads, and what they write into the rings and heads is what
 * one reader writes, bit for bit: an offline render of a streamed song (several stems, a
 * resampled one, a small ring that refills many times, marker jumps) with 2 and 3 readers
 * equals the render with 1, at the recorded key and at +2 / speed 0.9 stretched by the readers.
 * Bad values are refused before anything changes. Offline engine, real Rubber Band; nothing
 * timed.
 */
import assert from "node:assert/strict";
import type { PlayerOptions } from "../src/player/player.ts";
import { parseSettings } from "../src/cli/settings.ts";
import { StemplayError } from "../src/errors.ts";
import { assertIdentical, OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { joinParts, readerThreads, writeNoiseSong } from "./support/reader_pool.ts";

const RATE = OFFLINE_RATE;
const SECONDS = 4;
const KEY = { transpose: 2, speed: 0.9 };

/** The song played from the top with two marker jumps; returns the output and how many
 * reader threads ran. */
async function render(
  song: string,
  streaming: PlayerOptions["streaming"],
  key?: typeof KEY,
): Promise<{ out: Float32Array[]; readers: number; starved: number }> {
  const player = await offlinePlayer(streaming);
  try {
    await player.loadSong(song, key);
    const readers = readerThreads();
    player.play();
    const parts = [player.render(RATE * 1.5)];
    player.jump("Chorus", { at: "now" });
    parts.push(player.render(RATE / 2));
    player.jump("Verse", { at: "now" });
    parts.push(player.render(RATE * 3));
    return { out: joinParts(parts), readers, starved: player.health.starved };
  } finally {
    await player.close();
  }
}

Deno.test("reader pool: 2 and 3 readers render a streamed song bit for bit like 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerpool-" });
  try {
    const song = await writeNoiseSong(dir, 6, SECONDS);
    const one = await render(song, { lookAheadSeconds: 0.1, readers: 1 });
    assert.equal(one.readers, 1);
    assert.ok(one.out[0].some((x) => Math.abs(x) > 0.05), "the render is not silent");
    assert.equal(one.starved, 0);
    for (const readers of [2, 3]) {
      const pooled = await render(song, { lookAheadSeconds: 0.1, readers });
      assert.equal(pooled.readers, readers, "reader threads running");
      assertIdentical(pooled.out, one.out, `${readers} readers`);
      assert.equal(pooled.starved, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader pool: 2 and 3 readers stretch a streamed song at +2 / speed 0.9 bit for bit like 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerpool-" });
  try {
    const song = await writeNoiseSong(dir, 4, SECONDS);
    const settings = { lookAheadSeconds: 0.25, stretchStems: 4 };
    const one = await render(song, { ...settings, readers: 1 }, KEY);
    assert.equal(one.readers, 1);
    assert.ok(one.out[0].some((x) => Math.abs(x) > 0.05), "the render is not silent");
    for (const readers of [2, 3]) {
      const pooled = await render(song, { ...settings, readers }, KEY);
      assert.equal(pooled.readers, readers, "reader threads running");
      assertIdentical(pooled.out, one.out, `${readers} readers at +2 / 0.9`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader pool: the default is 2 readers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerpool-" });
  try {
    const song = await writeNoiseSong(dir, 2, SECONDS);
    const player = await offlinePlayer(undefined);
    try {
      await player.loadSong(song);
      assert.equal(readerThreads(), 2);
    } finally {
      await player.close();
    }
    assert.equal(readerThreads(), 0, "close stops every reader");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader pool: a bad streaming.readers is refused, naming the key and the range", async () => {
  for (const readers of [0, 9, 1.5, -1, NaN, "2"]) {
    await assert.rejects(
      offlinePlayer({ readers: readers as number }),
      (error: Error & { code?: string }) =>
        error.code === "INVALID_ARGUMENT" && /streaming\.readers/.test(error.message) &&
        /1 to 8/.test(error.message),
      `readers ${String(readers)}`,
    );
    const error = (() => {
      try {
        parseSettings({ streaming: { readers } }, "stemplay.json");
      } catch (error) {
        return error;
      }
      assert.fail(`stemplay.json took readers ${String(readers)}`);
    })();
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, "SETTINGS");
    assert.deepEqual(error.problems?.map((p) => p.keyPath), ["streaming.readers"]);
    assert.match(error.message, /1 to 8/);
  }
  const streaming = parseSettings({ streaming: { readers: 8 } }, "stemplay.json").streaming;
  assert.deepEqual(streaming, { readers: 8 });
});

/** The song played from the top, changed to KEY while playing (its new rings go first among
 * the readers' work, native/butler.c PASS_SWITCH), then on; returns the output. */
async function renderChange(song: string, streaming: PlayerOptions["streaming"]) {
  const player = await offlinePlayer(streaming);
  try {
    await player.loadSong(song);
    player.play();
    const parts = [player.render(RATE)];
    player.transpose = KEY.transpose;
    player.speed = KEY.speed;
    await player.keyTempoReady();
    parts.push(player.render(RATE * 2));
    assert.equal(player.transpose, KEY.transpose);
    return { out: joinParts(parts), readers: readerThreads(), starved: player.health.starved };
  } finally {
    await player.close();
  }
}

Deno.test("reader pool: a key change while playing renders the same run to run and with 1, 2 and 3 readers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerpool-" });
  try {
    const song = await writeNoiseSong(dir, 4, SECONDS);
    const settings = { lookAheadSeconds: 0.25, stretchStems: 4 };
    const one = await renderChange(song, { ...settings, readers: 1 });
    assert.ok(one.out[0].some((x) => Math.abs(x) > 0.05), "the render is not silent");
    assert.equal(one.starved, 0);
    for (const readers of [1, 2, 3]) {
      const again = await renderChange(song, { ...settings, readers });
      assert.equal(again.readers, readers, "reader threads running");
      assertIdentical(again.out, one.out, `${readers} readers, a change while playing`);
      assert.equal(again.starved, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
