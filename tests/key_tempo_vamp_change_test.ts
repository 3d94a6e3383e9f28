/**
 * A key change while a loop vamps, on a song the reader stretches (issue 24, "Known limit: a
 * vamp at a key the reader stretches"): the switch lands just before the loop's end, so the
 * first loop back comes at once. Before, the loop was carried to the new song only after the
 * switch, so the head at its start (what the callback jumps to) was asked for only then, and
 * the reader, busy filling the new rings, had not stretched it: every stem went silent for
 * about 0.15 s at the loop back (39–60 starved track-blocks on a PulseAudio null sink). Now
 * the head is decoded into the prepared song before it is attached, and the switch waits for
 * it; a loop back while it waits is no miss. Real Rubber Band, offline engine rendering as a
 * device does (the test hooks: no waits for the reader, then the reader paused, so only what
 * was ready at the switch plays). Nothing timed is asserted.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { estimateFrequency } from "./support/fixtures.ts";
import { cents, writeToneSong } from "./support/stretch_signals.ts";
import { sleep } from "./support/wait.ts";

const RATE = 48_000;
const LOOP = { start: 2, end: 4 };
const options = { backend: "offline", sampleRate: RATE, channels: 2, library: "test" } as const;

/** Renders `seconds` with the reader paused and no waits for it, as a device would play what
 * the rings and heads hold; the track-blocks that starved, and the first channel. */
function renderHeld(player: Player, seconds: number): { out: Float32Array; starved: number } {
  const before = player.starvedBlocks;
  assert.equal(player.native.sp_test_set_streaming(player.engine, 1, 0), 0);
  try {
    const out = player.render(Math.round(seconds * RATE))[0];
    return { out, starved: player.starvedBlocks - before };
  } finally {
    assert.equal(player.native.sp_test_set_streaming(player.engine, 0, 1), 0);
  }
}

Deno.test("a key change while a loop vamps, landing just before the loop's end, plays the loop back at the new key without starving", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-vamp-change-" });
  try {
    await using player = await Player.open({ ...options, streaming: { stretchStems: 8 } });
    await player.loadSong(await writeToneSong(dir, { transpose: 2 }, "song", 20));
    player.play();
    player.loop(LOOP.start, LOOP.end);
    // A pass and a half: the change comes in the second pass, 0.1 s before the loop's end.
    player.render(Math.round((LOOP.end + (LOOP.end - LOOP.start) - 0.1) * RATE));
    assert.ok(Math.abs(player.position - (LOOP.end - 0.1)) < 0.01, `at ${player.position} s`);
    assert.equal(player.native.sp_test_set_streaming(player.engine, 0, 0), 0); // as a device
    player.transpose = -1;
    await player.keyTempoReady();
    assert.deepEqual(player.loopRange, LOOP, "the vamp goes on after the change");
    // The reader paused: only what the new song held at the switch plays through the loop back.
    const atSwitch = renderHeld(player, 0.05).starved; // the switch, before the loop's end
    const { out, starved } = renderHeld(player, 0.35); // the loop back at 0.05 s
    console.log(
      `starved track-blocks: ${atSwitch} at the switch, ${starved} at the loop back (at ` +
        `${player.position.toFixed(3)} s)`,
    );
    assert.equal(atSwitch, 0, "the new rings hold the frames the switch lands on");
    assert.ok(player.position > LOOP.start && player.position < LOOP.start + 0.35, "looped back");
    assert.equal(starved, 0, "the head at the loop's start was ready at the switch");
    const pitch = cents(estimateFrequency(out.subarray(RATE / 10), RATE), 220 * 2 ** (-1 / 12));
    console.log(`the tone after the loop back: ${pitch.toFixed(3)} cents off the new key`);
    assert.ok(Math.abs(pitch) < 2, `${pitch} cents`);
    assert.equal(player.transpose, -1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a loop back while a key change waits for its rings is no miss: prepared once, the change made on a later pass", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-vamp-wait-" });
  const loop = { start: 2, end: 2.5 };
  try {
    await using player = await Player.open({ ...options, streaming: { stretchStems: 8 } });
    await player.loadSong(await writeToneSong(dir, { transpose: 2 }, "song", 20));
    player.play();
    player.loop(loop.start, loop.end);
    player.render(Math.round(2.3 * RATE));
    let preparations = 0;
    const prepared = new Promise<void>((resolve) =>
      player.addEventListener("songprepared", () => {
        preparations++;
        resolve();
      })
    );
    player.transpose = -1;
    let outcome: "waiting" | "ready" | unknown = "waiting";
    player.keyTempoReady().then(() => outcome = "ready", (error) => outcome = error);
    await prepared; // its rings start at the playhead (2.3 s); the switch waits for them
    await sleep(0);
    // The vamp loops back (to 2.05 s) before the rings are ready, then comes round again.
    player.render(Math.round(0.25 * RATE));
    let looped = 1;
    for (let step = 0; outcome === "waiting" && step < 3000; step++) {
      await sleep(5);
      const before = player.position;
      player.render(RATE / 10);
      if (player.position < before) looped++;
    }
    console.log(`prepared ${preparations} time(s); the vamp looped back ${looped} times meanwhile`);
    if (outcome !== "ready") throw outcome;
    assert.equal(player.transpose, -1);
    assert.equal(preparations, 1, "a loop back while it waited did not prepare it again");
    assert.deepEqual(player.loopRange, loop, "the vamp goes on after the change");
    const { out, starved } = renderHeld(player, 1); // two loop backs, the reader paused
    console.log(`after the change, two loop backs: ${starved} starved track-blocks`);
    assert.equal(starved, 0);
    const pitch = cents(estimateFrequency(out.subarray(0, RATE / 2), RATE), 220 * 2 ** (-1 / 12));
    assert.ok(Math.abs(pitch) < 2, `${pitch} cents off the new key`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
