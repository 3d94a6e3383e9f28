/**
 * Streaming (src/streaming.ts, native/butler.c, ring.c, stream.c): file tracks read ahead of
 * the playhead by the engine's reader thread. An offline render may wait for the reader (it is
 * not the audio thread), so a streamed song must render bit for bit like the same song decoded
 * whole, through seeks, jumps, loops and resampling; and memory must not grow with length.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, StemplayError } from "../mod.ts";
import type { PlayerOptions } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { healthLine, starvedLine } from "../src/cli/health_line.ts";
import { readStatus } from "../src/control/status.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { lcgNoise } from "./support/align.ts";
import {
  assertIdentical,
  freezeReader,
  OFFLINE_BLOCK,
  OFFLINE_RATE,
  offlinePlayer,
} from "./support/offline_player.ts";

const RATE = OFFLINE_RATE;
const BLOCK = OFFLINE_BLOCK;

const MARKERS = [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }, { name: "Chorus", at: 4 }];

/** A song of a 48 kHz float WAV, a 44.1 kHz FLAC (resampled), a mono 48 kHz 16-bit WAV and an
 * 8-bit WAV (which cannot stream: it is decoded whole). */
async function writeSong(
  dir: string,
  seconds: number,
  flac: boolean,
  seed = 0,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const frames = Math.round(seconds * RATE);
  await Deno.writeFile(
    join(dir, "pads.wav"),
    encodeWav([lcgNoise(frames, 1 + seed), lcgNoise(frames, 2 + seed)], RATE, "f32"),
  );
  await Deno.writeFile(join(dir, "bass.wav"), encodeWav([lcgNoise(frames, 3 + seed)], RATE, "s16"));
  const tracks: Record<string, unknown>[] = [
    { file: "pads.wav" },
    { file: "bass.wav", route: [1] },
  ];
  if (flac) {
    const cd = Math.round(seconds * 44100);
    const wav = join(dir, "keys-source.wav");
    await Deno.writeFile(wav, encodeWav([lcgNoise(cd, 4), lcgNoise(cd, 5)], 44100, "s16"));
    const made = await new Deno.Command("flac", {
      args: ["--silent", "--force", "-o", join(dir, "keys.flac"), wav],
    }).output();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    await Deno.remove(wav);
    tracks.push({ file: "keys.flac", gain: 0.5 });
  }
  const manifest = {
    title: "streamed",
    tempo: 120,
    timeSignature: [4, 4],
    markers: MARKERS,
    tracks,
  };
  await Deno.writeTextFile(join(dir, "song.json"), JSON.stringify(manifest));
  return dir;
}

type Step = (player: Player) => void;

/** An offline player at the tests' rate and block size. */
/** Plays the song through `steps` (each followed by `frames` frames of render). */
async function renderShow(
  song: string,
  streaming: PlayerOptions["streaming"],
  script: [Step, number][],
): Promise<{ out: Float32Array[]; memory: number; starved: number }> {
  const player = await offlinePlayer(streaming);
  try {
    await player.loadSong(song);
    const total = script.reduce((sum, [, frames]) => sum + frames, 0);
    const out = [new Float32Array(total), new Float32Array(total)];
    let at = 0;
    for (const [step, frames] of script) {
      step(player);
      const block = player.render(frames);
      out[0].set(block[0], at);
      out[1].set(block[1], at);
      at += frames;
    }
    return { out, memory: player.memoryBytes, starved: player.health.starved };
  } finally {
    await player.close();
  }
}

const SHOW: [Step, number][] = [
  [(p) => p.play(), RATE], // from the start
  [(p) => p.seekFrames(Math.round(2.3377 * RATE)), RATE / 2], // a seek (declicked)
  [(p) => p.jump("Chorus", { at: "bar" }), RATE * 2], // a jump on the bar
  [(p) => p.loop(1, 2), RATE * 4 + 123], // four passes of a loop, going back each time
  [(p) => p.exitLoop({ at: "now" }), RATE / 3],
  [(p) => p.seekFrames(777), RATE / 4], // back near the start
  [(p) => p.seekFrames(RATE * 6 - 5000), RATE], // to the end
];

Deno.test({
  name:
    "streaming: an offline render of a streamed song equals the song decoded whole, bit for bit",
  ignore: ignoreWithout("flac", "streaming render"),
  async fn() {
    requireTool("flac", "streaming render");
    const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
    try {
      const song = await writeSong(dir, 6, true);
      const whole = await renderShow(song, false, SHOW);
      // A tiny ring (4096 frames) wraps and refills many times in every step.
      const tiny = await renderShow(song, { lookAheadSeconds: 0.05 }, SHOW);
      const usual = await renderShow(song, true, SHOW);
      assertIdentical(tiny.out, whole.out, "0.05 s look-ahead");
      assertIdentical(usual.out, whole.out, "default look-ahead");
      assert.equal(tiny.starved, 0);
      assert.ok(whole.out[0].some((x) => x !== 0), "the render is not silent");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("streaming: memory is the rings (channels × ring frames × 4 bytes), not the song's length", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const short = await writeSong(join(dir, "short"), 5, false);
    const long = await writeSong(join(dir, "long"), 12, false);
    const stay: [Step, number][] = [[(p) => p.play(), BLOCK]];
    const shortStreamed = await renderShow(short, { lookAheadSeconds: 1 }, stay);
    const longStreamed = await renderShow(long, { lookAheadSeconds: 1 }, stay);
    const longWhole = await renderShow(long, false, stay);
    // 1 s at 48 kHz rounds up to a 65,536-frame ring: stereo pads + mono bass = 3 channels;
    // and a 1 s head at each marker (0, 1 and 4 s) of each channel.
    assert.equal(shortStreamed.memory, 3 * 65536 * 4 + 3 * 3 * RATE * 4);
    assert.equal(longStreamed.memory, shortStreamed.memory);
    assert.ok(longWhole.memory >= 3 * 12 * RATE * 4, `whole: ${longWhole.memory}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streaming: bad settings are refused before any engine opens", async () => {
  for (const lookAheadSeconds of [0, -1, 61, Number.NaN]) {
    await assert.rejects(
      Player.open({ backend: "offline", streaming: { lookAheadSeconds } }),
      (error: Error & { code?: string }) =>
        error.code === "INVALID_ARGUMENT" && /lookAheadSeconds/.test(error.message),
    );
  }
});

Deno.test("streaming: an 8-bit WAV cannot stream and is decoded whole; it still plays exactly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const frames = RATE;
    const bytes = encodeWav([lcgNoise(frames, 9)], RATE, "s16");
    // Rewrite as 8-bit unsigned: a minimal PCM WAV header, then one byte per sample.
    const samples = new Int16Array(bytes.buffer.slice(44));
    const eight = new Uint8Array(44 + samples.length);
    eight.set(bytes.subarray(0, 44));
    const view = new DataView(eight.buffer);
    view.setUint32(4, 36 + samples.length, true);
    view.setUint32(28, RATE, true); // byte rate
    view.setUint16(32, 1, true); // block align
    view.setUint16(34, 8, true); // bits
    view.setUint32(40, samples.length, true);
    samples.forEach((s, i) => eight[44 + i] = (s >> 8) + 128);
    await Deno.writeFile(join(dir, "eight.wav"), eight);
    const play: [Step, number][] = [[(p) => p.play(), RATE / 2]];
    await Deno.writeTextFile(
      join(dir, "song.json"),
      JSON.stringify({ title: "8-bit", tracks: [{ file: "eight.wav", route: [1, 2] }] }),
    );
    const streamed = await renderShow(dir, true, play);
    const whole = await renderShow(dir, false, play);
    assertIdentical(streamed.out, whole.out, "8-bit");
    assert.equal(streamed.memory, whole.memory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A player on the test build whose reader can be paused, with the song loaded, every head
 * decoded and the rings filled; then the reader is paused and renders stop waiting for it, so
 * the render sees exactly what the audio thread would with a reader that stopped. */
async function frozenReader(song: string, streaming: PlayerOptions["streaming"]) {
  const player = await offlinePlayer(streaming, "test");
  await player.loadSong(song);
  for (let i = 0; i < 1000; i++) {
    const stats = player.streamStats;
    if (stats.heads > 0 && stats.headsReady === stats.heads) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const stats = player.streamStats;
  assert.ok(stats.heads > 0 && stats.headsReady === stats.heads, JSON.stringify(stats));
  await new Promise((resolve) => setTimeout(resolve, 200)); // the rings fill (4096 frames)
  const freeze = (on: boolean) => freezeReader(player, on);
  freeze(true);
  return { player, freeze };
}

function concat(parts: Float32Array[][]): Float32Array[] {
  const total = parts.reduce((sum, part) => sum + part[0].length, 0);
  return [0, 1].map((c) => {
    const out = new Float32Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part[c], at);
      at += part[c].length;
    }
    return out;
  });
}

Deno.test("streaming: with the reader stopped, jumps to markers play from the heads: no starved block, the same samples", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const song = await writeSong(dir, 6, false);
    const script: [Step, number][] = [
      [(p) => p.play(), 2048], // from the ring, filled from 0
      [(p) => p.jump("Chorus", { at: "now" }), RATE / 4], // a head
      [(p) => p.jump("Verse", { at: "beat" }), RATE / 2], // a head, quantised (at 4.5 s)
      [(p) => p.loop(1, 1.25), RATE], // four passes back to the Verse head
    ];
    const whole = await renderShow(song, false, script);
    const { player, freeze } = await frozenReader(song, { lookAheadSeconds: 0.05 });
    try {
      const parts = script.map(([step, frames]) => {
        step(player);
        return player.render(frames);
      });
      assert.equal(player.health.starved, 0);
      assertIdentical(concat(parts), whole.out, "jumps from heads");
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streaming: a ring the reader does not refill starves: that track is silent and counted, never garbage", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const song = await writeSong(dir, 6, false);
    const { player, freeze } = await frozenReader(song, { lookAheadSeconds: 0.05 });
    try {
      player.play();
      // The 4096-frame rings run out after 4096 frames; the head at 0 holds 1 s, so play on
      // past it: from 1 s the Verse head holds until 2 s, then nothing is resident.
      const out = player.render(RATE * 2);
      assert.equal(player.health.starved, 0, "the heads at 0 and 1 s cover the first 2 s");
      const more = player.render(RATE / 2);
      assert.ok(player.health.starved > 0, "starved blocks are counted");
      assert.ok(more[0].every((x) => x === 0) && more[1].every((x) => x === 0));
      assert.ok(out[0].some((x) => x !== 0));
      assert.equal(player.latencyStats().starved, player.health.starved);
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streaming: a seek where nothing is resident fades out, holds in silence, then plays from exactly the target", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const song = await writeSong(dir, 6, false);
    const target = Math.round(2.5 * RATE) + 17; // no head there
    const script: [Step, number][] = [[(p) => p.play(), 1000], [(p) => p.seekFrames(target), RATE]];
    const whole = await renderShow(song, false, script);
    const { player, freeze } = await frozenReader(song, { lookAheadSeconds: 0.05 });
    try {
      player.play();
      const first = player.render(1000);
      player.seekFrames(target);
      const held = player.render(RATE / 4); // the reader is stopped: silence after the fade
      assert.equal(player.positionFrames, target, "the transport holds at the target");
      freeze(false); // the reader runs again; renders wait for it
      const after = player.render(RATE);
      const streamed = concat([first, held, after]);
      assert.equal(player.health.starved, 0, "a hold is not a starved block");
      // The fade-out is the same; then each plays the target from its first frame on.
      const fadeEnd = (out: Float32Array) => out.indexOf(0, 1000);
      const resume = (out: Float32Array) => out.findIndex((x, i) => i > fadeEnd(out) && x !== 0);
      const a = streamed[0], b = whole.out[0];
      assert.equal(fadeEnd(a), fadeEnd(b));
      const ra = resume(a), rb = resume(b);
      assert.ok(ra > rb, `the streamed song held (${ra} > ${rb})`);
      assert.ok(a.subarray(fadeEnd(a), ra).every((x) => x === 0), "silence while held");
      // The 5 ms fade-in's float steps depend on where the block boundaries fall; from the
      // end of the fade on, every sample is the same.
      const faded = BLOCK * 2;
      for (const c of [0, 1]) {
        assertIdentical(
          [streamed[c].subarray(ra + faded, ra + RATE / 2)],
          [whole.out[c].subarray(rb + faded, rb + RATE / 2)],
          `output ${c + 1} from the target`,
        );
        const close = streamed[c].subarray(ra, ra + faded).every((x, i) =>
          Math.abs(x - whole.out[c][rb + i]) < 1e-6
        );
        assert.ok(close, `output ${c + 1}: the fade-in plays the target's first frames`);
      }
    } finally {
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streaming: the reader thread frees a retired track once the audio side has left it; nobody polls", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  const player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    channels: 2,
    blockFrames: BLOCK,
    streaming: {},
  });
  try {
    await player.loadSong(await writeSong(dir, 6, false));
    player.play();
    while (player.positionFrames === 0) await new Promise((r) => setTimeout(r, 5));
    const streams = () => player.streamStats.streams;
    assert.equal(streams(), 2);
    const { native, engine } = player;
    const slot = player.tracks[0].slot;
    assert.equal(native.sp_track_deactivate(engine, slot), 0);
    // Sounding: the callback ramps it out over its next block. Before, this said BUSY until
    // then and JS asked again every 2 ms; now the reader takes it over at once.
    assert.equal(native.sp_track_release(engine, slot), 0);
    for (let i = 0; i < 200 && streams() !== 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(streams(), 1, "the reader freed the retired track");
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the reader thread also frees a retired track held in memory (addTrack): its release never says BUSY", async () => {
  const player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    channels: 2,
    blockFrames: BLOCK,
  });
  try {
    const tone = lcgNoise(RATE * 4, 9);
    player.addTrack([tone, tone]);
    const removed = player.addTrack([tone]);
    player.play();
    while (player.positionFrames === 0) await new Promise((r) => setTimeout(r, 5));
    const { native, engine } = player;
    assert.equal(native.sp_track_deactivate(engine, removed.slot), 0);
    // Sounding: before, BUSY until the callback had ramped it out, and JS asked every 2 ms.
    assert.equal(native.sp_track_release(engine, removed.slot), 0);
  } finally {
    await player.close();
  }
});

Deno.test("streaming: a jump's seam fades the old position out from the ring while the target plays from its head", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const song = await writeSong(dir, 6, false);
    const from = Math.round(2.5 * RATE); // no head here: only the ring holds it
    const script: [Step, number][] = [
      [(p) => {
        p.seekFrames(from);
        p.play();
      }, 1024],
      [(p) => p.jump("Chorus", { at: "now" }), RATE / 8], // the seam crossfades 5 ms
    ];
    const whole = await renderShow(song, false, script);
    const { player, freeze } = await frozenReader(song, { lookAheadSeconds: 0.05 });
    try {
      freeze(false);
      player.seekFrames(from);
      player.play();
      const first = player.render(1024); // waits for the reader, which then fills the ring
      await new Promise((resolve) => setTimeout(resolve, 200));
      freeze(true);
      player.jump("Chorus", { at: "now" });
      const jumped = player.render(RATE / 8);
      assert.equal(player.health.starved, 0, "the fading voice found its frames");
      assertIdentical(concat([first, jumped]), whole.out, "seam");
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streaming: a setlist's crossfaded and gapless hand-overs render bit for bit like the songs decoded whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    await writeSong(join(dir, "one"), 4.5, false);
    await writeSong(join(dir, "two"), 5, false, 10);
    await writeSong(join(dir, "three"), 5, false, 20);
    await Deno.writeTextFile(
      join(dir, "setlist.json"),
      JSON.stringify({
        songs: [
          { song: "one", transition: { crossfade: 0.5 } },
          { song: "two", transition: "next" },
          "three",
        ],
      }),
    );
    const renderSetlist = async (streaming: PlayerOptions["streaming"]) => {
      const player = await offlinePlayer(streaming);
      try {
        await player.loadSetlist(join(dir, "setlist.json"));
        await player.setlistReady();
        player.play();
        const parts: Float32Array[][] = [];
        for (let second = 0; second < 13; second++) {
          parts.push(player.render(RATE));
          await player.setlistReady(); // the next song is prepared before its hand-over
        }
        return concat(parts);
      } finally {
        await player.close();
      }
    };
    const whole = await renderSetlist(false);
    const streamed = await renderSetlist({ lookAheadSeconds: 0.1 });
    assertIdentical(streamed, whole, "setlist");
    assert.ok(whole[0].subarray(10 * RATE).some((x) => x !== 0), "the third song plays");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streaming: every song of a loaded setlist starts from resident heads: with the reader stopped, goto to any song plays at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const names = ["one", "two", "three", "four"];
    for (const [i, name] of names.entries()) await writeSong(join(dir, name), 5, i === 3, i * 10);
    await Deno.writeTextFile(
      join(dir, "setlist.json"),
      JSON.stringify({ songs: [...names.slice(0, 3), { song: "four", start: "Verse" }] }),
    );
    const goto = async (player: Player, index: number) => {
      await player.goto(index);
      player.play();
      return player.render(RATE / 2);
    };
    const wholePlayer = await offlinePlayer(false);
    let whole: Float32Array[][];
    try {
      await wholePlayer.loadSetlist(join(dir, "setlist.json"));
      whole = [await goto(wholePlayer, 3), await goto(wholePlayer, 2)];
    } finally {
      await wholePlayer.close();
    }
    const player = await offlinePlayer({ lookAheadSeconds: 0.05 }, "test");
    const native = player.native;
    try {
      await player.loadSetlist(join(dir, "setlist.json"));
      await player.setlistReady();
      // The reader stops: only what is resident can play.
      assert.equal(native.sp_test_set_streaming(player.engine, 1, 0), 0);
      // Song four (not the preloaded next one) from its start marker, then song three.
      const streamed = [await goto(player, 3), await goto(player, 2)];
      assert.equal(player.health.starved, 0);
      assertIdentical(streamed[0], whole[0], "song four from its start");
      assertIdentical(streamed[1], whole[1], "song three");
      assert.ok(whole[0][0].some((x) => x !== 0) && whole[1][0].some((x) => x !== 0));
    } finally {
      native.sp_test_set_streaming(player.engine, 0, 1);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "streaming: a FLAC cut short is refused at load (TRUNCATED), as decoding it whole refuses it",
  ignore: ignoreWithout("flac", "a truncated FLAC"),
  async fn() {
    requireTool("flac", "a truncated FLAC");
    const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
    const player = await offlinePlayer({ lookAheadSeconds: 0.05 });
    try {
      await writeSong(dir, 6, true);
      const flac = await Deno.readFile(join(dir, "keys.flac"));
      await Deno.writeFile(join(dir, "keys.flac"), flac.subarray(0, flac.length >> 1));
      const error = await player.loadSong(dir).then(() => undefined, (e) => e);
      assert.ok(error instanceof StemplayError, `expected TRUNCATED, got ${error}`);
      assert.equal(error.code, "TRUNCATED");
      assert.match(error.message, /keys\.flac.*promises 264600 frames/);
      assert.equal(player.tracks.length, 0, "nothing was loaded");
    } finally {
      await player.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("streaming: a jump's seam to a point the ring already holds fades the old position out from the ring, the target from its head", async () => {
  // The ring holds 0 to 5.4 s; heads at 0, 1 s (Verse) and 4 s (Chorus). Playing at 2.8 s, a
  // jump to the Chorus: the old voice (2.8 s, in no head) fades from the ring while the new one
  // plays the Chorus. Both reading the ring, the new one moved it past the old one's position
  // and the old voice went silent at once (a hard cut).
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const song = await writeSong(dir, 6, false);
    const script: [Step, number][] = [
      [(p) => {
        p.seekFrames(Math.round(2.5 * RATE));
        p.play();
      }, 0.3 * RATE],
      [(p) => p.jump("Chorus", { at: "now" }), RATE / 2],
    ];
    const whole = await renderShow(song, false, script);
    const { player, freeze } = await frozenReader(song, { lookAheadSeconds: 3 });
    try {
      const parts = script.map(([step, frames]) => {
        step(player);
        return player.render(frames);
      });
      assertIdentical(concat(parts), whole.out, "the seam");
      assert.equal(player.health.starved, 0);
    } finally {
      freeze(false);
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "streaming: a FLAC cut short on disk after loading: a seek past its end leaves that track silent and counted, the song goes on, and back where it holds audio it plays again",
  ignore: ignoreWithout("flac", "a FLAC cut short"),
  fn: cutShortOnDisk,
});

async function cutShortOnDisk() {
  // The seek into the missing part fails in the reader. That used to hold the whole song,
  // silent, for good (the track never became ready again).
  requireTool("flac", "a FLAC cut short");
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const song = await writeSong(dir, 6, true);
    const script: [Step, number][] = [
      [(p) => {
        p.seekFrames(Math.round(5.2 * RATE));
        p.play();
      }, RATE / 4],
      [(p) => p.seekFrames(Math.round(2.2 * RATE)), RATE / 4],
    ];
    const whole = await renderShow(song, false, script);
    const player = await offlinePlayer({ lookAheadSeconds: 0.05 });
    try {
      await player.loadSong(song);
      // The keys keep about their first 3 s: their header still says 6 s.
      const keys = join(dir, "keys.flac");
      const bytes = await Deno.readFile(keys);
      await Deno.writeFile(keys, bytes.subarray(0, bytes.length >> 1));
      script[0][0](player);
      const past = player.render(script[0][1]);
      assert.ok(player.positionFrames > 5.2 * RATE, "the song goes on");
      assert.ok(player.health.starved > 0, "the silent track is counted");
      assert.deepEqual(player.health.starvedFiles, [keys], "and its file named");
      assert.ok(past[0].some((x) => x !== 0), "the other tracks play");
      script[1][0](player);
      const back = player.render(script[1][1]);
      const fadeIn = 2 * BLOCK; // the seek's declick is the same in both
      assertIdentical(
        back.map((c) => c.subarray(fadeIn)),
        whole.out.map((c) => c.subarray(RATE / 4 + fadeIn)),
        "back where the file holds audio",
      );
    } finally {
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("streaming: a file cut short on disk while it plays starves, counted, and is named in health, on the screen and the remote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const frames = 6 * RATE; // longer than the 2 s look-ahead: it streams
    const bass = join(dir, "Bass.wav");
    const left = lcgNoise(frames, 21);
    await Deno.writeFile(bass, encodeWav([left, lcgNoise(frames, 22)], RATE, "s16"));
    await using player = await offlinePlayer(true);
    const track = await player.load(bass, { route: [1, 2] });
    assert.equal(player.streamStats.streams, 1);
    player.play();
    const before = player.render(RATE);
    assert.equal(player.health.starved, 0);
    assert.deepEqual(player.health.starvedFiles, []);
    // Cut at 2.5 s (44-byte header, 4 bytes a frame): a copy that failed, a disk unplugged.
    await Deno.truncate(bass, 44 + Math.round(2.5 * RATE) * 4);
    const after = player.render(frames - RATE);
    for (let i = 0; i < RATE; i++) {
      assert.ok(Math.abs(before[0][i] - left[i]) <= 1 / 32768, `frame ${i} before the cut`);
    }
    const health = player.health;
    console.log(`cut short: starved ${health.starved}, starvedFiles ${health.starvedFiles}`);
    assert.ok(health.starved > 0, "the track-blocks past the cut are counted as starved");
    assert.deepEqual(health.starvedFiles, [bass]);
    assert.ok(after[0].subarray(4 * RATE - RATE).every((x) => x === 0), "silent past the cut");
    assert.equal(track.frames, frames);
    // Screens show the name, never the machine's path.
    for (
      const line of [
        starvedLine(health.starved, health.starvedFiles)!,
        healthLine(health, Date.now()),
        ...readStatus(player).health.problems,
      ]
    ) {
      assert.match(line, /Bass\.wav/);
      assert.ok(!line.includes(dir), line);
    }
    assert.match(healthLine(health, Date.now()), /^health: FILE CUT SHORT .*cut short: Bass\.wav/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streaming: after a file is found cut short, a head asked for later (an armed loop's start, before the cut) is still decoded", async () => {
  // The reader leaves a cut-short file alone until the next request; it used to leave its
  // pending heads too, so a loop or jump armed then into audio the file still holds found no
  // head for that track, and the planned jump waited on its ring.
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-" });
  try {
    const song = await writeSong(dir, 8, false);
    const player = await offlinePlayer({ lookAheadSeconds: 0.25 });
    try {
      await player.loadSong(song);
      const settle = async () => {
        let stats = player.streamStats;
        for (let i = 0; i < 200 && stats.headsReady < stats.heads; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          stats = player.streamStats;
        }
        return stats;
      };
      const loaded = await settle(); // the markers' heads (0, 1 and 4 s), before the cut
      assert.equal(loaded.headsReady, loaded.heads, JSON.stringify(loaded));
      const bass = join(dir, "bass.wav");
      await Deno.truncate(bass, 44 + Math.round(4.6 * RATE) * 2); // mono 16-bit
      player.play();
      player.render(Math.round(5.5 * RATE));
      assert.deepEqual(player.health.starvedFiles, [bass], "the reader found the cut");
      const before = player.streamStats;
      player.loop(1.5, 7);
      const stats = await settle();
      assert.ok(stats.heads > before.heads, `the loop asked for heads: ${JSON.stringify(stats)}`);
      assert.equal(stats.headsReady, stats.heads, `every head decoded: ${JSON.stringify(stats)}`);
    } finally {
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
