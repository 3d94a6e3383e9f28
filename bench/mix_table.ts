/**
 * Prints the mixing table: ns per input sample for every shape and mixer (the median of many
 * timed windows), the ratios, and the targets. `deno task bench` runs it after the
 * Deno.bench suites; alone: `deno run -A bench/mix_table.ts [--reps N]`.
 *
 * @module
 */

import {
  BLOCK_SIZES,
  type MixerName,
  MIXERS,
  MixLab,
  type Shape,
  TRACK_COUNTS,
  windowSamples,
} from "./mix_lab.ts";

const WARMUP_WINDOWS = 3;
const CONTROL_CALLS = 1_000_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** ns per input sample of `name` on `shape`: the median of `reps` timed windows. */
async function measure(lab: MixLab, name: MixerName, shape: Shape, reps: number) {
  const mixer = await lab.mixer(name, shape);
  for (let i = 0; i < WARMUP_WINDOWS; i++) {
    await mixer.prepare?.();
    lab.step(mixer, shape);
    mixer.check?.();
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    await mixer.prepare?.(); // untimed: "stemplay rings" waits for full rings here
    const start = performance.now();
    lab.step(mixer, shape);
    times.push(performance.now() - start);
    mixer.check?.();
  }
  return median(times) * 1e6 / windowSamples(shape);
}

/** ns per call of `call`, over CONTROL_CALLS calls. */
function perCall(call: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < CONTROL_CALLS; i++) call(i);
  return (performance.now() - start) * 1e6 / CONTROL_CALLS;
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

async function main() {
  const repsArg = Deno.args.indexOf("--reps");
  const reps = repsArg >= 0 ? Number(Deno.args[repsArg + 1]) : 21;
  const lab = await MixLab.create();
  const results = new Map<string, Record<MixerName, number>>();
  try {
    for (const tracks of TRACK_COUNTS) {
      for (const block of BLOCK_SIZES) {
        const shape = { tracks, block };
        const row = {} as Record<MixerName, number>;
        for (const name of MIXERS) row[name] = await measure(lab, name, shape, reps);
        results.set(`${tracks}x${block}`, row);
      }
    }

    const player = await lab.controlPlayer();
    const track = player.tracks[0];
    const { native, engine } = player;
    const viaTrack = perCall((i) => track.gain = i & 1 ? 0.5 : 0.25);
    const viaFfi = perCall((i) => native.sp_track_set_gain(engine, track.slot, i & 1 ? 0.5 : 0.25));
    await player.close();

    const lines = [
      "Mixing N stereo tracks into a stereo block, ns per input sample (median of " +
      `${reps} windows of 16384 frames; lower is better):`,
      "",
      "| tracks × block | stemplay (memory) | stemplay (rings) | memory limit | ma_engine | " +
      "ma_engine fast | TypeScript | stemplay ÷ limit | stemplay rings ÷ limit | " +
      "ma_engine ÷ stemplay | ma_engine fast ÷ stemplay | TypeScript ÷ stemplay |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const [shape, row] of results) {
      const s = row["stemplay"], rings = row["stemplay rings"], limit = row["memory limit"];
      lines.push(
        `| ${shape.replace("x", " × ")} | ${fixed(s)} | ${fixed(rings)} | ${fixed(limit)} | ` +
          `${fixed(row["ma_engine"])} | ${fixed(row["ma_engine fast"])} | ` +
          `${fixed(row["TypeScript"])} | ${fixed(s / limit)}× | ${fixed(rings / limit)}× | ` +
          `${fixed(row["ma_engine"] / s, 1)}× | ${fixed(row["ma_engine fast"] / s, 1)}× | ` +
          `${fixed(row["TypeScript"] / s, 1)}× |`,
      );
    }
    lines.push(
      "",
      `Control plane: track.gain = x costs ${fixed(viaTrack, 0)} ns per call ` +
        `(raw sp_track_set_gain over FFI: ${fixed(viaFfi, 0)} ns), over ` +
        `${CONTROL_CALLS.toLocaleString("en")} calls.`,
      "",
      "Targets:",
    );
    const big = results.get("64x128")!, mid = results.get("16x256")!;
    const target = (label: string, value: number, ok: boolean) =>
      lines.push(`- ${label}: ${fixed(value)}× ${ok ? "(met)" : "(NOT met)"}`);
    const limitRatio = big["stemplay"] / big["memory limit"];
    target("64 × 128: stemplay ÷ memory limit ≤ 1.5", limitRatio, limitRatio <= 1.5);
    const ringsRatio = big["stemplay rings"] / big["memory limit"];
    target("64 × 128: stemplay rings ÷ memory limit ≤ 1.3", ringsRatio, ringsRatio <= 1.3);
    const ma64 = big["ma_engine"] / big["stemplay"];
    target("64 × 128: ma_engine (defaults) ÷ stemplay ≥ 10", ma64, ma64 >= 10);
    const fast64 = big["ma_engine fast"] / big["stemplay"];
    target("64 × 128: ma_engine fast ÷ stemplay ≥ 10", fast64, fast64 >= 10);
    const ts64 = big["TypeScript"] / big["stemplay"];
    target("64 × 128: TypeScript ÷ stemplay ≥ 4", ts64, ts64 >= 4);
    const ma16 = mid["ma_engine"] / mid["stemplay"];
    target("16 × 256: ma_engine (defaults) ÷ stemplay ≥ 8", ma16, ma16 >= 8);
    const fast16 = mid["ma_engine fast"] / mid["stemplay"];
    target("16 × 256: ma_engine fast ÷ stemplay ≥ 8", fast16, fast16 >= 8);
    const bound = big["ma_engine fast"] / big["memory limit"];
    lines.push(
      `- the most any mixer can beat ma_engine fast by at 64 × 128 (ma_engine fast ÷ ` +
        `memory limit): ${fixed(bound)}×`,
    );
    console.log(lines.join("\n"));
  } finally {
    await lab.close();
  }
}

if (import.meta.main) await main();
