/**
 * A key change set while the song playing refills its rings (right after a jump or a seek)
 * starts its own rings far ahead of the playhead: the readers fill the song playing first
 * (native/butler.c), so the new rings get what they leave. In the Scale trace (24 R2 stems, a
 * change set as a jump to another marker was armed) every such change was missed at 0.15 and
 * often at 0.5 s ahead, each miss seen about 3 s later, and made 4.4–9.7 s after it was set.
 * Null device (the playhead moves by itself), one reader, paused for the jump; nothing timed
 * is asserted.
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
 * ring (or waiting for it to be started), and the frame past which an armed cue leaves the
 * song (0: none). */
function playingRings(player: Player): { low: number; leftAt: number } {
  const out = new BigUint64Array(2);
  assert.equal(player.native.sp_engine_rings_low(player.engine, 1, out), 0);
  return { low: Number(out[0]), leftAt: Number(out[1]) };
}

const ringsLow = (player: Player) => playingRings(player).low;

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await sleep(10);
  assert.ok(done(), what);
}

function partsOf(player: Player) {
  return (player as unknown as { parts: { songs: SongDeck; show: ShowFlow } }).parts;
}

const playheadOf = (player: Player) => () => player.engineContext.readStatus().position;

/** Prepares the song playing again at +2 through the player's key-change deck, as a change
 * does at its first try (0.15 s ahead): where its ring was started, and how far ahead of the
 * playhead, at least (read after) and at most (read before), in seconds. */
async function startedAhead(
  player: Player,
): Promise<{ least: number; most: number; start: number }> {
  const deck = partsOf(player).songs.keyTempoDeck();
  const playhead = playheadOf(player);
  const before = playhead();
  const prepared = await deck.prepare(
    { ...deck.current!.described!, transpose: 2 },
    undefined,
    playhead,
    0.15,
  );
  const after = playhead();
  const { filling } = prepared as unknown as { filling: Filling };
  const start = filling.rings[0].start!;
  await deck.drop(prepared);
  return { least: (start - after) / RATE, most: (start - before) / RATE, start };
}

/** A null-device player (one reader) playing a 20 s streamed song at +1 with markers Intro
 * (0 s) and Bridge (10 s), its ring full, the reader paused after `jump` to Bridge left it to be
 * refilled. */
async function withRefillingSong(fn: (player: Player) => Promise<void>): Promise<void> {
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
      transpose: 1,
      markers: [{ name: "Intro", at: 0 }, { name: "Bridge", at: 10 }],
    });
    await player.loadSong(dir);
    player.play();
    await until("the ring filled", () => player.position > 0.2 && ringsLow(player) === 0);
    const held = await startedAhead(player);
    console.log(`rings held: started ${held.least.toFixed(3)}–${held.most.toFixed(3)} s ahead`);
    assert.ok(held.most < 0.5, `the ring held, yet the change started ${held.most} s ahead`);
    freezeReader(player, true);
    player.jump("Bridge"); // its head plays; its ring is asked to go on from the head's end
    await until("the jump left the ring to be refilled", () => ringsLow(player) > 0);
    await fn(player);
  } finally {
    freezeReader(player, false);
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("key change: set as the song playing refills its rings, starts its own far ahead of the playhead", async () => {
  await withRefillingSong(async (player) => {
    const refilling = await startedAhead(player);
    console.log(
      `refilling: started ${refilling.least.toFixed(3)}–${refilling.most.toFixed(3)} s ahead`,
    );
    assert.ok(
      refilling.least >= 1.4,
      `the song playing refilling, the change started only ${refilling.least} s ahead`,
    );
  });
});

// Found by an attack on the far start: the rings of a change never start past an armed jump
// (or a setlist's transition), where the playhead never goes; the change then waited only to
// be moved when the jump fired.
Deno.test("key change: set as the song refills with a jump armed, starts its rings before the jump", async () => {
  await withRefillingSong(async (player) => {
    const when = playheadOf(player)() + Math.round(0.6 * RATE); // the next bar, say
    partsOf(player).show.jumpAtFrame(0, when);
    await until("the callback armed the jump", () => playingRings(player).leftAt > 0);
    const { start } = await startedAhead(player);
    console.log(`a jump armed at ${when}: rings started at ${start}`);
    assert.ok(start < when, `rings started ${(start - when) / RATE} s past the armed jump`);
  });
});
