/**
 * The ring after an armed jump at another key goes on from a stretcher kept at its head's end
 * (native/stretch_reader.c, "kept"): the readers prepare it while the jump waits for its bar,
 * so the jump itself costs no second stretch of the head's length per stem (before: the ring
 * was rendered from the head's start again, right when every stem's ring must refill). And the
 * seam stays what it was: the head and the ring after it are one render from the marker, bit
 * for bit. Real Rubber Band, offline engine; counts frames, nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stretchFile } from "../src/sources/stretch.ts";
import { writeNoiseSong } from "./support/noise_song.ts";
import { OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { fed, readersIdle } from "./support/reader_probe.ts";

const RATE = OFFLINE_RATE;
const KEY = { transpose: 2, speed: 0.9 };

/** One stereo noise stem of 8 s at 120 bpm in 4/4 (a bar is 2 s of song), the Verse at 1 s. */
function writeSong(dir: string): Promise<string> {
  return writeNoiseSong(dir, 8, {
    title: "kept voice",
    timeSignature: [4, 4],
    markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }, { name: "Chorus", at: 4 }],
  });
}

Deno.test("kept voice: the ring after an armed jump at the key goes on from a stretcher kept at its head's end: no head's length stretched again, and seamless", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-keptvoice-" });
  try {
    const song = await writeSong(dir);
    // 1 s heads (0.5 at another key by default): the arithmetic below counts a second.
    const player = await offlinePlayer(
      { lookAheadSeconds: 0.05, stretchStems: 1, headSeconds: 1 },
      "test",
    );
    try {
      await player.loadSong(song, KEY);
      player.play();
      const start = 2048; // output frames (positionFrames counts song time)
      player.render(start);
      // Not the head decoded last (whose stretcher the reader still has parked by chance).
      player.jump("Verse", { at: "bar" }); // at the bar: 2 s of song
      await readersIdle(player);
      const bar = Math.round(2 * RATE / KEY.speed);
      player.render(bar - start);
      await readersIdle(player);
      const before = fed(player);
      const heard = player.render(Math.round(1.5 * RATE)); // the head (1 s), then the ring
      const stretched = fed(player) - before;
      await readersIdle(player);
      const settled = fed(player) - before; // before the render the test compares with
      assert.equal(player.health.starved, 0);
      // The head at the Verse is a render from the marker with its lead-in; the ring after it
      // goes on with the same render's frames, bit for bit (after the jump's 5 ms seam).
      const marker = Math.round(Math.round(1 * RATE / KEY.speed) * KEY.speed);
      const expected = (await stretchFile(player.native, join(song, "pads.wav"), RATE, KEY, marker))
        .map((lane) => lane.map((x) => Math.max(-1, Math.min(1, x)))); // the output's clip
      for (let c = 0; c < 2; c++) {
        for (let i = 512; i < heard[c].length; i++) {
          if (!Object.is(heard[c][i], expected[c][i])) {
            assert.fail(
              `output ${c + 1}, frame ${i} after the jump: ${heard[c][i]} != ${expected[c][i]}`,
            );
          }
        }
      }
      // Half a second of ring after the head is about 24,000 song frames (with the look-ahead
      // and a chunk); the head's render again would add its whole length and a lead-in.
      const headRecorded = Math.round(RATE * KEY.speed);
      assert.ok(
        stretched < headRecorded,
        `${stretched} song frames stretched through the jump: the head's ${headRecorded} again`,
      );
      // A one-off jump, once made, gets no stretcher kept again (a loop would: it comes back).
      assert.ok(settled < headRecorded, `${settled} song frames stretched by the readers after`);
    } finally {
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
