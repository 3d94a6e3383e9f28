/**
 * The readers fill the rings of the song playing before those of a song being prepared (the
 * setlist's next song, a key change's): a ring the audio side reads must not run dry for one
 * that only delays a switch. Before, every ring less than half full took its turn in slot
 * order, so a key change's new rings and a jump's refill competed, and the song playing
 * starved (the Scale soak's worst burst: a jump with a key change, 8,000 track-blocks).
 * The armed jump's head goes first of all once the playing rings hold a quarter: a jump to a
 * head not ready holds silent. One reader, paused, taking one round at a time (the "test"
 * library's hook); nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Player } from "../mod.ts";
import type { Engine } from "../src/engine/engine.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { headState, ringState, wantHead } from "../src/sources/streaming.ts";
import { lcgNoise } from "./support/align.ts";
import { writeNoiseSong } from "./support/noise_song.ts";
import { freezeReader, OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { sleep } from "./support/wait.ts";

const RATE = OFFLINE_RATE;

function writeSong(dir: string, name: string, seconds = 8): Promise<string> {
  return writeNoiseSong(join(dir, name), seconds, {
    title: name,
    markers: [{ name: "Verse", at: 4 }],
  });
}

function engineOf(player: Player): Engine {
  return (player as unknown as { parts: { engine: Engine } }).parts.engine;
}

/** One round of the paused reader, waited for. */
async function readerRound(player: Player): Promise<void> {
  const left = new Int32Array(1);
  assert.equal(player.native.sp_test_reader_steps(player.engine, 1, left), 0);
  while (left[0] > 0) {
    await sleep(1);
    assert.equal(player.native.sp_test_reader_steps(player.engine, 0, left), 0);
  }
}

Deno.test("reader priority: the song playing's rings are filled before the rings of the song the setlist prepares", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-priority-" });
  const player = await offlinePlayer({ lookAheadSeconds: 1, readers: 1 }, "test");
  try {
    const songs = [await writeSong(dir, "one"), await writeSong(dir, "two")];
    await Deno.writeTextFile(join(dir, "show.json"), JSON.stringify({ songs }));
    let prepared = -1;
    player.addEventListener("songprepared", (event) => {
      prepared = (event as CustomEvent<{ group: number }>).detail.group;
    });
    freezeReader(player, true); // every ring stays empty until a round is asked for
    await player.loadSetlist(join(dir, "show.json"));
    await player.setlistReady();
    const { native, streams } = engineOf(player);
    const [next] = streams!.streamsOf(prepared);
    // The song playing was attached before the one prepared: a lower group.
    const groups = Array.from({ length: Math.max(0, prepared) }, (_, group) => group);
    const [current] = groups.flatMap((group) => streams!.streamsOf(group));
    assert.ok(next && current, "two streamed songs");
    player.play();
    player.render(RATE / 2); // from the start's head: the ring behind it is asked for
    const written = (stream: Deno.PointerValue) => ringState(native, stream).to;
    const before = { current: written(current), next: written(next) };
    await readerRound(player);
    assert.ok(written(current) > before.current, "the playing song's ring got nothing");
    assert.equal(written(next), before.next, "the prepared song's ring was filled first");
    // Once the playing ring is at least half full, the prepared song's rings get their turn.
    for (let i = 0; i < 100 && written(next) === before.next; i++) await readerRound(player);
    assert.ok(written(next) > before.next, "the prepared song's ring never filled");
  } finally {
    freezeReader(player, false);
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader priority: a crossfade's tail is the song playing too: its rings are filled with the new song's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-priority-tail-" });
  const player = await offlinePlayer({ lookAheadSeconds: 1, readers: 1 }, "test");
  try {
    // Song one crossfades into two over its last 4 s: from 2 s on, one is heard as a tail.
    const songs = [
      { song: await writeSong(dir, "one", 6), transition: { crossfade: 4 } },
      await writeSong(dir, "two"),
    ];
    await Deno.writeTextFile(join(dir, "show.json"), JSON.stringify({ songs }));
    let prepared = -1;
    player.addEventListener("songprepared", (event) => {
      prepared = (event as CustomEvent<{ group: number }>).detail.group;
    });
    await player.loadSetlist(join(dir, "show.json"));
    await player.setlistReady();
    const { native, streams } = engineOf(player);
    const [next] = streams!.streamsOf(prepared);
    const groups = Array.from({ length: Math.max(0, prepared) }, (_, group) => group);
    const [tail] = groups.flatMap((group) => streams!.streamsOf(group));
    assert.ok(next && tail, "two streamed songs");
    const written = (stream: Deno.PointerValue) => ringState(native, stream).to;
    // Both songs' heads and rings filled, then the reader paused.
    let last = "";
    for (let i = 0; i < 100; i++) {
      const now = `${written(tail)} ${written(next)}`;
      if (now === last && written(tail) > 0 && written(next) > 0) break;
      last = now;
      await sleep(200);
    }
    freezeReader(player, true);
    player.play();
    // 2.5 s into the crossfade: both rings played past what they held (starved, counted).
    player.render(RATE * 4 + RATE / 2);
    const before = { tail: written(tail), next: written(next) };
    await readerRound(player);
    assert.ok(written(next) > before.next, "the new song's ring got nothing");
    assert.ok(written(tail) > before.tail, "the ring of the song fading out, heard, waited");
  } finally {
    freezeReader(player, false);
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every streamed stem of the player's songs, in the order they were attached. */
function allStreams(player: Player): Deno.PointerValue[] {
  const { streams } = engineOf(player);
  return Array.from({ length: 8 }, (_, group) => streams!.streamsOf(group)).flat();
}

/** A song at +2 and 0.9 with one stereo stem playing from its start's head, one paused reader
 * having filled the ring behind it to a quarter (below half); `verse` is a frame in the
 * Verse's head, which no reader has stretched. */
async function atAQuarter(
  run: (context: {
    player: Player;
    stream: Deno.PointerValue;
    verse: number;
    held: () => { written: number; part: number };
  }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-priority-" });
  const key = { transpose: 2, speed: 0.9 };
  const player = await offlinePlayer(
    { lookAheadSeconds: 1, readers: 1, stretchStems: 1 },
    "test",
  );
  try {
    const song = await writeSong(dir, "one");
    freezeReader(player, true); // the start's head is stretched on loading threads, no other
    await player.loadSong(song, key);
    const [stream] = allStreams(player);
    const verse = Math.round(4 * RATE / key.speed) + 100;
    assert.equal(headState(player.native, stream, verse), "pending");
    player.play();
    player.render(RATE / 4); // from the start's head: the ring behind it is asked for
    const held = () => {
      const ring = ringState(player.native, stream);
      return { written: ring.to, part: (ring.to - ring.from) / ring.capacity };
    };
    while (held().part < 0.25) await readerRound(player);
    assert.ok(held().part < 0.5, `the ring holds ${held().part} of itself: not below half`);
    await run({ player, stream, verse, held });
  } finally {
    freezeReader(player, false);
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("reader priority: the armed jump's head is stretched before a playing ring that holds a quarter is topped up", async () => {
  await atAQuarter(async ({ player, stream, verse, held }) => {
    player.jump("Verse", { at: "bar" });
    const before = held().written;
    await readerRound(player);
    assert.equal(headState(player.native, stream, verse), "ready", "the ring was topped up first");
    assert.equal(held().written, before);
  });
});

Deno.test("reader priority: a head asked for by a switch that is done waits behind the playing ring's half", async () => {
  await atAQuarter(async ({ player, stream, verse, held }) => {
    // What a switch's wait (waitForStartHeads) leaves once the ring held the start first: the
    // head still asked for, on a song now playing. No switch waits for it any more.
    wantHead(player.native, stream, verse);
    const before = held().written;
    await readerRound(player);
    assert.ok(held().written > before, "the head asked for went before the playing ring");
    assert.equal(headState(player.native, stream, verse), "pending");
  });
});

Deno.test("reader priority: a stem whose ring failed keeps the cue's stretcher: its other heads wait behind the playing ring's half", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-priority-" });
  const key = { transpose: 2, speed: 0.9 };
  const player = await offlinePlayer(
    { lookAheadSeconds: 1, readers: 1, stretchStems: 2 },
    "test",
  );
  try {
    const song = join(dir, "two");
    await Deno.mkdir(song);
    const frames = 12 * RATE;
    for (const [file, seed] of [["cut.wav", 1], ["whole.wav", 3]] as const) {
      const wav = encodeWav([lcgNoise(frames, seed), lcgNoise(frames, seed + 1)], RATE, "f32");
      await Deno.writeFile(join(song, file), wav);
    }
    const markers = [0, 3, 4, 5, 6, 7, 9, 10].map((at, i) => ({ name: `M${i}`, at }));
    await Deno.writeTextFile(
      join(song, "song.json"),
      JSON.stringify({
        title: "two",
        tempo: 30, // a bar of 8 s: the jump armed below waits
        markers,
        tracks: [{ file: "cut.wav" }, { file: "whole.wav" }],
      }),
    );
    freezeReader(player, true);
    await player.loadSong(song, key);
    // cut.wav cut short on disk after loading, at 2 s: its ring fails there.
    const size = (await Deno.stat(join(song, "cut.wav"))).size;
    await Deno.truncate(join(song, "cut.wav"), size - frames * 8 + 2 * RATE * 8);
    const { native } = engineOf(player);
    const [cut, whole] = allStreams(player);
    const marks = markers.slice(1).map((m) => Math.round(m.at * RATE / key.speed) + 100);
    const pending = () => marks.filter((at) => headState(native, cut, at) === "pending").length;
    const part = (stream: Deno.PointerValue) => {
      const ring = ringState(native, stream);
      return (ring.to - ring.from) / ring.capacity;
    };
    player.play();
    for (let i = 0; i < 400 && !ringState(native, cut).failed; i++) {
      player.render(RATE / 16);
      await readerRound(player);
    }
    assert.ok(ringState(native, cut).failed, "the cut stem's ring did not fail");
    while (part(whole) >= 0.5) player.render(RATE / 16);
    assert.ok(pending() > 0, "no head of the cut stem left pending");
    // At the top, where the song started (its stretcher kept there was taken by the ring).
    player.jump("M0", { at: "bar" });
    for (let i = 0; i < 200 && pending() > 0; i++) {
      const before = { heads: pending(), part: part(whole) };
      await readerRound(player);
      if (pending() < before.heads) {
        assert.ok(
          before.part >= 0.5,
          `a head of the failed stem was decoded with the playing ring at ${before.part}`,
        );
      }
    }
    assert.equal(pending(), 0, "the cut stem's heads were never decoded");
  } finally {
    freezeReader(player, false);
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader priority: a key change's new rings, which the switch waits for, go before a playing ring that holds a quarter", async () => {
  // While a change waits, the song playing has its look-ahead in its rings; topping them up
  // before the new key's rings held the change for seconds at 24 stems (the readers, busy
  // stretching both songs, fell behind the playhead twice before a third try started 1.5 s
  // ahead).
  await atAQuarter(async ({ player, held }) => {
    player.transpose = 3;
    for (let i = 0; i < 500 && allStreams(player).length < 2; i++) await sleep(10);
    const [, changed] = allStreams(player);
    assert.ok(changed, "the change prepared no streamed stem");
    const { native } = engineOf(player);
    const before = { playing: held().written, changed: ringState(native, changed).to };
    await readerRound(player);
    assert.ok(ringState(native, changed).to > before.changed, "the new key's ring waited");
    assert.equal(held().written, before.playing, "the playing ring was topped up first");
    freezeReader(player, false);
    await player.keyTempoReady();
    assert.equal(player.transpose, 3);
  });
});
