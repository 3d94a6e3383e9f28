/**
 * Streamed stems at another key and tempo, stretched by the reader thread ahead of the
 * playhead (issue 24; native/stretch_reader.c, src/sources/stretch_stream.ts): a song at a key
 * loads after its headers, renders bit for bit like the same song decoded whole and rendered at
 * that key, and a marker jump plays from its stretched head. Real Rubber Band, offline engine;
 * nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { PlayerOptions } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { stretchFile } from "../src/sources/stretch.ts";
import { lcgNoise } from "./support/align.ts";
import {
  assertIdentical,
  freezeReader,
  OFFLINE_RATE,
  offlinePlayer,
} from "./support/offline_player.ts";

const RATE = OFFLINE_RATE;
const KEY = { transpose: 2, speed: 0.9 };
const SECONDS = 6;

/** A stereo 48 kHz float stem, a mono 44.1 kHz 16-bit stem (resampled as it streams) and an
 * unpitched stereo click stem; markers at 0, 1 and 4 s (song time). */
async function writeSong(dir: string, stems = 3): Promise<string> {
  const frames = SECONDS * RATE;
  const cd = SECONDS * 44100;
  await Deno.writeFile(
    join(dir, "pads.wav"),
    encodeWav([lcgNoise(frames, 1), lcgNoise(frames, 2)], RATE, "f32"),
  );
  await Deno.writeFile(join(dir, "bass.wav"), encodeWav([lcgNoise(cd, 3)], 44100, "s16"));
  const click = new Float32Array(frames);
  for (let at = 0; at < frames; at += RATE / 2) click.fill(0.8, at, at + 48);
  await Deno.writeFile(join(dir, "click.wav"), encodeWav([click, click], RATE, "f32"));
  const tracks = [
    { file: "pads.wav" },
    { file: "bass.wav", route: [1] },
    { file: "click.wav", pitched: false, gain: 0.5 },
  ].slice(0, stems);
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      title: "stretched stream",
      tempo: 120,
      timeSignature: [4, 4],
      markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }, { name: "Chorus", at: 4 }],
      tracks,
    }),
  );
  return dir;
}

/** The song played from the top at KEY for `frames` frames. */
async function renderAtKey(
  song: string,
  streaming: PlayerOptions["streaming"],
  frames: number,
): Promise<{ out: Float32Array[]; memory: number; starved: number }> {
  const player = await offlinePlayer(streaming);
  try {
    await player.loadSong(song, KEY);
    player.play();
    const out = [new Float32Array(frames), new Float32Array(frames)];
    for (let at = 0; at < frames; at += RATE / 4) {
      const block = player.render(Math.min(RATE / 4, frames - at));
      out[0].set(block[0], at);
      out[1].set(block[1], at);
    }
    return { out, memory: player.memoryBytes, starved: player.health.starved };
  } finally {
    await player.close();
  }
}

Deno.test("reader stretch: a streamed song at +2 and speed 0.9 renders bit for bit like the song decoded whole at that key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerstretch-" });
  try {
    const song = await writeSong(dir);
    const frames = Math.round(SECONDS * RATE / KEY.speed) + RATE / 2; // past the end
    const whole = await renderAtKey(song, false, frames);
    // A small ring (0.25 s): it wraps and refills many times, each a read through the stretcher.
    const streamed = await renderAtKey(song, { lookAheadSeconds: 0.25, stretchStems: 3 }, frames);
    assert.ok(whole.out[0].some((x) => Math.abs(x) > 0.05), "the render is not silent");
    assertIdentical(streamed.out, whole.out, "streamed at +2, speed 0.9");
    assert.equal(streamed.starved, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader stretch: loadSong at a key with streaming on holds rings and heads, not the song decoded whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerstretch-" });
  try {
    const song = await writeSong(dir);
    const player = await offlinePlayer({ lookAheadSeconds: 1, headSeconds: 1, stretchStems: 3 });
    try {
      await player.loadSong(song, KEY);
      // 5 channels, a 65,536-frame ring each, and a 1 s head at each of the 3 markers.
      const streamed = 5 * 65536 * 4 + 5 * 3 * RATE * 4;
      const whole = 5 * (SECONDS / KEY.speed) * RATE * 4;
      console.log(`  memoryBytes ${player.memoryBytes} (decoded whole: about ${whole})`);
      assert.equal(player.memoryBytes, streamed);
      assert.equal(player.durationFrames, SECONDS * RATE, "the duration is in song time");
    } finally {
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader stretch: more stems than streaming.stretchStems are decoded whole (the budget)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerstretch-" });
  try {
    const song = await writeSong(dir);
    const player = await offlinePlayer({ lookAheadSeconds: 1, stretchStems: 2 });
    try {
      await player.loadSong(song, KEY);
      assert.ok(player.memoryBytes >= 5 * 6 * RATE * 4, `${player.memoryBytes}`);
    } finally {
      await player.close();
    }
    await assert.rejects(
      offlinePlayer({ stretchStems: 1.5 }),
      (error: Error & { code?: string }) =>
        error.code === "INVALID_ARGUMENT" && /stretchStems/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader stretch: with the reader stopped, a jump to a marker at the key plays its stretched head: no starved block, and the ring goes on seamlessly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-readerstretch-" });
  try {
    const song = await writeSong(dir, 1); // the stereo stem alone: the output is the stem
    const player = await offlinePlayer({ lookAheadSeconds: 0.05, stretchStems: 1 }, "test");
    const native = player.native;
    const freeze = (on: boolean) => freezeReader(player, on);
    try {
      await player.loadSong(song, KEY);
      for (let i = 0; i < 1000; i++) {
        const stats = player.streamStats;
        if (stats.heads > 0 && stats.headsReady === stats.heads) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const stats = player.streamStats;
      assert.ok(stats.heads > 0 && stats.headsReady === stats.heads, JSON.stringify(stats));
      await new Promise((resolve) => setTimeout(resolve, 200)); // the ring fills
      freeze(true);
      player.play();
      player.render(2048);
      player.jump("Verse", { at: "now" }); // not the head decoded last
      const seam = 512; // the jump's 5 ms seam (240 frames) and the block it starts in
      const fromHead = player.render(RATE / 2);
      assert.equal(player.health.starved, 0);
      freeze(false); // the ring goes on from the head's end: the render waits for it
      const fromRing = player.render(RATE);
      const heard = [0, 1].map((c) => {
        const out = new Float32Array(RATE * 1.5);
        out.set(fromHead[c]);
        out.set(fromRing[c], RATE / 2);
        return out;
      });
      // The head at the Verse (1 s of song, 1 / 0.9 s at this speed) is a render of the file
      // from there at the key (its stretcher started at the marker with its lead-in), and the
      // ring after it goes on with the same render's frames: seamless at the head's end (1 s).
      const verse = Math.round(1 * RATE / KEY.speed);
      const marker = Math.round(verse * KEY.speed);
      const expected = (await stretchFile(native, join(song, "pads.wav"), RATE, KEY, marker))
        .map((lane) => lane.map((x) => Math.max(-1, Math.min(1, x)))); // the output's clip
      for (let c = 0; c < 2; c++) {
        for (let i = seam; i < RATE * 1.5; i++) {
          if (!Object.is(heard[c][i], expected[c][i])) {
            assert.fail(
              `output ${c + 1}, frame ${i} after the jump: ${heard[c][i]} != ${expected[c][i]}`,
            );
          }
        }
      }
      assert.ok(heard[0].some((x) => Math.abs(x) > 0.05), "the head is not silent");
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
