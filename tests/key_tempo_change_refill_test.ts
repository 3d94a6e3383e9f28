/**
 * A key change set while the song playing refills its rings (right after a jump or a seek)
 * starts its own far ahead of the playhead: the readers fill the song playing first
 * (native/butler.c), so the new rings get what they leave. In the Scale trace (24 R2 stems, a
 * change set as a jump to another marker was armed) every such change was missed at 0.15 and
 * often at 0.5 s ahead, each miss seen about 3 s later, and made 4.4–9.7 s after it was set.
 * Never past an armed jump, nor past a loop the playhead comes to. Null device (the playhead
 * moves by itself), one reader, paused after the jump or seek; each start is compared with the
 * playhead the preparation itself read.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import type { SongDeck } from "../src/songs/song_deck.ts";
import type { Filling } from "../src/songs/retime.ts";
import type { ShowFlow } from "../src/show/show.ts";
import { writeNoiseSong } from "./support/noise_song.ts";
import { freezeReader, OFFLINE_RATE } from "./support/offline_player.ts";
import { sleep } from "./support/wait.ts";

const RATE = OFFLINE_RATE;

/** sp_engine_rings_low: the song playing's streamed stems holding less than a quarter of their
 * ring, or waiting for it to be started. */
function ringsLow(player: Player): number {
  const out = new Uint32Array(1);
  assert.equal(player.native.sp_engine_rings_low(player.engine, 1, out), 0);
  return out[0];
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await sleep(10);
  assert.ok(done(), what);
}

function partsOf(player: Player) {
  return (player as unknown as { parts: { songs: SongDeck; show: ShowFlow } }).parts;
}

const playheadOf = (player: Player) => player.engineContext.readStatus().position;

/** Prepares the song playing again at +2 through the player's key-change deck, as a change
 * does at its first try (0.15 s ahead): the frame its ring was asked to start at, and the
 * playhead the preparation read for it (the song plays at speed 1: the same frames). */
async function prepareAtPlus2(player: Player): Promise<{ start: number; read: number }> {
  const deck = partsOf(player).songs.keyTempoDeck();
  let read = NaN;
  const prepared = await deck.prepare(
    { ...deck.current!.described!, transpose: 2 },
    undefined,
    () => read = playheadOf(player),
    0.15,
  );
  const { filling } = prepared as unknown as { filling: Filling };
  const start = filling.rings[0].start!;
  await deck.drop(prepared);
  return { start, read };
}

/** A null-device player (one reader) playing a 20 s streamed song at its recorded key with
 * markers Intro (0 s) and Bridge (10 s), its ring filled; checks that a change then starts
 * 0.15 s ahead, pauses the reader and hands over. */
async function withPlayingSong(fn: (player: Player) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-change-refill-" });
  const player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    channels: 2,
    library: "test",
    streaming: { lookAheadSeconds: 1, readers: 1, stretchStems: 1 },
  });
  try {
    await writeNoiseSong(dir, 20, {
      title: "refill",
      markers: [{ name: "Intro", at: 0 }, { name: "Bridge", at: 10 }],
    });
    await player.loadSong(dir);
    player.play();
    await until("the ring filled", () => player.position > 0.2 && ringsLow(player) === 0);
    const held = await prepareAtPlus2(player);
    const ahead = (held.start - held.read) / RATE;
    console.log(`rings held: started ${ahead.toFixed(3)} s ahead`);
    assert.ok(ahead < 0.2, `the ring held, yet the change started ${ahead} s ahead`);
    freezeReader(player, true);
    await fn(player);
  } finally {
    freezeReader(player, false);
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("key change: set as the song playing refills its rings, starts its own far ahead of the playhead", async () => {
  await withPlayingSong(async (player) => {
    player.jump("Bridge"); // its head plays; its ring is asked to go on from the head's end
    await until("the jump left the ring to be refilled", () => ringsLow(player) > 0);
    const { start, read } = await prepareAtPlus2(player);
    const ahead = (start - read) / RATE;
    console.log(`refilling: started ${ahead.toFixed(3)} s ahead`);
    assert.ok(
      ahead >= 1.49,
      `the song playing refilling, the change started only ${ahead} s ahead`,
    );
  });
});

// Found by an attack on the far start: the rings of a change never start past an armed jump,
// where the playhead never goes; the change then waited only to be moved when it fired.
Deno.test("key change: set as the song refills with a jump armed, starts its rings before the jump", async () => {
  await withPlayingSong(async (player) => {
    player.jump("Bridge");
    await until("the jump left the ring to be refilled", () => ringsLow(player) > 0);
    const when = playheadOf(player) + Math.round(1.2 * RATE); // the next bar, say
    partsOf(player).show.jumpAtFrame(0, when);
    const { start, read } = await prepareAtPlus2(player);
    console.log(`a jump armed at ${when}: read at ${read}, rings started at ${start}`);
    assert.ok(read < when, "the playhead was read before the jump fired");
    // Capped 0.3 s before the jump (a block's slack for the callback moving on meanwhile).
    assert.ok(
      start < when - 0.25 * RATE,
      `rings started ${(start - when) / RATE} s from the armed jump`,
    );
  });
});

// Found by the second review: a loop set ahead of the playhead (it vamps once there) took a
// start past its end, which the playhead never reaches.
Deno.test("key change: set as the song refills before a loop it comes to, starts its rings in the loop", async () => {
  await withPlayingSong(async (player) => {
    player.seek(9.6);
    await until("the seek left the ring to be refilled", () => ringsLow(player) > 0);
    player.loop(10, 11);
    const { start } = await prepareAtPlus2(player);
    console.log(`a loop at 10–11 s: rings started at ${(start / RATE).toFixed(3)} s`);
    assert.ok(start >= 10 * RATE - 2 && start < 11 * RATE, `started at ${start / RATE} s`);
  });
});
