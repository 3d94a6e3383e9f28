/**
 * A key or tempo change while playing keeps the operator's cues (issue 24: "keep every jump
 * guaranteed"; review): a loop vamping when the change comes goes on looping the same music,
 * its ends mapped onto the new timeline (the same song-time seconds), and a jump armed before the change still fires, at
 * the same place in the music. Real Rubber Band, offline engine; nothing timed is asserted.
 */
import assert from "node:assert/strict";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;
const SPEED = 0.8;

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 0.002, `${what}: ${actual} s, expected ${expected} s`);
}

Deno.test("a loop vamping when the tempo changes goes on looping the same music", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}, "song", 12));
    player.play();
    player.render(2 * RATE);
    player.loop(1.5, 3);
    player.speed = SPEED;
    await player.keyTempoReady();
    const loop = player.loopRange;
    console.log(`the loop after the change: ${JSON.stringify(loop)}`);
    assert.ok(loop, "the loop stands after the change");
    // In song time (the recording's seconds) the same music is the same numbers.
    near(loop.start, 1.5, "its start");
    near(loop.end, 3, "its end");
    let latest = 0;
    for (let block = 0; block < 6 * 10; block++) { // 6 s: several passes at the new tempo
      player.render(RATE / 10);
      latest = Math.max(latest, player.position);
    }
    console.log(`the furthest position in 6 s of looping: ${latest.toFixed(3)} s`);
    assert.ok(latest <= 3 + 0.01, `the vamp went on past its end: ${latest} s`);
  });
});

Deno.test("a jump armed before a tempo change still fires, at the same place in the music", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}, "song", 12));
    player.play();
    player.render(2 * RATE);
    player.jumpAt(0.5, 4); // at 4 s of the recording, back to 0.5 s
    player.speed = SPEED;
    await player.keyTempoReady();
    const jump = player.scheduledJump;
    console.log(`the jump after the change: ${JSON.stringify(jump)}`);
    assert.ok(jump, "the jump stands after the change");
    near(jump.at, 4, "when it fires"); // song time: the recording's seconds
    near(jump.target, 0.5, "where it lands");
    let earliest = Infinity;
    for (let block = 0; block < 4 * 10; block++) {
      player.render(RATE / 10);
      earliest = Math.min(earliest, player.position);
    }
    assert.ok(earliest < 1, `the jump never fired (earliest position ${earliest} s)`);
  });
});
