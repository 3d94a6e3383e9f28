/**
 * detectTempo on audio the test makes: the project's own click (sp_click_render, accented
 * downbeats) on a known grid, with and without a tempo change, and a drum pattern synthesised
 * here (kick, snare, eighth hi-hats). The click must come back within ±0.01 bpm and ±1 ms of
 * its first downbeat; the drums within ±0.5 bpm.
 */
import assert from "node:assert/strict";
import { detectTempo, StemplayError, type TempoSegment } from "../mod.ts";
import { loadNative } from "../src/native/native.ts";
import { beatGrid } from "../src/model/tempo.ts";
import { renderClick } from "../src/show/show.ts";
import { encodeWav } from "../src/sources/wav.ts";

const RATE = 48000;

/** The project's click on `tempo`'s grid, as a mono float WAV file. */
async function clickFile(tempo: TempoSegment[], seconds: number): Promise<string> {
  const native = await loadNative();
  const frames = Math.round(seconds * RATE);
  const decoded = renderClick(native, beatGrid(tempo, frames, RATE), frames, RATE);
  const samples = new Float32Array(frames);
  native.sp_pcm_read_channel(decoded.pcm, 0, 0n, BigInt(frames), samples);
  native.sp_pcm_free(decoded.pcm);
  const path = await Deno.makeTempFile({ suffix: ".wav" });
  await Deno.writeFile(path, encodeWav([samples], RATE, "f32"));
  return path;
}

/** Deterministic noise in [-1, 1]. */
function noiseSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** A rock beat: kick on 1 and 3, snare on 2 and 4, closed hi-hat on every eighth; each beat
 * off the grid by up to `jitter` seconds, as a drummer plays (the first exactly on it). */
function drums(bpm: number, firstBeat: number, seconds: number, jitter = 0): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const noise = noiseSource(7);
  const timing = noiseSource(12345);
  const add = (at: number, length: number, sample: (t: number, i: number) => number) => {
    const start = Math.round(at * RATE);
    for (let i = 0; i < length * RATE && start + i < out.length; i++) {
      out[start + i] += sample(i / RATE, i);
    }
  };
  const beat = 60 / bpm;
  for (let k = 0; firstBeat + k * beat < seconds; k++) {
    const at = firstBeat + k * beat + (k > 0 ? jitter * timing() : 0);
    if (k % 2 === 0) {
      // A kick: a falling sine, 120 → 45 Hz.
      let phase = 0;
      add(at, 0.25, (t) => {
        phase += 2 * Math.PI * (45 + 75 * Math.exp(-t / 0.03)) / RATE;
        return 0.8 * Math.exp(-t / 0.09) * Math.sin(phase);
      });
    } else {
      add(at, 0.2, (t) => 0.5 * Math.exp(-t / 0.05) * noise());
    }
    for (const half of [0, 0.5]) {
      let last = 0;
      add(at + half * beat, 0.05, (t) => {
        const n = noise();
        const high = n - last; // a first difference: the hat's brightness
        last = n;
        return 0.12 * Math.exp(-t / 0.012) * high;
      });
    }
  }
  return out;
}

Deno.test("detectTempo: a click at 97.3 bpm in 4/4, first downbeat at 0.5371 s", async () => {
  const path = await clickFile([{ at: 0.5371, tempo: 97.3, timeSignature: [4, 4] }], 60);
  try {
    const found = await detectTempo(path);
    console.log("click:", JSON.stringify(found));
    assert.ok(Math.abs(found.bpm - 97.3) <= 0.01, `bpm ${found.bpm}`);
    assert.ok(Math.abs(found.firstBeat - 0.5371) <= 0.001, `firstBeat ${found.firstBeat}`);
    assert.deepEqual(found.timeSignature, [4, 4]);
    assert.equal(found.tempoMap.length, 1);
    assert.ok(found.confidence > 0.9 && found.confidence <= 1, `confidence ${found.confidence}`);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("detectTempo: a click whose first downbeat is the file's first sample", async () => {
  const path = await clickFile([{ at: 0, tempo: 150, timeSignature: [4, 4] }], 20);
  try {
    const found = await detectTempo(path);
    assert.ok(Math.abs(found.bpm - 150) <= 0.01, `bpm ${found.bpm}`);
    assert.ok(Math.abs(found.firstBeat) <= 0.001, `firstBeat ${found.firstBeat}`);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("detectTempo: a click in 3/4 whose first beats are a pickup", async () => {
  // The grid starts two beats before the bar: beats 2 and 3 of bar 0, then the downbeat.
  const first = 1.25;
  const bpm = 132;
  const pickup = first - 2 * 60 / bpm;
  const native = await loadNative();
  const frames = 30 * RATE;
  const grid = beatGrid([{ at: pickup, tempo: bpm, timeSignature: [3, 4] }], frames, RATE)
    .map((beat, i) => ({ ...beat, beat: ((i + 1) % 3) + 1 }));
  const decoded = renderClick(native, grid, frames, RATE);
  const samples = new Float32Array(frames);
  native.sp_pcm_read_channel(decoded.pcm, 0, 0n, BigInt(frames), samples);
  native.sp_pcm_free(decoded.pcm);
  const path = await Deno.makeTempFile({ suffix: ".wav" });
  await Deno.writeFile(path, encodeWav([samples], RATE, "f32"));
  try {
    const found = await detectTempo(path);
    console.log("3/4 with pickup:", JSON.stringify(found));
    assert.ok(Math.abs(found.bpm - bpm) <= 0.01, `bpm ${found.bpm}`);
    assert.deepEqual(found.timeSignature, [3, 4]);
    assert.ok(Math.abs(found.firstBeat - first) <= 0.001, `firstBeat ${found.firstBeat}`);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("detectTempo: a tempo change at a bar line gives a two-entry tempo map", async () => {
  const change = 2 + 16 * 4 * 60 / 120; // bar 17 at 120 bpm from 2 s
  const path = await clickFile([
    { at: 2, tempo: 120, timeSignature: [4, 4] },
    { at: change, tempo: 138.5, timeSignature: [4, 4] },
  ], 60);
  try {
    const found = await detectTempo(path);
    console.log("tempo change:", JSON.stringify(found));
    assert.equal(found.tempoMap.length, 2, JSON.stringify(found.tempoMap));
    assert.ok(Math.abs(found.tempoMap[0].tempo - 120) <= 0.01);
    assert.ok(Math.abs(found.tempoMap[0].at - 2) <= 0.001);
    assert.ok(Math.abs(found.tempoMap[1].tempo - 138.5) <= 0.01);
    assert.ok(Math.abs(found.tempoMap[1].at - change) <= 0.001, `${found.tempoMap[1].at}`);
    assert.equal(found.bpm, found.tempoMap[0].tempo);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("detectTempo: a stereo drum pattern at 96.5 bpm within 0.5 bpm", async () => {
  const path = await Deno.makeTempFile({ suffix: ".wav" });
  const kit = drums(96.5, 0.4, 45);
  // Stereo 24-bit, as a DAW exports it: the channels are mixed to mono.
  await Deno.writeFile(path, encodeWav([kit, kit.map((x) => 0.7 * x)], RATE, "s24"));
  try {
    const found = await detectTempo(path);
    console.log("drums:", JSON.stringify(found));
    assert.ok(Math.abs(found.bpm - 96.5) <= 0.5, `bpm ${found.bpm}`);
    // The downbeat is a beat of the pattern (the first kick or a beat after it).
    const beats = (found.firstBeat - 0.4) / (60 / 96.5);
    assert.ok(Math.abs(beats - Math.round(beats)) < 0.05, `firstBeat ${found.firstBeat}`);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("detectTempo: silence has no tempo (NO_TEMPO), a missing file is FILE_NOT_FOUND", async () => {
  const path = await Deno.makeTempFile({ suffix: ".wav" });
  await Deno.writeFile(path, encodeWav([new Float32Array(RATE * 5)], RATE, "s16"));
  try {
    await assert.rejects(
      detectTempo(path),
      (e) => e instanceof StemplayError && e.code === "NO_TEMPO" && e.message.includes(path),
    );
    await assert.rejects(
      detectTempo(path + ".missing"),
      (e) => e instanceof StemplayError && e.code === "FILE_NOT_FOUND",
    );
  } finally {
    await Deno.remove(path);
  }
});

const METERS: [number, [number, number], number][] = [
  [200, [4, 4], 0.3],
  [60, [4, 4], 1.1],
  [144, [6, 8], 0.25],
  [90, [5, 4], 0.7],
  [72, [12, 8], 0.5],
  [180, [3, 4], 0.2],
];
for (const [bpm, timeSignature, at] of METERS) {
  Deno.test(`detectTempo: a click at ${bpm} in ${timeSignature.join("/")}`, async () => {
    const path = await clickFile([{ at, tempo: bpm, timeSignature }], 40);
    try {
      const found = await detectTempo(path);
      assert.ok(Math.abs(found.bpm - bpm) <= 0.01, `bpm ${found.bpm}`);
      assert.deepEqual(found.timeSignature, timeSignature);
      assert.ok(Math.abs(found.firstBeat - at) <= 0.001, `firstBeat ${found.firstBeat}`);
    } finally {
      await Deno.remove(path);
    }
  });
}

Deno.test("detectTempo: a drummer off the grid by up to 10 ms, at 128 bpm, within 0.5 bpm", async () => {
  const path = await Deno.makeTempFile({ suffix: ".wav" });
  await Deno.writeFile(path, encodeWav([drums(128, 0.4, 45, 0.01)], RATE, "s16"));
  try {
    const found = await detectTempo(path);
    console.log("loose drums:", JSON.stringify(found));
    assert.ok(Math.abs(found.bpm - 128) <= 0.5, `bpm ${found.bpm}`);
    assert.ok(found.confidence < 1, `confidence ${found.confidence}`);
  } finally {
    await Deno.remove(path);
  }
});
