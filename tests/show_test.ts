/**
 * Show flow, checked sample by sample in offline render. Every song here is one track whose
 * samples encode their own frame index ((i + 1) / 2^20, exact in float32), so the output tells
 * which source frame played on which output frame.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, StemplayError } from "../mod.ts";
import { writeSongFolder } from "./support/songs.ts";

const RATE = 48000;
const BLOCK = 256;
const SCALE = 2 ** 20;
const FADE = RATE * 5 / 1000; // the declick crossfade of a jump, 5 ms

/** Source frame i of song `sign` (+1 or -1) as the value it is stored as. */
const encoded = (frame: number, sign = 1) => sign * (frame + 1) / SCALE;

async function writeSong(
  dir: string,
  name: string,
  seconds: number,
  manifest: Record<string, unknown> = {},
  sign = 1,
): Promise<string> {
  const samples = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < samples.length; i++) samples[i] = encoded(i, sign);
  const index = { file: "index.wav", pcm: [samples], rate: RATE, track: { route: [1] } };
  return await writeSongFolder(dir, name, [index], manifest);
}

async function withShow(fn: (dir: string, player: Player) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-show-" });
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    blockFrames: BLOCK,
  });
  try {
    await fn(dir, player);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Renders until the output has `frames` frames, returning output 1 and 2 as one array each. */
function renderTo(player: Player, frames: number, into: Float32Array[], from: number): number {
  const out = player.render(frames - from);
  into[0].set(out[0], from);
  into[1].set(out[1], from);
  return frames;
}

function assertSource(out: Float32Array, at: number, frame: number, sign = 1, what = "") {
  assert.equal(
    out[at],
    Math.fround(encoded(frame, sign)),
    `${what} output ${at}: ${out[at] * SCALE - 1}, expected source frame ${frame}`,
  );
}

const MARKERS = [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }, { name: "Chorus", at: 6 }];
const TEMPO = { tempo: 120, timeSignature: [4, 4], firstBeat: 0, markers: MARKERS };

Deno.test("show: a bar-quantised jump requested mid-bar lands exactly on the next bar line", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "a", 10, TEMPO));
    const out = [new Float32Array(RATE * 4), new Float32Array(RATE * 4)];
    player.play();
    let at = renderTo(player, 50_000, out, 0); // mid bar 1 (a bar is 2 s = 96000 frames)
    player.jump("Chorus", { at: "bar" });
    at = renderTo(player, RATE * 4, out, at);
    const bar = 96_000, chorus = 6 * RATE;
    assertSource(out[0], bar - 1, bar - 1, 1, "before the bar line");
    // A short equal-power crossfade from the old place to the chorus starts on the bar line.
    for (let k = 0; k < FADE; k++) {
      const angle = (k + 1) / FADE * Math.PI / 2;
      const expected = encoded(bar + k) * Math.cos(angle) + encoded(chorus + k) * Math.sin(angle);
      assert.ok(Math.abs(out[0][bar + k] - expected) < 1e-6, `crossfade frame ${k}`);
    }
    for (let k = FADE; k < 1000; k++) assertSource(out[0], bar + k, chorus + k, 1, "after");
    assert.equal(player.positionFrames, chorus + (RATE * 4 - bar));
  });
});

Deno.test("show: jump at 'beat', 'section' and 'now', and cancelJump", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "a", 10, TEMPO));
    player.play();
    player.render(30_000);
    player.jump("Chorus", { at: "beat" }); // beats every 0.5 s = 24000 frames
    const out = player.render(20_000);
    assertSource(out[0], 48_000 - 30_000 - 1, 48_000 - 1, 1, "beat");
    assertSource(out[0], 48_000 - 30_000 + FADE, 6 * RATE + FADE, 1, "beat");

    player.seekFrames(10_000);
    player.render(2 * BLOCK + FADE); // the seek's own fades
    const before = player.positionFrames;
    player.jump("Intro", { at: "section" }); // the next marker after 10000 + ... is Verse at 1 s
    const next = player.render(RATE - before + 2 * FADE);
    assertSource(next[0], RATE - before - 1, RATE - 1, 1, "section: still before Verse");
    assertSource(next[0], RATE - before + FADE, FADE, 1, "section: jumped to Intro");

    player.jump("Chorus", { at: "bar" });
    player.cancelJump();
    const p = player.positionFrames;
    const straight = player.render(3 * RATE);
    assertSource(straight[0], 3 * RATE - 1, p + 3 * RATE - 1, 1, "cancelled");

    const q = player.positionFrames;
    player.jump("Verse", { at: "now" });
    const now = player.render(BLOCK * 2);
    assertSource(now[0], FADE + 10, RATE + FADE + 10, 1, "now");
    assert.ok(q > 0);
  });
});

Deno.test("show: a loop repeats with the exact period for 20 passes, then exits at its end", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "a", 10, TEMPO));
    const start = RATE, end = RATE * 1.5, period = end - start;
    player.loop(1, 1.5);
    const total = end + 20 * period + RATE;
    const out = [new Float32Array(total), new Float32Array(total)];
    player.play();
    let at = renderTo(player, end + 19 * period + 1000, out, 0);
    for (let pass = 0; pass < 20; pass++) {
      const seam = end + pass * period;
      assertSource(out[0], seam - 1, end - 1, 1, `pass ${pass} before the seam`);
      assertSource(out[0], seam + FADE, start + FADE, 1, `pass ${pass} after the seam`);
      if (pass < 19) assertSource(out[0], seam + period - 1, end - 1, 1, `pass ${pass} end`);
    }
    player.exitLoop({ at: "end" });
    at = renderTo(player, total, out, at);
    const lastSeam = end + 20 * period;
    assertSource(out[0], lastSeam - 1, end - 1, 1, "plays the last pass to its end");
    assertSource(out[0], lastSeam, end, 1, "then goes on past the loop");
    assertSource(out[0], total - 1, end + (total - 1 - lastSeam), 1, "and on");
  });
});

Deno.test("show: loopSection loops a marker's section; exitLoop 'now' leaves at once", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "a", 10, TEMPO));
    player.loopSection("Verse"); // 1 s .. 6 s
    player.seek(5.9);
    player.render(2 * BLOCK);
    player.play();
    const out = player.render(RATE / 2);
    const seam = 6 * RATE - player.positionFrames + RATE / 2; // where the seam fell
    assert.ok(seam > 0);
    const p = player.positionFrames;
    assert.ok(p > RATE && p < 2 * RATE, `looped back to the verse, at ${p}`);
    player.exitLoop({ at: "now" });
    const after = player.render(BLOCK + 2 * FADE);
    assertSource(after[0], FADE + 1, 6 * RATE + FADE + 1, 1, "left for the loop's end");
    assert.ok(out[0].length > 0);
  });
});

Deno.test("show: count-in clicks fall on round(k * 60 / tempo * rate), then the song starts", async () => {
  await withShow(async (dir, player) => {
    const tempo = 100;
    await player.loadSong(
      await writeSong(dir, "a", 3, { tempo, timeSignature: [3, 4], clickRoute: [2] }),
    );
    player.countIn = 2; // 2 bars of 3/4: 6 clicks
    player.play();
    const beat = 60 / tempo * RATE;
    const countIn = Math.round(6 * beat);
    const out = player.render(countIn + RATE);
    for (let k = 0; k < 6; k++) {
      const frame = Math.round(k * 60 / tempo * RATE);
      assert.notEqual(out[1][frame], 0, `click ${k} sounds on frame ${frame}`);
      if (k > 0) assert.equal(out[1][frame - 1], 0, `silence just before click ${k}`);
    }
    assert.ok(Math.abs(out[1][0]) > Math.abs(out[1][Math.round(beat)]), "the downbeat is accented");
    assert.ok(out[0].subarray(0, countIn).every((x) => x === 0), "the song waits");
    assertSource(out[0], countIn, 0, 1, "the song starts right after the count-in");
    assertSource(out[0], countIn + 5000, 5000, 1, "and plays on");
    assert.ok(out[1].subarray(countIn + 2000).every((x) => x === 0), "the count-in click stops");
  });
});

Deno.test("show: a generated click follows the tempo on its own output", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(
      await writeSong(dir, "a", 3, {
        tempo: 90,
        firstBeat: 0.25,
        generateClick: true,
        clickRoute: [2],
      }),
    );
    assert.ok(player.tracks.some((t) => t.name === "click"));
    player.play();
    const out = player.render(3 * RATE);
    for (let k = 0; k < 4; k++) {
      const frame = Math.round((0.25 + k * 60 / 90) * RATE);
      assert.notEqual(out[1][frame], 0, `beat ${k} on frame ${frame}`);
      assert.equal(out[1][frame - 1], 0, `silence before beat ${k}`);
    }
  });
});

async function writeSetlist(dir: string, songs: unknown[]): Promise<string> {
  const path = join(dir, "setlist.json");
  await Deno.writeTextFile(path, JSON.stringify({ title: "Sunday", songs }));
  return path;
}

Deno.test("show: a gapless 'next' transition leaves no gap and no overlap", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 1, {}, 1);
    await writeSong(dir, "two", 1, {}, -1);
    await player.loadSetlist(await writeSetlist(dir, [{ song: "one", transition: "next" }, "two"]));
    assert.equal(player.setlist?.index, 0);
    await player.setlistReady();
    player.play();
    const out = player.render(RATE + RATE / 2);
    assertSource(out[0], RATE - 1, RATE - 1, 1, "last frame of song one");
    assertSource(out[0], RATE, 0, -1, "first frame of song two, on the next frame");
    assertSource(out[0], RATE + 100, 100, -1, "song two plays on");
    await player.setlistSettled();
    assert.equal(player.setlist?.index, 1);
    assert.equal(player.title, "two");
  });
});

Deno.test("show: a crossfade transition sums to the equal-power curve", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 2, {}, 1);
    await writeSong(dir, "two", 2, {}, -1);
    await player.loadSetlist(
      await writeSetlist(dir, [{ song: "one", transition: { crossfade: 0.5 } }, "two"]),
    );
    await player.setlistReady();
    player.play();
    const out = player.render(3 * RATE);
    const start = 2 * RATE - RATE / 2, length = RATE / 2;
    assertSource(out[0], start - 1, start - 1, 1, "before the crossfade");
    for (let k = 0; k < length; k += 97) {
      const angle = (k + 1) / length * Math.PI / 2;
      const expected = encoded(start + k) * Math.cos(angle) + encoded(k, -1) * Math.sin(angle);
      assert.ok(Math.abs(out[0][start + k] - expected) < 1e-6, `crossfade frame ${k}`);
    }
    assertSource(out[0], start + length + 10, length + 10, -1, "song two alone");
  });
});

Deno.test("show: next, previous and goto move through the setlist, stopped at each start", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 1, {
      markers: [{ name: "Top", at: 0 }, { name: "Late", at: 0.5 }],
    });
    await writeSong(dir, "two", 1, {}, -1);
    await writeSong(dir, "three", 1);
    // "three" has no marker "Late": the setlist is refused, naming the key.
    await assert.rejects(
      player.loadSetlist(await writeSetlist(dir, ["one", "two", { song: "three", start: "Late" }])),
      /songs\[2\]\.start: the song has no marker "Late"/,
    );
    const path = await writeSetlist(dir, ["one", "two", { song: "one", start: "Late" }]);
    await player.loadSetlist(path);
    await player.next();
    assert.equal(player.setlist?.index, 1);
    assert.equal(player.title, "two");
    assert.equal(player.state, "stopped");
    await player.goto(2);
    player.render(BLOCK); // offline, the switch is taken at the next block
    assert.equal(player.positionFrames, RATE / 2, "starts at its start marker");
    assert.equal(player.state, "stopped");
    await player.previous();
    assert.equal(player.setlist?.index, 1);
  });
});

Deno.test("show: fadeOut follows the equal-power curve, then pauses; fadeIn brings it back", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "a", 5));
    player.play();
    player.render(1000);
    player.fadeOut(0.5);
    const out = player.render(RATE);
    for (let k = 0; k < RATE / 2; k += 101) {
      const expected = encoded(1000 + k) * Math.cos((k + 1) / (RATE / 2) * Math.PI / 2);
      assert.ok(Math.abs(out[0][k] - expected) < 1e-6, `fade frame ${k}`);
    }
    assert.ok(out[0].subarray(RATE / 2).every((x) => x === 0), "silent after the fade");
    assert.equal(player.state, "paused");
    player.fadeIn(0.25);
    const back = player.render(RATE / 2);
    assert.equal(player.state, "playing");
    assert.ok(Math.abs(back[0][RATE / 4 + 100]) > 0, "audible again");
  });
});

Deno.test("show: bad input is refused by name and playback goes on unchanged", async () => {
  await withShow(async (dir, player) => {
    const bad = async (manifest: Record<string, unknown>, key: RegExp) => {
      const folder = await writeSong(dir, `bad${Math.random()}`, 1, manifest);
      await assert.rejects(player.loadSong(folder), (error: unknown) => {
        assert.ok(error instanceof StemplayError, String(error));
        assert.equal(error.code, "MANIFEST");
        assert.match(error.message, key);
        return true;
      });
    };
    await player.loadSong(await writeSong(dir, "good", 10, TEMPO));
    player.play();
    player.render(1000);
    await bad({ tempo: 0 }, /tempo: must be a tempo/);
    await bad({ tempo: -5 }, /tempo/);
    // So slow that MIDI clock ticks would be days apart: 1 bpm is the least.
    await bad({ tempo: 1e-14 }, /tempo: must be a tempo in bpm from 1 to 1000/);
    await bad({ tempoMap: [{ at: 0, tempo: 120 }, { at: 4, tempo: 0.5 }] }, /tempoMap.*tempo/);
    await bad({ tempo: 120, timeSignature: [0, 4] }, /timeSignature/);
    await bad({ markers: [{ name: "X", at: 5 }] }, /markers\[1\]\.at/);
    await bad({ markers: [{ name: "X", at: 0.5 }, { name: "Y", at: 0.2 }] }, /markers\[2\]\.at/);
    await bad({ generateClick: true }, /generateClick: needs the song's tempo/);
    const refused = (fn: () => unknown, pattern: RegExp) => {
      assert.throws(fn, (error: unknown) => {
        assert.ok(error instanceof StemplayError, String(error));
        assert.match(error.message, pattern);
        return true;
      });
    };
    refused(() => player.loop(3, 2), /loop end .* after its start/);
    refused(() => player.loop(1, 99), /beyond the song/);
    // Shorter than two 5 ms declick seams: refused, naming the minimum; the minimum itself plays.
    refused(() => player.loop(1, 1.0099), /minimum of 10 ms \(480 frames/);
    assert.equal(player.loopRange, undefined, "a refused loop leaves no loop behind");
    refused(() => player.jump("Bridge"), /no marker "Bridge"/);
    refused(() => player.jump("Verse", { at: "sometime" as "bar" }), /at must be/);
    refused(() => player.countIn = -1, /countIn/);
    refused(() => player.fadeOut(NaN), /fadeOut/);
    await assert.rejects(
      player.loadSetlist(await writeSetlist(dir, ["missing-song"])),
      /songs\[0\]\.song: no such song/,
    );
    assert.equal(player.title, "good");
    assert.equal(player.state, "playing");
    const p = player.positionFrames;
    const out = player.render(100);
    assertSource(out[0], 99, p + 99, 1, "still playing on");
  });
});

Deno.test("show: preloading the next song during null-backend playback causes no overrun", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-preload-" });
  await using player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    channels: 2,
    blockFrames: 1024,
    latencyMonitor: true,
  });
  try {
    await writeSong(dir, "one", 20);
    await writeSong(dir, "two", 20);
    await player.loadSetlist(await writeSetlist(dir, ["one", "two"]));
    player.play();
    player.resetLatencyStats();
    await player.setlistReady(); // the next song decodes while this one plays
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stats = player.latencyStats();
    assert.ok(stats.callbacks > 0, "the monitor saw callbacks");
    assert.equal(stats.overruns, 0, `overruns while preloading: ${JSON.stringify(stats)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("show: after a gapless transition, seek and replay stay in the new song", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 1, {}, 1);
    await writeSong(dir, "two", 1, {}, -1);
    await player.loadSetlist(await writeSetlist(dir, [{ song: "one", transition: "next" }, "two"]));
    await player.setlistReady();
    player.play();
    player.render(RATE + 1000);
    await player.setlistSettled();
    player.seek(0.5);
    const out = player.render(2 * BLOCK + 2 * FADE);
    assert.equal(player.state, "playing");
    assertSource(out[0], 2 * BLOCK + 2 * FADE - 1, RATE / 2 + FADE + 2 * BLOCK - 1, -1, "seek");
    player.render(RATE); // to the end of song two
    assert.equal(player.state, "ended");
    player.play();
    const again = player.render(100);
    assertSource(again[0], 50, 50, -1, "play after the end restarts song two");
  });
});

Deno.test("show: a count-in lands on the setlist entry's start marker", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 3, { tempo: 120, markers: [{ name: "Verse", at: 2 }] });
    await player.loadSetlist(
      await writeSetlist(dir, [{ song: "one", countIn: 1, start: "Verse" }]),
    );
    player.play();
    const countIn = 2 * RATE; // one bar of 4/4 at 120 bpm
    const out = player.render(countIn + 1000);
    // The song fades in at Verse over the declick seam (a cut into the middle of a song would
    // click), then plays on exactly.
    const first = out[0][countIn] * SCALE - 1;
    assert.ok(out[0][countIn] > 0 && first < 2 * RATE, `fades in at Verse: ${first}`);
    assertSource(out[0], countIn + FADE, 2 * RATE + FADE, 1, "the song plays from Verse");
    assert.equal(player.state, "playing");
  });
});

Deno.test("show: stopping during a count-in counts in again on the next play", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "a", 3, { tempo: 120, clickRoute: [2] }));
    player.countIn = 1;
    player.play();
    player.render(RATE);
    player.stop();
    player.render(2 * BLOCK);
    assert.equal(player.state, "stopped");
    assert.equal(player.tracks.length, 1, "the count-in track is not part of the song");
    player.play();
    const out = player.render(2 * RATE + 100);
    assert.notEqual(out[1][0], 0, "the count-in clicks again");
    assertSource(out[0], 2 * RATE, 0, 1, "then the song starts");
  });
});

Deno.test("show: a crossfade into a song's start marker keeps its whole tail", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 2, {}, 1);
    await writeSong(dir, "two", 3, { markers: [{ name: "Late", at: 1 }] }, -1);
    await player.loadSetlist(
      await writeSetlist(dir, [{ song: "one", transition: { crossfade: 1 } }, {
        song: "two",
        start: "Late",
      }]),
    );
    await player.setlistReady();
    player.play();
    const first = player.render(RATE + RATE / 4); // into the crossfade
    await player.setlistSettled(); // song two is adopted mid-crossfade
    const rest = player.render(RATE);
    const k = RATE / 4 + RATE / 2; // frame of the crossfade checked, in the second render
    const angle = (k + 1) / RATE * Math.PI / 2;
    const expected = encoded(RATE + k) * Math.cos(angle) + encoded(RATE + k, -1) * Math.sin(angle);
    assert.ok(Math.abs(rest[0][k - RATE / 4] - expected) < 1e-6, "song one is still in the mix");
    assert.ok(first[0].length > 0);
  });
});

Deno.test("show: seeking past a transition's cue still hands over", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 3, {}, 1);
    await writeSong(dir, "two", 1, {}, -1);
    await player.loadSetlist(
      await writeSetlist(dir, [{ song: "one", transition: { crossfade: 2 } }, "two"]),
    );
    await player.setlistReady();
    player.play();
    player.render(1000);
    player.seek(2.5); // past the crossfade's start at 1 s
    player.render(RATE);
    await player.setlistSettled();
    assert.equal(player.setlist?.index, 1);
    assert.equal(player.title, "two");
  });
});

Deno.test("show: a fade-out asked for with play() in the same block is kept", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "a", 3));
    player.play();
    player.fadeOut(0.25);
    const out = player.render(RATE / 2);
    assert.ok(Math.abs(out[0][100]) > 0, "audible at first");
    assert.ok(out[0].subarray(RATE / 4).every((x) => x === 0), "faded out");
    assert.equal(player.state, "paused");
  });
});

Deno.test("show: a setlist that fails to load leaves no setlist and the song playing", async () => {
  await withShow(async (dir, player) => {
    await player.loadSong(await writeSong(dir, "good", 3));
    player.play();
    player.render(1000);
    const broken = await writeSong(dir, "broken", 1);
    await Deno.remove(join(broken, "index.wav"));
    await assert.rejects(player.loadSetlist(await writeSetlist(dir, ["broken"])));
    assert.equal(player.setlist, undefined);
    assert.equal(player.title, "good");
    assert.equal(player.state, "playing");
  });
});

Deno.test("show: a broken later song does not stop the show; next() reports it", async () => {
  await withShow(async (dir, player) => {
    await writeSong(dir, "one", 1, {}, 1);
    await writeSong(dir, "two", 1, {}, -1);
    const three = await writeSong(dir, "three", 1);
    const wav = join(three, "index.wav");
    const bytes = await Deno.readFile(wav);
    await Deno.writeFile(wav, bytes.subarray(0, bytes.length / 2)); // header intact, data cut
    await player.loadSetlist(
      await writeSetlist(dir, [{ song: "one", transition: "next" }, "two", "three"]),
    );
    await player.setlistReady();
    player.play();
    player.render(RATE + 1000); // into song two, whose preload of song three fails
    await player.setlistSettled();
    assert.equal(player.setlist?.index, 1);
    assert.match(player.setlist?.nextError ?? "", /truncated/);
    const out = player.render(1000);
    assertSource(out[0], 999, 1999, -1, "song two plays on");
    await assert.rejects(player.next(), /truncated/);
    assert.equal(player.title, "two");
    assert.equal(player.state, "playing");
  });
});
