/**
 * The head an armed jump lands in is decoded before the song's other heads (native/butler.c,
 * `cue_head_frame`): after a key change every head of the song is stretched again by the
 * reader, and a jump to one still pending holds silent until it is ready (counted as starved).
 * In marker order the last marker's head came last; the armed cue's now comes first. Real
 * Rubber Band, offline engine with the reader paused and resumed by the test hooks; nothing
 * timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeWav } from "../src/sources/wav.ts";
import { lcgNoise } from "./support/align.ts";
import { freezeReader, OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { waitFor } from "./support/wait.ts";

const RATE = OFFLINE_RATE;
const KEY = { transpose: 2, speed: 0.9 };
const MARKERS = 11; // M1 at 0 s … M11 at 10 s

async function writeSong(dir: string, stems = 1): Promise<string> {
  const frames = 14 * RATE;
  const files = Array.from({ length: stems }, (_, i) => i === 0 ? "pads.wav" : `stem${i}.wav`);
  for (const [i, file] of files.entries()) {
    await Deno.writeFile(
      join(dir, file),
      encodeWav([lcgNoise(frames, 2 * i + 1), lcgNoise(frames, 2 * i + 2)], RATE, "f32"),
    );
  }
  const markers = Array.from({ length: MARKERS }, (_, i) => ({ name: `M${i + 1}`, at: i }));
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      title: "cue head first",
      tempo: 120,
      timeSignature: [4, 4],
      markers,
      tracks: files.map((file) => ({ file })),
    }),
  );
  return dir;
}

Deno.test("reader: the head an armed jump lands in is stretched before the song's other heads, so the jump does not hold silent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cuehead-" });
  try {
    const song = await writeSong(dir);
    const player = await offlinePlayer(
      // 1 s heads (0.5 at another key by default): the half second heard below is all head.
      { lookAheadSeconds: 0.05, stretchStems: 1, readers: 1, headSeconds: 1 },
      "test",
    );
    const freeze = (on: boolean) => freezeReader(player, on);
    try {
      freeze(true); // no ring is filled and no head stretched until the jump is armed
      await player.loadSong(song, KEY); // only the start's head is stretched, by the load
      const loaded = player.streamStats.headsReady;
      player.seek(2); // on a bar, past the start's head
      player.play(); // holds, silent at 2 s, until the reader is let go
      player.render(256);
      // Armed on the bar (the playhead stands on one, so it is taken at the next block): a
      // cue, as a quantised jump while playing is, to the last marker: the last head in order.
      player.jump(`M${MARKERS}`, { at: "bar" });
      const heads = player.streamStats.heads;
      assert.ok(heads >= MARKERS, `${heads} heads for ${MARKERS} markers`);
      freeze(false);
      await waitFor("the first head to be ready", () => player.streamStats.headsReady > loaded);
      freeze(true);
      const ready = player.streamStats.headsReady - loaded;
      player.render(256);
      assert.ok(player.positionFrames >= (MARKERS - 1) * RATE, "the jump was taken");
      // The head is a second of song: the half second after the jump plays from it alone.
      const heard = player.render(RATE / 2)[0];
      let silentBlocks = 0;
      for (let at = 0; at < heard.length; at += 256) {
        if (!heard.subarray(at, at + 256).some((x) => Math.abs(x) > 1e-3)) silentBlocks++;
      }
      console.log(
        `${ready} of ${heads} heads ready when the reader was paused; ${silentBlocks} silent ` +
          `blocks in the 0.5 s after the jump`,
      );
      assert.equal(silentBlocks, 0, "the jump held silent: its head was not stretched first");
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader: rings less than half full are filled before the armed cue's heads are stretched, so the song playing does not run dry while they are", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cuehead-" });
  const STEMS = 4;
  try {
    const song = await writeSong(dir, STEMS);
    const player = await offlinePlayer(
      { lookAheadSeconds: 0.05, stretchStems: STEMS, readers: 1 },
      "test",
    );
    const freeze = (on: boolean) => freezeReader(player, on);
    try {
      freeze(true); // every ring empty and every head pending until the reader is let go
      await player.loadSong(song, KEY); // but the start's, stretched by the load
      const loaded = player.streamStats.headsReady;
      player.seek(2); // past the start's head
      player.play(); // holds, silent at 2 s, until the rings hold it
      player.render(256);
      const held = player.positionFrames;
      assert.equal(held, 2 * RATE, "held at 2 s");
      // A vamp armed far ahead: its start's head is the cue's, in every stem. The rings are
      // what plays now; the vamp's head is wanted only at its end.
      player.loop(MARKERS - 1, MARKERS + 1);
      freeze(false);
      await waitFor("the first head to be ready", () => player.streamStats.headsReady > loaded);
      freeze(true); // the reader stops at the end of its scan; the rings are what it left
      const { heads, headsReady } = player.streamStats;
      const heard = player.render(256)[0];
      console.log(
        `${headsReady} of ${heads} heads ready when the reader was paused; position ` +
          `${player.positionFrames} after a block`,
      );
      assert.ok(
        player.positionFrames > held && heard.some((x) => Math.abs(x) > 1e-3),
        "the song held silent: the rings were left empty while the cue's heads were stretched",
      );
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
