/**
 * songPeaks: min/max per point per channel, computed natively, in song seconds, cached and
 * recomputed when a file changes. The oracle is the same samples reduced here in TypeScript.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { songPeaks } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";

const RATE = 48000;

/** 1 s of silence, then 1 s of a 0.5 sine on the left and -0.25 DC on the right. */
function stem(): Float32Array[] {
  const left = new Float32Array(2 * RATE), right = new Float32Array(2 * RATE);
  for (let i = RATE; i < 2 * RATE; i++) {
    left[i] = 0.5 * Math.sin(i / 7);
    right[i] = -0.25;
  }
  return [left, right];
}

async function writeSong(dir: string): Promise<string> {
  await Deno.writeFile(join(dir, "keys.wav"), encodeWav(stem(), RATE, "f32"));
  await Deno.writeFile(
    join(dir, "bass.wav"),
    encodeWav([new Float32Array(RATE).fill(0.125)], RATE, "f32"),
  );
  const manifest = {
    title: "Peaks",
    tracks: [{ file: "keys.wav", name: "Keys" }, { file: "bass.wav" }],
  };
  await Deno.writeTextFile(join(dir, "song.json"), JSON.stringify(manifest));
  return join(dir, "song.json");
}

function oracle(samples: Float32Array, lo: number, hi: number) {
  let min = Infinity, max = -Infinity;
  for (let i = lo; i < Math.min(hi, samples.length); i++) {
    min = Math.min(min, samples[i]);
    max = Math.max(max, samples[i]);
  }
  return min === Infinity ? [0, 0] : [min, max];
}

Deno.test("songPeaks gives min/max per point per channel, in song seconds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-peaks-" });
  const cache = await Deno.makeTempDir({ prefix: "stemplay-peaks-cache-" });
  Deno.env.set("STEMPLAY_CACHE", cache);
  try {
    const song = await writeSong(dir);
    const peaks = await songPeaks(song, { points: 100 });
    assert.equal(peaks.sampleRate, RATE);
    assert.equal(peaks.frames, 2 * RATE);
    assert.deepEqual(peaks.tracks.map((t) => [t.name, t.file, t.channels.length]), [
      ["Keys", join(dir, "keys.wav"), 2],
      ["bass", join(dir, "bass.wav"), 1],
    ]);
    const [left, right] = stem();
    for (let p = 0; p < 100; p++) {
      const lo = p * 960, hi = (p + 1) * 960;
      const [lmin, lmax] = oracle(left, lo, hi);
      assert.ok(Math.abs(peaks.tracks[0].channels[0].min[p] - lmin) < 1e-6, `left min at ${p}`);
      assert.ok(Math.abs(peaks.tracks[0].channels[0].max[p] - lmax) < 1e-6, `left max at ${p}`);
      assert.equal(peaks.tracks[0].channels[1].min[p], oracle(right, lo, hi)[0]);
    }
    // The 1 s bass is silent (0, 0) past its end, where the song goes on.
    assert.equal(peaks.tracks[1].channels[0].max[49], 0.125);
    assert.equal(peaks.tracks[1].channels[0].max[50], 0);
    assert.equal(peaks.tracks[1].channels[0].min[99], 0);

    // A window in song seconds, zoomed past one frame per point: each point shows its frame.
    const zoomed = await songPeaks(song, { points: 20, start: 1.5, end: 1.5 + 10 / RATE });
    for (let p = 0; p < 20; p++) {
      const frame = 1.5 * RATE + Math.floor(p / 2);
      assert.equal(zoomed.tracks[0].channels[0].min[p], left[frame]);
      assert.equal(zoomed.tracks[0].channels[0].max[p], left[frame]);
    }

    // Integer files (read as int32 natively) give the same peaks within their resolution.
    await Deno.writeFile(join(dir, "keys.wav"), encodeWav(stem(), RATE, "s24"));
    const integer = await songPeaks(song, { points: 100 });
    for (let p = 0; p < 100; p++) {
      const [lmin, lmax] = oracle(left, p * 960, (p + 1) * 960);
      assert.ok(Math.abs(integer.tracks[0].channels[0].min[p] - lmin) < 1e-5, `s24 min at ${p}`);
      assert.ok(Math.abs(integer.tracks[0].channels[0].max[p] - lmax) < 1e-5, `s24 max at ${p}`);
    }
    await Deno.writeFile(join(dir, "keys.wav"), encodeWav(stem(), RATE, "f32"));

    // Cached: the same answer; a changed file is read again.
    const again = await songPeaks(song, { points: 100 });
    assert.deepEqual(again.tracks[0].channels[0].max, peaks.tracks[0].channels[0].max);
    let cached = 0;
    for await (const _ of Deno.readDir(join(cache, "peaks"))) cached++;
    assert.ok(cached >= 2, `peaks are cached on disk (${cached} files)`);
    await Deno.writeFile(
      join(dir, "bass.wav"),
      encodeWav([new Float32Array(RATE).fill(0.5)], RATE, "f32"),
    );
    const changed = await songPeaks(song, { points: 100 });
    assert.equal(changed.tracks[1].channels[0].max[0], 0.5);
  } finally {
    Deno.env.delete("STEMPLAY_CACHE");
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("songPeaks refuses bad options and names the fix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-peaks-" });
  try {
    const song = await writeSong(dir);
    await assert.rejects(() => songPeaks(song, { points: 0 }), { code: "INVALID_ARGUMENT" });
    await assert.rejects(() => songPeaks(song, { points: 10, start: 2, end: 1 }), {
      code: "INVALID_ARGUMENT",
    });
    await assert.rejects(() => songPeaks(join(dir, "nope.json"), { points: 10 }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
