/**
 * A key or tempo change left behind (another song loaded, the setlist moved on) never holds up
 * the next song's play (a review found it did, with BUSY). Offline engine, real Rubber Band.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { StemplayError } from "../mod.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;

Deno.test("key and tempo: after loadSong of another song, play is not refused by the old song's abandoned key change", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const long = await writeToneSong(dir, { title: "long" }, "long", 20);
    const short = await writeToneSong(dir, { title: "short" }, "short", 2);
    await player.loadSong(long);
    player.transpose = 2; // minutes on a real song; seconds here
    await player.loadSong(short); // the operator moves on to another song
    assert.equal(player.title, "short");
    assert.equal(player.transpose, 0, "the new song's own key");
    const stillPreparing = player.keyTempoPreparing;
    let refused: unknown;
    try {
      player.play();
    } catch (error) {
      refused = error;
    }
    await player.keyTempoReady().catch(() => {});
    assert.equal(
      refused,
      undefined,
      `play of "short" refused (preparing=${stillPreparing}): ${
        refused instanceof StemplayError ? refused.message : refused
      }`,
    );
  });
});

Deno.test("key and tempo: after next() in a setlist, play is not refused by the previous song's key change", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await writeToneSong(dir, { title: "one" }, "one", 20);
    await writeToneSong(dir, { title: "two" }, "two", 2);
    const setlist = join(dir, "show.json");
    await Deno.writeTextFile(setlist, JSON.stringify({ songs: ["one", "two"] }));
    await player.loadSetlist(setlist);
    await player.setlistReady();
    player.speed = 0.9;
    await player.next();
    assert.equal(player.title, "two");
    assert.equal(player.speed, 1);
    let refused: unknown;
    try {
      player.play();
    } catch (error) {
      refused = error;
    }
    await player.keyTempoReady().catch(() => {});
    assert.equal(
      refused,
      undefined,
      `play of "two" refused: ${refused instanceof StemplayError ? refused.message : refused}`,
    );
  });
});
