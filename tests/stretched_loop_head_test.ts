/**
 * A short loop at another key plays from its head, as at the recorded key: with 1 s heads a
 * loop up to a second lay in the head at its start, and the readers had nothing to do while
 * it vamped. Half-second heads at another key (streaming.ts DEFAULT_STRETCHED_HEAD_SECONDS)
 * made every pass of a 0.75 s loop leave its head: the ring went back to the head's end, and
 * the readers stretched that ring again and the stretcher kept at the head's end, every pass,
 * per stem. Real Rubber Band, offline engine; counts frames, nothing timed.
 */
import assert from "node:assert/strict";
import { writeNoiseSong } from "./support/noise_song.ts";
import { OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { fed, readersIdle } from "./support/reader_probe.ts";

const RATE = OFFLINE_RATE;
const LOOP = 0.75; // seconds: longer than a stretched head (0.5 s), shorter than a head (1 s)
const PASSES = 4;

/** One stereo noise stem of 6 s, the Riff marker at 2 s. */
function writeSong(dir: string): Promise<string> {
  return writeNoiseSong(dir, 6, {
    title: "short loop",
    markers: [{ name: "Intro", at: 0 }, { name: "Riff", at: 2 }],
  });
}

// At a marker (its own head there, added first, is a stretched head's length) and between;
// and with 1 s heads given (as every stem had before), the baseline.
const CASES: [number, number | undefined][] = [[2, undefined], [3, undefined], [2, 1]];
for (const [start, headSeconds] of CASES) {
  Deno.test(`stretched loop: a ${LOOP} s loop at ${start} s at another key vamps from its head, the readers idle (headSeconds ${headSeconds ?? "unset"})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-loophead-" });
    try {
      const song = await writeSong(dir);
      await using player = await offlinePlayer(
        { lookAheadSeconds: 0.5, stretchStems: 1, ...(headSeconds ? { headSeconds } : {}) },
        "test",
      );
      await player.loadSong(song, { transpose: -2 });
      player.play();
      player.render(RATE / 2);
      player.loop(start, start + LOOP);
      await readersIdle(player);
      // Into the loop and round it twice: its head is stretched, the ring settled.
      player.render(Math.round((start - 0.5 + 2 * LOOP) * RATE));
      await readersIdle(player);
      const before = fed(player);
      player.render(Math.round(PASSES * LOOP * RATE));
      await readersIdle(player);
      const stretched = fed(player) - before;
      console.log(`${stretched} song frames stretched over ${PASSES} passes of the loop`);
      assert.equal(player.health.starved, 0);
      assert.ok(player.loopRange, "still looping");
      assert.ok(
        stretched < RATE / 10,
        `${stretched} song frames stretched over ${PASSES} passes of a loop held in its head`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
