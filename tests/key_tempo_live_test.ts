/**
 * `player.transpose` and `player.speed` from the operator (issue 24): absolute setters whose
 * errors change nothing, a change prepared in the background and switched to at the same
 * musical place, reset at every song change, and play refused while a change is prepared
 * (the old key is never played). A change while playing: tests/key_tempo_playing_test.ts. Real Rubber Band, offline engine; nothing
 * timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Player, StemplayError } from "../mod.ts";
import { estimateFrequency } from "./support/fixtures.ts";
import { snapshot } from "./support/songs.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { cents, middle, writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;

const code = (expected: string) => (error: unknown) =>
  error instanceof StemplayError && error.code === expected;

/** Output 1 for `frames` frames played from where the transport stands; paused after. */
function playFor(player: Player, frames: number): Float32Array {
  player.play();
  const out = new Float32Array(frames);
  for (let at = 0; at < frames; at += 4800) {
    out.set(player.render(Math.min(4800, frames - at))[0], at);
  }
  player.pause();
  player.render(4800);
  return out;
}

function pitchCents(out: Float32Array, semitones: number): number {
  return cents(estimateFrequency(middle(out, 1), RATE), 220 * Math.pow(2, semitones / 12));
}

Deno.test("transpose and speed: a bad value is INVALID_ARGUMENT and changes nothing", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}));
    player.seekFrames(RATE);
    player.render(256);
    const before = snapshot(player);
    const bad: ["transpose" | "speed", unknown][] = [
      ["transpose", 12.5],
      ["transpose", -13],
      ["transpose", NaN],
      ["transpose", Infinity],
      ["transpose", "2"],
      ["transpose", undefined],
      ["speed", 0.4],
      ["speed", 2.01],
      ["speed", NaN],
      ["speed", "1"],
      ["speed", null],
    ];
    for (const [field, value] of bad) {
      assert.throws(
        () => (player as unknown as Record<string, unknown>)[field] = value,
        code("INVALID_ARGUMENT"),
        `${field} = ${String(value)}`,
      );
      assert.equal(player.transpose, 0);
      assert.equal(player.speed, 1);
      assert.equal(player.keyTempoPreparing, false);
      assert.deepEqual(snapshot(player), before);
    }
  });
});

Deno.test("transpose set while stopped: the song is prepared again and plays on the new key within 2 cents", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}));
    const group = player.currentGroup;
    const asked = performance.now();
    player.transpose = 2;
    assert.equal(player.transpose, 2, "the getter has the new value at once");
    assert.equal(player.keyTempoPreparing, true);
    await player.keyTempoReady();
    console.log(`  a 4 s mono stem prepared at +2 in ${(performance.now() - asked).toFixed(0)} ms`);
    assert.equal(player.keyTempoPreparing, false);
    assert.notEqual(player.currentGroup, group, "a new song took the old one's place");
    const error = pitchCents(playFor(player, 3 * RATE), 2);
    console.log(`  set transpose +2: ${error.toFixed(3)} cents off`);
    assert.ok(Math.abs(error) < 2, `${error} cents`);
    // The value it already has: nothing is prepared again.
    const prepared = player.currentGroup;
    player.transpose = 2;
    assert.equal(player.keyTempoPreparing, false);
    await player.keyTempoReady();
    assert.equal(player.currentGroup, prepared);
    // Back to 0: the files as recorded.
    player.transpose = 0;
    await player.keyTempoReady();
    player.seekFrames(0);
    const back = pitchCents(playFor(player, 3 * RATE), 0);
    assert.ok(Math.abs(back) < 2, `${back} cents back at 0`);
  });
});

Deno.test("values set while a change is prepared: the last one wins", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}));
    const muted = player.tracks[0];
    muted.gain = 0.5;
    player.transpose = 1;
    player.transpose = 2;
    player.transpose = -3;
    assert.equal(player.transpose, -3);
    await player.keyTempoReady();
    assert.equal(player.transpose, -3);
    assert.equal(player.tracks[0].gain, 0.5, "the operator's level is carried over");
    const error = pitchCents(playFor(player, 3 * RATE), -3);
    console.log(`  +1, +2, −3 in a row: ${error.toFixed(3)} cents off −3`);
    assert.ok(Math.abs(error) < 2, `${error} cents`);
  });
});

Deno.test("speed: the position maps to the same place in the music, stopped there", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(
      await writeToneSong(dir, { tempo: 120, markers: [{ name: "Bar 3", at: 2 }] }),
    );
    player.seek(2); // on the marker, as recorded
    player.render(256);
    player.speed = 0.8;
    await player.keyTempoReady();
    player.render(256); // offline, the switch is published by the next block
    const marker = player.markers[0];
    console.log(`  speed 0.8: at ${player.positionFrames}, marker ${marker.at * RATE}`);
    // In song time (the recording's seconds: docs/key_tempo.md) the marker's place is 2 s.
    assert.equal(player.positionFrames, 2 * RATE);
    assert.equal(marker.at, 2);
    assert.equal(player.state, "stopped");
    assert.equal(player.tempo[0].tempo, 120); // the recording's bpm, played at 96
    assert.ok(Math.abs(player.durationFrames - 4 * RATE) <= 1);
    // From 0.8 to 1.25: still the marker's place.
    player.speed = 1.25;
    await player.keyTempoReady();
    player.render(256);
    assert.equal(player.positionFrames, 2 * RATE);
    assert.equal(player.markers[0].at, 2);
    // Paused mid-song: stopped at the mapped place.
    player.seekFrames(RATE);
    playFor(player, 4800);
    const paused = player.positionFrames;
    assert.equal(player.state, "paused");
    player.speed = 1;
    await player.keyTempoReady();
    player.render(256);
    assert.ok(Math.abs(player.positionFrames - paused) <= 1, `${player.positionFrames}`);
    assert.equal(player.state, "stopped");
  });
});

Deno.test("a song change resets the key and tempo to the song's or the setlist entry's", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const plain = await writeToneSong(dir, {}, "plain", 2);
    const raised = await writeToneSong(dir, { transpose: 1 }, "raised", 2);
    await player.loadSong(raised);
    assert.equal(player.transpose, 1, "the song's own value");
    player.transpose = 3;
    await player.keyTempoReady();
    assert.equal(player.transpose, 3);
    await player.loadSong(plain);
    assert.equal(player.transpose, 0);
    assert.equal(player.speed, 1);

    const setlist = join(dir, "show.json");
    await Deno.writeTextFile(
      setlist,
      JSON.stringify({ songs: [plain, { song: plain, transpose: -2, speed: 0.9 }] }),
    );
    await player.loadSetlist(setlist);
    player.speed = 1.1;
    await player.keyTempoReady();
    await player.next();
    assert.deepEqual([player.transpose, player.speed], [-2, 0.9]);
    player.transpose = 0;
    await player.keyTempoReady();
    await player.previous();
    assert.deepEqual([player.transpose, player.speed], [0, 1]);
    await player.next();
    assert.deepEqual([player.transpose, player.speed], [-2, 0.9], "the entry's again");
  });
});

Deno.test("play while a change is prepared is refused: the old key is never played", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}));
    player.transpose = 2;
    for (const start of [() => player.play(), () => player.fadeIn(1)]) {
      assert.throws(start, (error: unknown) => {
        assert.ok(error instanceof StemplayError);
        assert.equal(error.code, "BUSY");
        assert.match(error.message, /being prepared at key \+2/);
        return true;
      });
    }
    const held = player.render(4800)[0];
    assert.equal(player.state, "stopped");
    assert.ok(held.every((sample) => sample === 0), "nothing sounds while it is prepared");
    await player.keyTempoReady();
    const error = pitchCents(playFor(player, 3 * RATE), 2);
    assert.ok(Math.abs(error) < 2, `${error} cents after the refused play`);
  });
});

Deno.test("a setlist's transition to the next song is armed again at the new length", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await writeToneSong(dir, { title: "one" }, "one", 2);
    await writeToneSong(dir, { title: "two" }, "two", 2);
    const setlist = join(dir, "show.json");
    await Deno.writeTextFile(
      setlist,
      JSON.stringify({ songs: [{ song: "one", transition: "next" }, "two"] }),
    );
    await player.loadSetlist(setlist);
    await player.setlistReady();
    player.speed = 0.8; // 2 s of the recording last 2.5 s
    await player.keyTempoReady();
    assert.equal(player.durationFrames, 2 * RATE); // song time
    player.play();
    for (let at = 0; at < 3 * RATE; at += 4800) player.render(4800);
    await player.setlistSettled();
    assert.equal(player.setlist?.index, 1, "the transition fired at the new end");
    assert.equal(player.title, "two");
    assert.equal(player.state, "playing");
    assert.deepEqual([player.transpose, player.speed], [0, 1], "song two's own values");
  });
});
