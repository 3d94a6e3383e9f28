/**
 * The show flow an operator expects, through the operator actions on an offline player: after
 * a "stop" song ends, play starts the next song with its count-in; stop returns to the start
 * with the count-in armed; a count-in switched on for a single song plays on the next play
 * from a stop or the end.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dispatch } from "../mod.ts";
import { writeTempoSong } from "./support/songs.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";

const RATE = 48000;

Deno.test("show flow: after a stop song ends, play starts the next song with its count-in", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await writeTempoSong(dir, "One", 1);
    await writeTempoSong(dir, "Two", 4);
    await Deno.writeTextFile(
      join(dir, "setlist.json"),
      JSON.stringify({
        title: "Service",
        songs: [{ song: "One", transition: "stop" }, { song: "Two", countIn: 1 }],
      }),
    );
    await player.loadSetlist(join(dir, "setlist.json"));
    await player.setlistReady();
    await dispatch(player, { type: "play" });
    player.render(RATE * 1.5);
    assert.equal(player.state, "ended");
    assert.equal(player.setlist?.index, 0);

    const played = await dispatch(player, { type: "togglePlay" });
    assert.equal(played.message, "song 2 of 2: Two, playing after a 1-bar count-in");
    assert.equal(player.setlist?.index, 1);
    player.render(RATE / 2);
    assert.equal(player.state, "playing");
    assert.ok(player.position < 0, `counting in: ${player.position}`);
    player.render(RATE * 2);
    assert.ok(player.position > 0 && player.position < 1, `then the song: ${player.position}`);
  });
});

Deno.test("show flow: stop returns to the start with the count-in armed; a count-in switched on plays after the end too", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await writeTempoSong(dir, "Solo", 3);
    await player.loadSong(join(dir, "Solo"));
    assert.equal((await dispatch(player, { type: "countIn" })).message, "count-in on: 1 bar");
    await dispatch(player, { type: "play" });
    player.render(RATE * 3); // 2 s of count-in, then 1 s of the song
    assert.ok(player.position > 0.5, `${player.position}`);

    const stopped = await dispatch(player, { type: "stop" });
    assert.equal(stopped.message, "stopped at the start (count-in: 1 bar armed)");
    player.render(512);
    assert.equal(player.state, "stopped");
    assert.equal(player.position, 0);
    await dispatch(player, { type: "play" });
    player.render(RATE / 2);
    assert.ok(player.position < 0, `counting in again: ${player.position}`);

    player.render(RATE * 6); // to the end
    assert.equal(player.state, "ended");
    assert.match((await dispatch(player, { type: "play" })).message, /count-in/);
    player.render(RATE / 2);
    assert.ok(player.position < 0, `counting in after the end: ${player.position}`);

    // Home from a pause is a stop too: the count-in is armed again.
    player.render(RATE * 3);
    await dispatch(player, { type: "pause" });
    player.render(RATE / 10);
    const home = await dispatch(player, { type: "seek", to: "start" });
    assert.equal(home.message, "to start (count-in: 1 bar armed)");
    player.render(512);
    assert.equal(player.state, "stopped");
  });
});
