/**
 * The reader pool under change (a review of native/butler.c): a new count while the readers
 * stream replaces the pool where the old one stopped (sp_engine_set_readers mid-song, at the
 * recorded key and stretched at +2 / speed 0.9), and the widest pool (8 readers) on many stems;
 * each render equals one steady reader's, bit for bit. A count out of range while streaming is
 * refused and leaves the running pool alone. Offline engine, real Rubber Band; nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Player } from "../src/player/player.ts";
import type { PlayerOptions } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { lcgNoise } from "./support/align.ts";
import { assertIdentical, OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";

const RATE = OFFLINE_RATE;
const SECONDS = 3;
const KEY = { transpose: 2, speed: 0.9 };
const INVALID_ARGUMENT = 1; // SP_ERROR_INVALID_ARGUMENT

/** `stems` stereo noise stems (every third mono 44.1 kHz 16-bit, resampled as it streams);
 * markers at 0, 1 and 2 s. */
async function writeSong(dir: string, stems: number): Promise<string> {
  const tracks = [];
  for (let i = 0; i < stems; i++) {
    const file = `stem${i}.wav`;
    const audio = i % 3 === 2
      ? encodeWav([lcgNoise(SECONDS * 44100, 7 * i + 1)], 44100, "s16")
      : encodeWav(
        [lcgNoise(SECONDS * RATE, 7 * i + 1), lcgNoise(SECONDS * RATE, 7 * i + 2)],
        RATE,
        "f32",
      );
    await Deno.writeFile(join(dir, file), audio);
    tracks.push({ file, gain: 0.1, pitched: i % 4 !== 3 });
  }
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      title: "reader pool swap",
      tempo: 120,
      markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }, { name: "Chorus", at: 2 }],
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
    return [0, 1].map((c) => {
      const lane = new Float32Array(parts.reduce((n, part) => n + part[c].length, 0));
      let at = 0;
      for (const part of parts) {
        lane.set(part[c], at);
        at += part[c].length;
      }
      return lane;
    });
  } finally {
    await player.close();
  }
}

for (const key of [undefined, KEY]) {
  const at = key ? "at +2 / speed 0.9" : "at the recorded key";
  Deno.test(`reader pool: a new count while streaming takes over bit for bit, ${at}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-poolswap-" });
    try {
      const song = await writeSong(dir, 5);
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
    const song = await writeSong(dir, 24);
    const steady = await render(song, { lookAheadSeconds: 0.1, readers: 1 }, undefined);
    const wide = await render(song, { lookAheadSeconds: 0.1, readers: 8 }, undefined);
    assertIdentical(wide, steady, "8 readers on 24 stems");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
