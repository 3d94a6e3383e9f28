/**
 * A key or tempo change while playing a streamed song (issue 24): the song prepared again goes
 * on at the playhead's place, so its streamed stems are read (and, at a key, stretched by the
 * reader) from there, and the switch waits until their rings hold the frames it lands on.
 * Before, a change back to the recording's key switched to streams whose rings were still
 * filling from the song's top (a dropout at the switch, every stem), and a change at a key
 * decoded the whole song again. Real Rubber Band, offline engine rendering as a device does
 * (the test hooks: no waits for the reader, then the reader paused). Nothing timed is
 * asserted.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { estimateFrequency } from "./support/fixtures.ts";
import { cents, writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;
const SONG_SECONDS = 30;

/** Renders `seconds` as a device would, the reader paused: only what the rings (and heads)
 * already hold plays. Returns the first channel and the track-blocks that starved. */
function renderHeld(player: Player, seconds: number): { out: Float32Array; starved: number } {
  const before = player.starvedBlocks;
  assert.equal(player.native.sp_test_set_streaming(player.engine, 1, 0), 0);
  try {
    return {
      out: player.render(Math.round(seconds * RATE))[0],
      starved: player.starvedBlocks - before,
    };
  } finally {
    assert.equal(player.native.sp_test_set_streaming(player.engine, 0, 1), 0);
  }
}

/** Blocks of 960 frames whose peak is below 0.05 (the tone's is about 0.4). */
function quietBlocks(out: Float32Array): number[] {
  const quiet: number[] = [];
  for (let block = 0; block + 960 <= out.length; block += 960) {
    const peak = out.subarray(block, block + 960).reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    if (peak < 0.05) quiet.push(block);
  }
  return quiet;
}

async function withStreamedPlayer(
  streaming: { stretchStems?: number },
  fn: (player: Player, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-streamed-change-" });
  const options = { backend: "offline", sampleRate: RATE, channels: 2, library: "test" } as const;
  try {
    await using player = await Player.open({ ...options, streaming });
    await fn(player, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a change back to the recorded key while playing goes on from the playhead: nothing starves at the switch", async () => {
  await withStreamedPlayer({}, async (player, dir) => {
    // At +2 the song is decoded whole and rendered; back at 0 it streams again.
    const song = await writeToneSong(dir, { transpose: 2 }, "song", SONG_SECONDS);
    await player.loadSong(song);
    player.play();
    player.render(5 * RATE);
    assert.equal(player.native.sp_test_set_streaming(player.engine, 0, 0), 0); // as a device
    player.transpose = 0;
    await player.keyTempoReady();
    const { out, starved } = renderHeld(player, 0.05);
    console.log(
      `after the switch: ${starved} starved track-blocks, ${quietBlocks(out).length} quiet`,
    );
    assert.equal(starved, 0, "the streamed stem holds the frames the switch lands on");
    assert.deepEqual(quietBlocks(out), [], "the music plays on through the switch");
    assert.ok(player.memoryBytes < SONG_SECONDS * RATE * 4 / 2, "streamed, not decoded whole");
    const after = player.render(RATE)[0];
    const pitch = cents(estimateFrequency(after.subarray(RATE / 2), RATE), 220);
    console.log(`the tone after the change: ${pitch.toFixed(3)} cents off 220 Hz`);
    assert.ok(Math.abs(pitch) < 2, `${pitch} cents`);
  });
});

Deno.test("a change of key while playing a song the reader stretches stays streamed and goes on from the playhead", async () => {
  await withStreamedPlayer({ stretchStems: 8 }, async (player, dir) => {
    const song = await writeToneSong(dir, { transpose: 2 }, "song", SONG_SECONDS);
    await player.loadSong(song);
    player.play();
    player.render(5 * RATE);
    assert.equal(player.native.sp_test_set_streaming(player.engine, 0, 0), 0); // as a device
    player.transpose = -1;
    await player.keyTempoReady();
    const { out, starved } = renderHeld(player, 0.05);
    console.log(
      `after the switch: ${starved} starved track-blocks, ${quietBlocks(out).length} quiet`,
    );
    assert.equal(starved, 0, "the stretched stream holds the frames the switch lands on");
    assert.deepEqual(quietBlocks(out), [], "the music plays on through the switch");
    // Decoded whole, the 30 s stem alone would be 5.8 MB.
    console.log(`memory after the change: ${(player.memoryBytes / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(player.memoryBytes < SONG_SECONDS * RATE * 4 / 2, "streamed, not decoded whole");
    const after = player.render(RATE)[0];
    const pitch = cents(estimateFrequency(after.subarray(RATE / 2), RATE), 220 * 2 ** (-1 / 12));
    console.log(`the tone after the change: ${pitch.toFixed(3)} cents off the new key`);
    assert.ok(Math.abs(pitch) < 2, `${pitch} cents`);
  });
});
