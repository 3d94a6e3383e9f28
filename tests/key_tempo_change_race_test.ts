/**
 * A key or tempo change while playing that is overtaken while it waits for its first frames
 * (issue 24, review): another song loaded in the meantime must stay the playing one; the old
 * song, prepared again at the new key, must never come back over it. Real Rubber Band,
 * offline engine; the change goes through the song deck the Player uses. Nothing timed is
 * asserted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { fillState } from "../src/sources/stretch.ts";
import type { KeyTempoDeck } from "../src/songs/key_tempo_change.ts";
import type { SongDeck } from "../src/songs/song_deck.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;

function deckOf(player: Player): KeyTempoDeck {
  return (player as unknown as { parts: { songs: SongDeck } }).parts.songs.keyTempoDeck();
}

Deno.test("a song loaded while a key change waits for its frames stays the playing one", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const first = await writeToneSong(dir, {}, "first", 30);
    const second = await writeToneSong(join(dir, "b"), {}, "second", 2);
    await player.loadSong(first);
    player.play();
    player.render(RATE); // 1 s in
    const deck = deckOf(player);
    const described = deck.current!.described!;
    // Prepared again at +2, rendered from 25 s first: the frames at the playhead (1 s) come
    // with the render of the part before 25 s, seconds later, so the switch waits for them.
    const prepared = await deck.prepare({ ...described, transpose: 2 }, undefined, () => 25 * RATE);
    const fills = (prepared as unknown as { filling: { pcms: Deno.PointerValue[] } }).filling.pcms;
    const switching = deck.retimeTo(prepared, 1, 1);
    await player.loadSong(second);
    const secondGroup = player.currentGroup;
    const { from } = fillState(player.native, fills[0]);
    console.log(`the second song loaded while the new key was filled from frame ${from}`);
    assert.equal(await switching, "overtaken", "the change reports it switched nothing");
    await deck.drop(prepared);
    assert.equal(player.currentGroup, secondGroup, "the deck's current song is the one loaded");
    player.render(RATE / 10);
    assert.equal(
      player.engineContext.readStatus().group,
      secondGroup,
      "the callback plays the song loaded, not the old one at the new key",
    );
  });
});

Deno.test("a second change set before the callback took the first renders from where the music is, not into a silent hold", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-retime-" });
  // The test hooks (sp_test_set_streaming), to render as a device does.
  const options = { backend: "offline", sampleRate: RATE, channels: 4, library: "test" } as const;
  await using player = await Player.open(options);
  try {
    const song = await writeToneSong(dir, {}, "song", 30);
    await player.loadSong(song);
    player.play();
    for (let second = 0; second < 20; second++) player.render(RATE);
    // As a device: frames not written yet are heard as silence (the render does not wait).
    const streaming = (waits: boolean) =>
      assert.equal(player.native.sp_test_set_streaming(player.engine, 0, waits ? 1 : 0), 0);
    streaming(false);
    try {
      // The first change's switch waits in the command ring (no block rendered since, as
      // while a device is lost); the second is prepared meanwhile.
      player.speed = 1.25;
      await player.keyTempoReady();
      player.speed = 0.8;
      await player.keyTempoReady();
      const starved = player.starvedBlocks;
      // Within the frames the switch waited for (src/songs/retime.ts: 0.1 s and two blocks
      // past the playhead): an offline render without waits outruns the render threads.
      const out = player.render(RATE / 10)[0];
      const quiet: number[] = [];
      for (let block = 0; block < out.length; block += 960) {
        const peak = out.subarray(block, block + 960).reduce((m, s) => Math.max(m, Math.abs(s)), 0);
        if (peak < 0.05) quiet.push(block);
      }
      console.log(`silent blocks after the two changes: ${quiet.length} of ${out.length / 960}`);
      assert.deepEqual(quiet, [], "the music plays on at the new tempo, no silent hold");
      assert.equal(player.starvedBlocks, starved);
    } finally {
      streaming(true);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
