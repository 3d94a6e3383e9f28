/**
 * Key and tempo through Rubber Band (native/stretch.c): pitch, quality against the rubberband
 * CLI, onsets at the new tempo, pitched and unpitched stems in lock, determinism, bad values,
 * and a clear error without the library. Real Rubber Band, real CLI; nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { StemplayError } from "../mod.ts";
import { loadNative } from "../src/native/native.ts";
import { stretchFile, stretchPcm, stretchPlanar } from "../src/sources/stretch.ts";
import { decodeFile } from "../src/sources/decode.ts";
import { checkSpeed, checkTranspose, guessPitched } from "../src/model/key_tempo.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { decodeWav } from "./support/wav_reader.ts";
import { estimateFrequency, fft } from "./support/fixtures.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { cents, clicks, harmonicTone, middle, onsetNear } from "./support/stretch_signals.ts";

const RATE = 48_000;
const native = await loadNative();

/** Energy within ±4 Hz of each harmonic of f0 over everything else above 20 Hz, in dB. */
function harmonicToRest(samples: Float32Array, f0: number): number {
  const size = 65_536;
  const segment = middle(samples, size / RATE);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    re[i] = segment[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (size - 1)));
  }
  fft(re, im);
  let harmonic = 0;
  let rest = 0;
  for (let bin = Math.ceil((20 * size) / RATE); bin < size / 2; bin++) {
    const hz = (bin * RATE) / size;
    const power = re[bin] * re[bin] + im[bin] * im[bin];
    const k = Math.round(hz / f0);
    if (k >= 1 && Math.abs(hz - k * f0) <= 4) harmonic += power;
    else rest += power;
  }
  return 10 * Math.log10(harmonic / rest);
}

Deno.test("stretch: a pitched stem lands on the new key within 2 cents, at any tempo", async () => {
  const tone = harmonicTone(220, 4);
  for (const [transpose, speed] of [[2, 1], [-3.5, 1], [2, 0.9], [5, 1.1]]) {
    const [out] = await stretchPlanar(native, [tone], RATE, { transpose, speed });
    assert.equal(out.length, Math.round(tone.length / speed));
    const expected = 220 * Math.pow(2, transpose / 12);
    const error = cents(estimateFrequency(middle(out, 1), RATE), expected);
    console.log(`transpose ${transpose} speed ${speed}: ${error.toFixed(3)} cents`);
    assert.ok(Math.abs(error) <= 2, `${error} cents off at transpose ${transpose}`);
  }
});

const cliTest = "stretch: harmonic-to-rest within 3 dB of the rubberband CLI --fine";
Deno.test({
  name: cliTest,
  ignore: ignoreWithout("rubberband", cliTest),
  async fn() {
    requireTool("rubberband", cliTest);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-stretch-" });
    try {
      const tone = harmonicTone(220, 4);
      const input = join(dir, "tone.wav");
      const output = join(dir, "cli.wav");
      await Deno.writeFile(input, encodeWav([tone], RATE, "f32"));
      const run = await new Deno.Command("rubberband", {
        args: ["--fine", "-q", "-p", "2", input, output],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(run.success, new TextDecoder().decode(run.stderr));
      const cli = decodeWav(await Deno.readFile(output)).channels[0];
      const f1 = 220 * Math.pow(2, 2 / 12);
      const ours = {
        finer: (await stretchPlanar(native, [tone], RATE, { transpose: 2, speed: 1 }))[0],
        faster: (await stretchPlanar(native, [tone], RATE, {
          transpose: 2,
          speed: 1,
          engine: "faster",
        }))[0],
      };
      const cliRatio = harmonicToRest(cli, f1);
      const finerRatio = harmonicToRest(ours.finer, f1);
      console.log(
        `harmonic-to-rest: CLI --fine ${cliRatio.toFixed(1)} dB, ours R3 ${
          finerRatio.toFixed(1)
        } dB, ours R2 ${harmonicToRest(ours.faster, f1).toFixed(1)} dB`,
      );
      assert.ok(finerRatio >= cliRatio - 3, `R3 ${finerRatio} dB vs CLI ${cliRatio} dB`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const lowR2Test =
  "stretch: R2 shifts a low harmonic tone down as the rubberband CLI's real-time R2 does";
Deno.test({
  name: lowR2Test,
  ignore: ignoreWithout("rubberband", lowR2Test),
  async fn() {
    // Twice R2 was made to stretch at pitch 1 and resample by our own (half its CPU): at pitch
    // 1 it picks other hops, and a bass note a few semitones down lost its harmonics (-7.9 dB
    // against 6.5) and came out 89 cents off. R2 must shift as Rubber Band's own R2 does.
    requireTool("rubberband", lowR2Test);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-stretch-" });
    try {
      const tone = harmonicTone(110, 4);
      const input = join(dir, "tone.wav");
      const output = join(dir, "cli.wav");
      await Deno.writeFile(input, encodeWav([tone], RATE, "f32"));
      const run = await new Deno.Command("rubberband", {
        args: ["--fast", "--realtime", "-q", "-p", "-3.5", input, output],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(run.success, new TextDecoder().decode(run.stderr));
      const cli = decodeWav(await Deno.readFile(output)).channels[0];
      const f1 = 110 * Math.pow(2, -3.5 / 12);
      const [ours] = await stretchPlanar(native, [tone], RATE, {
        transpose: -3.5,
        speed: 1,
        engine: "faster",
      });
      const cliRatio = harmonicToRest(cli, f1);
      const oursRatio = harmonicToRest(ours, f1);
      console.log(
        `110 Hz at -3.5, R2: CLI ${cliRatio.toFixed(1)} dB, ours ${oursRatio.toFixed(1)} dB`,
      );
      assert.ok(oursRatio >= cliRatio - 3, `R2 ${oursRatio} dB vs the CLI's ${cliRatio} dB`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("stretch: an unpitched stem keeps its pitch, its onsets follow the tempo within 1 ms", async () => {
  const seconds = 6;
  const click = clicks(seconds, 0.25, 0.5);
  const tone = harmonicTone(1000, seconds).map((x) => x / 2);
  for (const speed of [0.9, 1.1]) {
    for (const engine of ["finer", "faster"] as const) {
      const settings = { transpose: 3, speed, pitched: false, engine };
      const [out] = await stretchPlanar(native, [click], RATE, settings);
      const [held] = await stretchPlanar(native, [tone], RATE, settings);
      const error = cents(estimateFrequency(middle(held, 1), RATE), 1000);
      let worst = 0;
      for (let at = 0.25; at < seconds - 0.1; at += 0.5) {
        const expected = Math.round((at * RATE) / speed);
        const found = onsetNear(out, expected);
        worst = Math.max(worst, Math.abs(found - expected));
      }
      console.log(
        `unpitched ${engine} speed ${speed}: ${error.toFixed(3)} cents, onsets within ${
          (worst / RATE * 1000).toFixed(3)
        } ms`,
      );
      // R2 ("faster") wobbles on a steady tone (-10.6 cents, onsets 4.9 ms at 0.9, measured;
      // the rubberband CLI's --realtime R2 gives the same -10.6): the targets hold for R3.
      if (engine === "faster") continue;
      assert.ok(Math.abs(error) <= 2, `${engine} at ${speed}: pitch moved ${error} cents`);
      assert.ok(worst <= RATE / 1000, `${engine} at ${speed}: an onset ${worst} frames off`);
    }
  }
});

Deno.test("stretch: a pitched and an unpitched stem share a transient within 2 ms", async () => {
  const seconds = 6;
  const click = clicks(seconds, 0.3, 0.75);
  for (const speed of [0.9, 1.1]) {
    const [pitched] = await stretchPlanar(native, [click], RATE, { transpose: -2, speed });
    const [unpitched] = await stretchPlanar(native, [click], RATE, {
      transpose: -2,
      speed,
      pitched: false,
    });
    let worst = 0;
    for (let at = 0.3; at < seconds - 0.1; at += 0.75) {
      const expected = Math.round((at * RATE) / speed);
      worst = Math.max(
        worst,
        Math.abs(onsetNear(pitched, expected) - onsetNear(unpitched, expected)),
      );
    }
    console.log(
      `speed ${speed}: pitched and unpitched onsets within ${(worst / RATE * 1000).toFixed(3)} ms`,
    );
    assert.ok(worst <= (2 * RATE) / 1000, `${worst} frames apart at speed ${speed}`);
  }
});

Deno.test("stretch: a render from mid-song lines up with the render from the start", async () => {
  const seconds = 8;
  const click = clicks(seconds, 0.25, 0.5);
  const tone = harmonicTone(220, seconds);
  for (const speed of [0.9, 1.1]) {
    const settings = { transpose: 2, speed };
    const [whole] = await stretchPlanar(native, [click, tone], RATE, settings);
    const start = Math.round(3.1 * RATE); // between two clicks, off the block grid
    const [from, held] = await stretchPlanar(native, [click, tone], RATE, settings, start);
    assert.equal(from.length, Math.round((click.length - start) / speed));
    const offset = Math.round(start / speed);
    let worst = 0;
    for (let at = 3.25; at < seconds - 0.1; at += 0.5) {
      const expected = Math.round((at * RATE) / speed);
      worst = Math.max(
        worst,
        Math.abs(onsetNear(from, expected - offset) + offset - onsetNear(whole, expected)),
      );
    }
    const error = cents(
      estimateFrequency(held.subarray(RATE, 2 * RATE), RATE),
      220 * Math.pow(2, 2 / 12),
    );
    console.log(
      `speed ${speed}: from ${start}: onsets within ${worst} frames of the whole render, ${
        error.toFixed(3)
      } cents`,
    );
    assert.ok(worst <= RATE / 1000, `${worst} frames off at speed ${speed}`);
    assert.ok(Math.abs(error) <= 2, `${error} cents off at speed ${speed}`);
  }
});

Deno.test("stretch: a file streamed the reader's way equals the file decoded whole, bit for bit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stretch-" });
  try {
    for (const fileRate of [48_000, 44_100]) {
      const seconds = 5;
      const left = new Float32Array(seconds * fileRate);
      const right = new Float32Array(seconds * fileRate);
      for (let i = 0; i < left.length; i++) {
        left[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / fileRate);
        right[i] = i % Math.round(fileRate / 2) < 200 ? 0.5 : 0.05 * Math.sin(i / 7);
      }
      const path = join(dir, `stem${fileRate}.wav`);
      await Deno.writeFile(path, encodeWav([left, right], fileRate, "s24"));
      const whole = await decodeFile(native, path, RATE);
      try {
        for (const start of [0, 70_001]) {
          const settings = { transpose: -2, speed: 0.9, engine: "faster" as const };
          const streamed = await stretchFile(native, path, RATE, settings, start);
          const pcm = await stretchPcm(native, whole.pcm, RATE, settings, start);
          const info = new BigUint64Array(3);
          native.sp_pcm_info(pcm, info);
          const decoded = [0, 1].map((channel) => {
            const out = new Float32Array(Number(info[0]));
            native.sp_pcm_read_channel(pcm, channel, 0n, info[0], out);
            return out;
          });
          native.sp_pcm_free(pcm);
          assert.equal(streamed[0].length, Math.round((whole.frames - start) / 0.9));
          assert.deepEqual(streamed, decoded, `${fileRate} Hz from ${start}`);
        }
      } finally {
        native.sp_pcm_free(whole.pcm);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stretch: a render is the same run after run, channel for channel", async () => {
  const left = harmonicTone(330, 3);
  const right = clicks(3, 0.2, 0.4);
  const first = await stretchPlanar(native, [left, right], RATE, { transpose: 1.25, speed: 0.85 });
  const second = await stretchPlanar(native, [left, right], RATE, { transpose: 1.25, speed: 0.85 });
  assert.deepEqual(first, second);
  assert.equal(first[0].length, Math.round(left.length / 0.85));
});

Deno.test("stretch: a NaN or infinite sample costs that sample, not seconds of silence", async () => {
  // A decoder can hand over a non-finite sample; fed to Rubber Band it poisoned about 1.8 s of
  // output (every later FFT frame it touches), and the mixer plays a NaN as 0.
  const tone = harmonicTone(220, 4);
  tone[2 * RATE] = NaN;
  tone[2 * RATE + 100] = Infinity;
  const [out] = await stretchPlanar(native, [tone], RATE, { transpose: 2, speed: 1 });
  const bad = out.reduce((count, sample) => count + (Number.isFinite(sample) ? 0 : 1), 0);
  assert.equal(bad, 0, `${bad} non-finite output samples`);
});

Deno.test("stretch: bad key and tempo values name the range and the caller's code", () => {
  for (const value of [12.5, -13, NaN, Infinity, "2", null]) {
    assert.throws(
      () => checkTranspose(value, "INVALID_ARGUMENT", "transpose"),
      (error) =>
        error instanceof StemplayError && error.code === "INVALID_ARGUMENT" &&
        /transpose/.test(error.message),
    );
  }
  for (const value of [0.49, 2.01, 0, -1, NaN, "1"]) {
    assert.throws(
      () => checkSpeed(value, "MANIFEST", "speed"),
      (error) =>
        error instanceof StemplayError && error.code === "MANIFEST" && /speed/.test(error.message),
    );
  }
  assert.equal(checkTranspose(-12, "INVALID_ARGUMENT", "transpose"), -12);
  assert.equal(checkTranspose(0.37, "INVALID_ARGUMENT", "transpose"), 0.37);
  assert.equal(checkSpeed(2, "INVALID_ARGUMENT", "speed"), 2);
});

Deno.test("stretch: folder stems guess pitched false for click, guide and percussion", () => {
  for (
    const name of [
      "Click",
      "guide vox",
      "Kick In",
      "Snare Top",
      "HiHat",
      "Overheads",
      "Toms",
      "Perc",
      "Shaker",
      "Tambourine",
      "Drums",
      "Cymbals",
      "count in",
    ]
  ) {
    assert.equal(guessPitched(name), false, name);
  }
  for (const name of ["Bass", "Keys", "Lead Vox", "Guitars", "Pad", "Strings"]) {
    assert.equal(guessPitched(name), true, name);
  }
});

Deno.test("stretch: without Rubber Band a key change is STRETCH_UNAVAILABLE naming the install", async () => {
  const script = `
    import { loadNative } from "./src/native/native.ts";
    import { stretchPlanar } from "./src/sources/stretch.ts";
    const native = await loadNative();
    try {
      await stretchPlanar(native, [new Float32Array(4800)], 48000, { transpose: 2, speed: 1 });
      console.log("stretched");
    } catch (error) {
      console.log(error.code, error.message);
    }`;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    cwd: new URL("../", import.meta.url),
    env: { STEMPLAY_RUBBERBAND: "librubberband-missing.so" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(run.stdout);
  assert.match(
    said,
    /^STRETCH_UNAVAILABLE .*apt-get install librubberband2/,
    said +
      new TextDecoder().decode(run.stderr),
  );
});

Deno.test("stretch: a song's last frames are heard at any key, tempo and engine, not padded with silence", async () => {
  // Told the input had ended, Rubber Band gave up what it still held: the last 70 ms of a song
  // at +12 (R2) came out silent, a ring-out cut short. The last 10 ms may fade, as a window does
  // (the rubberband CLI's offline modes end so too).
  const tone = harmonicTone(220, 2);
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((sum, v) => sum + v * v, 0) / x.length);
  const silent: string[] = [];
  for (const engine of ["faster", "finer"] as const) {
    for (const [transpose, speed] of [[12, 1], [12, 0.5], [-12, 2], [-2, 0.9], [0, 1.1]]) {
      const [out] = await stretchPlanar(native, [tone], RATE, { transpose, speed, engine });
      const level = rms(middle(out, 0.5));
      const tail = RATE / 100; // the last 10 ms, block by block
      let quiet = 0;
      for (let end = out.length - tail; end > out.length - RATE / 5; end -= tail) {
        if (rms(out.subarray(end - tail, end)) < level / 4) quiet += tail;
      }
      console.log(`${engine} ${transpose} at ${speed}: ${quiet} frames quiet in the last 200 ms`);
      if (quiet > 0) silent.push(`${engine} at ${transpose} and ${speed}: ${quiet} frames`);
    }
  }
  assert.deepEqual(silent, [], "a silent end");
});
