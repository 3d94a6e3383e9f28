/**
 * The sync feed's loop while a tempo change is prepared (review of issue 24): the feed carries
 * the loop in song time and the follower puts it on the primary's timeline (÷ speed). The
 * speed to divide by is the one the timeline runs at, not the one just asked (the song plays
 * at the old tempo until the new one is ready): else a follower predicts the primary past the
 * loop's end, not back at its start. A real offline player and Rubber Band; nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { followCues, primaryAt } from "../src/control/sync_cues.ts";
import { transportMessage } from "../src/control/sync_serve.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeManifest } from "./support/songs.ts";
import { clicks } from "./support/stretch_signals.ts";
import { waitFor } from "./support/wait.ts";

const RATE = 48_000;

Deno.test("sync feed at speed 0.8, speed 1 asked and not yet ready: the loop's end goes back to its start on the timeline that plays", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const folder = join(dir, "clicks");
    await Deno.mkdir(folder);
    await Deno.writeFile(join(folder, "clicks.wav"), encodeWav([clicks(8, 1, 1)], RATE, "f32"));
    await writeManifest(folder, {
      tracks: [{ file: "clicks.wav", route: [1], pitched: false }],
      speed: 0.8,
    });
    await player.loadSong(folder);
    player.loop(2, 4); // song time: the timeline's 2.5 s to 5 s
    player.play();
    const real = Math.round(4.9 * RATE); // 0.1 s before the loop's end on the timeline
    for (let at = 0; at < real; at += 4800) player.render(Math.min(4800, real - at));
    player.speed = 1; // prepared in the background: the song still plays at 0.8
    const state = transportMessage(player);
    assert.ok(state, "a state message");
    assert.equal(state.state, "playing");
    assert.deepEqual(state.loop, { start: 2, end: 4 });
    // 0.2 s on: the primary passed the loop's end (5 s) 0.1 s ago, so it is at 2.6 s.
    const predicted = primaryAt(state, state.at + 200, true) / RATE;
    console.log(`  at ${state.position / RATE} s (timeline), 0.2 s on: predicted ${predicted} s`);
    assert.ok(Math.abs(predicted - 2.6) < 0.01, `predicted ${predicted} s, not 2.6 s`);
    await waitFor("the change", () => !player.keyTempoPreparing, 60_000);
  });
});

Deno.test("speed 1.7: a loop to the song's end reads back within the song, and a follower with the same song sees no mismatch", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const folder = join(dir, "clicks");
    await Deno.mkdir(folder);
    await Deno.writeFile(join(folder, "clicks.wav"), encodeWav([clicks(6, 1, 1)], RATE, "f32"));
    await writeManifest(folder, {
      tracks: [{ file: "clicks.wav", route: [1], pitched: false }],
      markers: [{ name: "Intro", at: 0 }, { name: "Outro", at: 5.5 }],
      speed: 1.7,
    });
    await player.loadSong(folder);
    player.loopSection("Outro"); // the vamp on the outro: to the song's end
    const range = player.loopRange!;
    console.log(`  loopRange ${JSON.stringify(range)}, duration ${player.duration}`);
    assert.ok(
      range.end <= player.duration,
      `loop end ${range.end} past the song's ${player.duration}`,
    );
    player.play();
    player.render(4800);
    const state = transportMessage(player)!;
    // This rig as its own follower (the same copy of the song): nothing differs.
    const outcome = followCues(player, state, Math.round(state.position), {});
    assert.equal(outcome.mismatch, undefined, outcome.mismatch);
  });
});
