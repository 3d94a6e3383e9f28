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
import { join } from "node:path";
import type { PlayerOptions } from "../src/player/player.ts";
import { parseSettings } from "../src/cli/settings.ts";
import { StemplayError } from "../src/errors.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { lcgNoise } from "./support/align.ts";
import { assertIdentical, OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";

const RATE = OFFLINE_RATE;
const SECONDS = 4;
const KEY = { transpose: 2, speed: 0.9 };

/** `stems` stems of noise: stereo 48 kHz float ones and every third a mono 44.1 kHz 16-bit one
 * (resampled as it streams); markers at 0, 1 and 3 s. */
async function writeSong(dir: string, stems: number): Promise<string> {
  const tracks = [];
  for (let i = 0; i < stems; i++) {
    const file = `stem${i}.wav`;
    const audio = i % 3 === 2
      ? encodeWav([lcgNoise(SECONDS * 44100, 10 * i + 1)], 44100, "s16")
      : encodeWav(
        [lcgNoise(SECONDS * RATE, 10 * i + 1), lcgNoise(SECONDS * RATE, 10 * i + 2)],
        RATE,
        "f32",
      );
    await Deno.writeFile(join(dir, file), audio);
    tracks.push({ file, gain: 0.3, pitched: i % 4 !== 3 });
  }
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      title: "reader pool",
      tempo: 120,
      markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }, { name: "Chorus", at: 3 }],
      tracks,
    }),
  );
  return dir;
}

/** The reader threads running in this process (named "sp-reader" by native/butler.c). */
function readerThreads(): number {
  let count = 0;
  for (const task of Deno.readDirSync("/proc/self/task")) {
    try {
      if (Deno.readTextFileSync(`/proc/self/task/${task.name}/comm`).trim() === "sp-reader") {
        count++;
      }
    } catch {
      // the thread ended while we looked
    }
  }
  return count;
}

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
    const out = [0, 1].map((c) => {
      const lane = new Float32Array(RATE * 5);
      let at = 0;
      for (const part of parts) {
        lane.set(part[c], at);
        at += part[c].length;
      }
      return lane;
    });
    return { out, readers, starved: player.health.starved };
  } finally {
    await player.close();
  }
}

Deno.test("reader pool: 2 and 3 readers render a streamed song bit for bit like 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerpool-" });
  try {
    const song = await writeSong(dir, 6);
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
    const song = await writeSong(dir, 4);
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
    const song = await writeSong(dir, 2);
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
