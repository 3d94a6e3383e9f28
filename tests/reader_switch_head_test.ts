/**
 * A key change waits for the head a loop set while it waits will play from (src/songs/retime.ts
 * `waitForFill`), asked of the reader on the song it prepared. The reader's cue-first pass
 * (native/butler.c) knows only the armed cue's head, in the song playing; in the song
 * prepared that head came after every other (its start's, each marker's), each stretched
 * again at the new key, and the switch waited for them all. Now the head the switch waits
 * for is decoded before them. Real Rubber Band, offline engine with the reader paused and let
 * go by the test hooks; nothing timed (a hang is a failure after a generous wait).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeWav } from "../src/sources/wav.ts";
import { lcgNoise } from "./support/align.ts";
import { freezeReader, OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { waitFor, within } from "./support/wait.ts";

const RATE = OFFLINE_RATE;
const MARKERS = 11; // M1 at 0 s … M11 at 10 s: a head each in the song prepared

async function writeSong(dir: string): Promise<string> {
  const frames = 14 * RATE;
  await Deno.writeFile(
    join(dir, "pads.wav"),
    encodeWav([lcgNoise(frames, 1), lcgNoise(frames, 2)], RATE, "f32"),
  );
  const markers = Array.from({ length: MARKERS }, (_, i) => ({ name: `M${i + 1}`, at: i }));
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      title: "switch head first",
      tempo: 120,
      timeSignature: [4, 4],
      markers,
      tracks: [{ file: "pads.wav" }],
    }),
  );
  return dir;
}

Deno.test("reader: the head a key change waits for (a loop set while it waits) is stretched before the new song's other heads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-switchhead-" });
  try {
    const song = await writeSong(dir);
    const player = await offlinePlayer(
      { lookAheadSeconds: 0.05, stretchStems: 1, readers: 1 },
      "test",
    );
    const native = player.native;
    const freeze = (on: boolean) => freezeReader(player, on);
    try {
      await player.loadSong(song, { transpose: 2, speed: 0.9 });
      player.play();
      player.render(RATE / 2);
      await waitFor("every head of the song playing", () => {
        const { heads, headsReady } = player.streamStats;
        return heads > 0 && headsReady === heads;
      });
      freeze(true); // the new song's ring and heads wait until the loop is set
      const prepared = new Promise<void>((resolve) =>
        player.addEventListener("songprepared", () => resolve(), { once: true })
      );
      player.transpose = -1;
      let outcome: "waiting" | "ready" | unknown = "waiting";
      player.keyTempoReady().then(() => outcome = "ready", (error) => outcome = error);
      await prepared;
      const before = player.streamStats.heads;
      player.loop(6.5, 8.5); // not on a marker: a head of its own, in both songs
      await waitFor("the loop's head asked of both songs", () => {
        return player.streamStats.heads >= before + 2;
      });
      const ready = player.streamStats.headsReady;
      // Let the reader go for two heads: the loop's in the song playing (the armed cue's),
      // then, in the song prepared, the one the switch waits for.
      assert.equal(native.sp_test_set_streaming(player.engine, 0, 0), 0);
      await waitFor("two heads stretched", () => player.streamStats.headsReady >= ready + 2);
      freeze(true);
      const { heads, headsReady } = player.streamStats;
      console.log(`${headsReady} of ${heads} heads ready when the reader was paused`);
      await within("the switch, with the reader paused", player.keyTempoReady(), 20000)
        .catch(() => {});
      assert.equal(
        outcome,
        "ready",
        `the change still waits (${headsReady} of ${heads} heads ready): the head it waits ` +
          "for came after the new song's other heads",
      );
      assert.equal(player.transpose, -1);
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
