/**
 * Resampling at load: float WAVs of −6 dBFS sines at 44.1, 48, 88.2 and 96 kHz, loaded into an
 * offline engine at 48 or 44.1 kHz. The known tone is fitted out of the output (least squares
 * on sin and cos at the exact frequency, the edges skipped); what is left, against the tone,
 * is the SINAD. Each tone must keep ≥ 120 dB SINAD and its gain within ±0.01 dB up to 20 kHz.
 * sox (`rate -v`) converts the same files in the same run, as the reference: its numbers are
 * printed next to ours, and it must pass the same fit (a check of the method).
 *
 * Timing: the output is exactly round(frames × ratio) frames, and an impulse at input frame k
 * peaks at output frame round(k × ratio), at the first frame, in the middle and at the last
 * (the filter's delay compensated and its tail flushed, nothing lost or shifted).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { decodeWav } from "./support/wav_reader.ts";
import { hasTool } from "./support/require_tool.ts";

const AMPLITUDE = 10 ** (-6 / 20);
const TONES = [1000, 5000, 10000, 15000, 18000];
const FLAT_TO = 20000;
const MIN_SINAD_DB = 120;
const MAX_GAIN_DB = 0.01;
/** Output frames left out of the fit at each end: the band-limited onset and end ring there. */
const EDGE = 2000;

const CONVERSIONS: readonly [number, number][] = [
  [44100, 48000],
  [48000, 44100],
  [88200, 48000],
  [96000, 48000],
  // 48000/44101 has no small fraction: interpolated phases, not exact ones.
  [44101, 48000],
];

/** A stereo float WAV of `hz` at `rate`, 1 s plus a few frames (so rounding matters). */
function toneFile(hz: number, rate: number): Uint8Array {
  const frames = rate + 123;
  const channel = new Float32Array(frames);
  for (let i = 0; i < frames; i++) channel[i] = AMPLITUDE * Math.sin(2 * Math.PI * hz * i / rate);
  return encodeWav([channel, channel.slice()], rate, "f32");
}

/** The least-squares fit of a·sin + b·cos at `hz` (plus DC) over x[from, to). */
function fitTone(
  x: Float32Array,
  hz: number,
  rate: number,
  from = EDGE,
  to = x.length - EDGE,
): { sinadDb: number; gainDb: number } {
  const w = 2 * Math.PI * hz / rate;
  // Normal equations for [sin, cos, 1].
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const v = [0, 0, 0];
  for (let n = from; n < to; n++) {
    const basis = [Math.sin(w * n), Math.cos(w * n), 1];
    for (let i = 0; i < 3; i++) {
      v[i] += basis[i] * x[n];
      for (let j = 0; j < 3; j++) m[i][j] += basis[i] * basis[j];
    }
  }
  const [a, b, c] = solve3(m, v);
  let signal = 0;
  let residual = 0;
  for (let n = from; n < to; n++) {
    const fitted = a * Math.sin(w * n) + b * Math.cos(w * n);
    signal += fitted * fitted;
    residual += (x[n] - fitted - c) ** 2;
  }
  return {
    sinadDb: 10 * Math.log10(signal / residual),
    gainDb: 20 * Math.log10(Math.hypot(a, b) / AMPLITUDE),
  };
}

function solve3(m: number[][], v: number[]): number[] {
  const a = m.map((row, i) => [...row, v[i]]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let k = col; k < 4; k++) a[r][k] -= f * a[col][k];
    }
  }
  return [a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]];
}

/** Loads `path` into `player` and renders it: one Float32Array per output channel. */
async function loadAndRender(player: Player, path: string) {
  const track = await player.load(path, { route: [1, 2] });
  player.play();
  const rendered = player.render(track.frames);
  player.stop();
  player.render(player.blockFrames * 2);
  await track.remove();
  return { frames: track.frames, rendered };
}

async function soxConvert(path: string, rate: number): Promise<Float32Array> {
  const out = `${path}.sox.wav`;
  const result = await new Deno.Command("sox", {
    args: [path, "-b", "32", "-e", "float", out, "rate", "-v", String(rate)],
    stderr: "piped",
  }).output();
  assert.ok(result.success, new TextDecoder().decode(result.stderr));
  return decodeWav(await Deno.readFile(out)).channels[0];
}

const haveSox = hasTool("sox");

for (const [from, to] of CONVERSIONS) {
  const label = `${from / 1000}→${to / 1000} kHz`;
  Deno.test(`resample ${label}: SINAD ≥ ${MIN_SINAD_DB} dB to 18 kHz, flat ±0.01 dB to 20 kHz`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-resample-" });
    try {
      await using player = await Player.open({
        backend: "offline",
        sampleRate: to,
        channels: 2,
        blockFrames: 1024,
      });
      const rows: string[] = [];
      const failures: string[] = [];
      for (const hz of [...TONES, FLAT_TO]) {
        const path = join(dir, `tone-${hz}.wav`);
        await Deno.writeFile(path, toneFile(hz, from));
        const { frames, rendered } = await loadAndRender(player, path);
        assert.equal(frames, Math.round((from + 123) * to / from), `${hz} Hz: frame count`);
        const ours = [0, 1].map((c) => fitTone(rendered[c], hz, to));
        const ref = haveSox ? fitTone(await soxConvert(path, to), hz, to) : undefined;
        rows.push(
          `| ${hz / 1000} kHz | ${ours[0].sinadDb.toFixed(1)} dB | ${
            ours[0].gainDb.toFixed(4)
          } dB | ${
            ref ? `${ref.sinadDb.toFixed(1)} dB | ${ref.gainDb.toFixed(4)} dB` : "(no sox) | –"
          } |`,
        );
        for (const [c, fit] of ours.entries()) {
          if (hz <= 18000 && !(fit.sinadDb >= MIN_SINAD_DB)) {
            failures.push(`${hz} Hz channel ${c}: SINAD ${fit.sinadDb.toFixed(1)} dB`);
          }
          if (!(Math.abs(fit.gainDb) <= MAX_GAIN_DB)) {
            failures.push(`${hz} Hz channel ${c}: gain ${fit.gainDb.toFixed(4)} dB`);
          }
        }
        // sox's own `rate -v` is below 120 dB at 44,101 Hz (117 dB at 18 kHz): only the
        // issue's four conversions check the method against it.
        if (ref && hz <= 18000 && from !== 44101) {
          assert.ok(ref.sinadDb >= MIN_SINAD_DB, `the fit itself: sox gets ${ref.sinadDb} dB`);
        }
      }
      console.log(
        `\n${label}\n| tone | stemplay SINAD | stemplay gain | sox SINAD | sox gain |\n` +
          `| --- | --- | --- | --- | --- |\n${rows.join("\n")}`,
      );
      assert.deepEqual(failures, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`resample ${label}: impulses at the first, a middle and the last frame land at round(k × ratio)`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-resample-" });
    try {
      await using player = await Player.open({
        backend: "offline",
        sampleRate: to,
        channels: 2,
        blockFrames: 1024,
      });
      const ratio = to / from;
      // Frames whose exact output position is not half-way between two output frames; the
      // last one's position also rounds to a frame inside the output.
      const clear = (k: number) => Math.abs((k * ratio) % 1 - 0.5) >= 0.1;
      let frames = Math.floor(from / 4) + 37;
      while (!clear(frames - 1) || Math.round((frames - 1) * ratio) >= Math.round(frames * ratio)) {
        frames++;
      }
      let middle = 1001;
      while (!clear(middle)) middle++;
      const impulses = [0, middle, frames - 1];
      const channel = new Float32Array(frames);
      for (const k of impulses) channel[k] = 0.5;
      const path = join(dir, "impulses.wav");
      await Deno.writeFile(path, encodeWav([channel, channel.slice()], from, "f32"));
      const { frames: outFrames, rendered } = await loadAndRender(player, path);
      assert.equal(outFrames, Math.round(frames * ratio));
      for (const k of impulses) {
        const expected = Math.round(k * ratio);
        let best = -1;
        let bestAt = -1;
        for (let j = Math.max(0, expected - 40); j < Math.min(outFrames, expected + 41); j++) {
          if (Math.abs(rendered[0][j]) > best) {
            best = Math.abs(rendered[0][j]);
            bestAt = j;
          }
        }
        assert.equal(bestAt, expected, `impulse at input frame ${k} of ${frames}`);
        // The whole impulse is there: its peak is not cut by the start or the end.
        assert.ok(best > 0.5 * Math.min(1, ratio) * 0.8, `impulse at ${k}: peak ${best}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
