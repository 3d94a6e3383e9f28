/**
 * Key and tempo cost: Rubber Band's R3 ("finer") and R2 ("faster") through stemplay
 * (sp_pcm_stretch: real-time mode, fixed feeds, latency compensated) against the `rubberband`
 * CLI on the same 30 s stereo file, in the same run, at speed 0.9 and transpose −2.
 *
 * The CLI's time is a whole process (read, stretch, write); ours is the stretch of resident
 * audio. After the run a summary prints the medians, the microseconds per 256-frame stereo
 * block of output, and the ratio to the CLI's time with the same engine.
 *
 * @module
 */

import { join } from "node:path";
import { cpuUsage } from "node:process";
import { loadNative } from "../src/native/native.ts";
import { stretchPlanar } from "../src/sources/stretch.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { stereoStem } from "./material.ts";

const SECONDS = 30;
const RATE = 48_000;
const SPEED = 0.9;
const TRANSPOSE = -2;
const BLOCK = 256;
const RUNS = 5;
const OUTPUT_BLOCKS = Math.round((SECONDS * RATE) / SPEED) / BLOCK;

const native = await loadNative();
const stem = stereoStem({
  seconds: SECONDS,
  rate: RATE,
  frequency: 220,
  tone: 0.4,
  noise: 0.05,
  seed: 7,
});
const root = await Deno.makeTempDir({ prefix: "stemplay-stretch-bench-" });
const input = join(root, "in.wav");
await Deno.writeFile(input, encodeWav(stem, RATE, "f32"));
const timings = new Map<string, number[]>();
const cpu = new Map<string, number[]>();

globalThis.addEventListener("unload", () => {
  printSummary();
  Deno.removeSync(root, { recursive: true });
});

/** Runs `work`, keeping its wall time and its CPU time (ours: this process's threads; the
 * CLI's: what `cliCpu` returns). */
async function timed(
  b: Deno.BenchContext,
  name: string,
  work: () => Promise<number | unknown>,
) {
  const start = performance.now();
  const before = cpuUsage();
  b.start();
  const childCpu = await work();
  b.end();
  const used = cpuUsage(before);
  timings.set(name, [...(timings.get(name) ?? []), (performance.now() - start) / 1000]);
  const seconds = typeof childCpu === "number" ? childCpu : (used.user + used.system) / 1e6;
  cpu.set(name, [...(cpu.get(name) ?? []), seconds]);
}

/** Runs the rubberband CLI under bash's `time`; its CPU seconds (user + system). */
async function cliCpu(args: string[]): Promise<number> {
  const output = await new Deno.Command("bash", {
    args: ["-c", 'TIMEFORMAT="%U %S"; time rubberband "$@" 2>/dev/null', "bash", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(`rubberband ${args.join(" ")} failed`);
  const [user, system] = new TextDecoder().decode(output.stderr).trim().split(/\s+/).map(Number);
  return user + system;
}

const CLI_R3 = "rubberband --fine (R3), 30 s stereo";
const CLI_R2 = "rubberband (R2), 30 s stereo";
const OURS_R3 = "stemplay R3 finer, 30 s stereo";
const OURS_R2 = "stemplay R2 faster, 30 s stereo";
const cliArgs = ["-q", "-T", String(SPEED), "-p", String(TRANSPOSE)];

for (
  const [name, group, work, baseline] of [
    [
      CLI_R3,
      "R3",
      () => cliCpu(["--fine", ...cliArgs, input, join(root, "r3.wav")]),
      true,
    ],
    [
      OURS_R3,
      "R3",
      () => stretchPlanar(native, stem, RATE, { transpose: TRANSPOSE, speed: SPEED }),
      false,
    ],
    [CLI_R2, "R2", () => cliCpu([...cliArgs, input, join(root, "r2.wav")]), true],
    [
      OURS_R2,
      "R2",
      () =>
        stretchPlanar(native, stem, RATE, { transpose: TRANSPOSE, speed: SPEED, engine: "faster" }),
      false,
    ],
  ] as const
) {
  Deno.bench({
    name,
    group,
    baseline,
    n: RUNS,
    warmup: 1,
    async fn(b) {
      await timed(b, name, work);
    },
  });
}

// A change while playing: a new stretcher per stem started from just ahead of the playhead,
// fed its lead-in (16384 song frames) before its first output. Timed: rendering 2048 song
// frames from a start 16384 frames in, for one stem and for 24 stems in turn (one reader
// thread), i.e. the reader's work before a key change can be heard.
const CHANGE_FRAMES = 16384 + 2048;
const changeStem = stem.map((channel) => channel.slice(0, CHANGE_FRAMES));
const CHANGE_R3 = "change: first audio, 1 stereo stem, R3";
const CHANGE_R2 = "change: first audio, 1 stereo stem, R2";
for (const [name, engine] of [[CHANGE_R3, "finer"], [CHANGE_R2, "faster"]] as const) {
  Deno.bench({
    name,
    group: "change",
    n: 15,
    warmup: 2,
    async fn(b) {
      await timed(
        b,
        name,
        () =>
          stretchPlanar(
            native,
            changeStem,
            RATE,
            { transpose: TRANSPOSE, speed: SPEED, engine },
            16384,
          ),
      );
    },
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function printSummary(): void {
  const m = (name: string) => median(timings.get(name) ?? [NaN]);
  const c = (name: string) => median(cpu.get(name) ?? [NaN]);
  const perBlock = (seconds: number) => ((seconds * 1e6) / OUTPUT_BLOCKS).toFixed(0);
  const lines = [`\nKey and tempo (speed ${SPEED}, transpose ${TRANSPOSE}), medians of ${RUNS}:`];
  for (const name of [CLI_R3, OURS_R3, CLI_R2, OURS_R2]) {
    lines.push(
      `  ${name.padEnd(38)} ${m(name).toFixed(3)} s wall, ${c(name).toFixed(3)} s CPU: ` +
        `${perBlock(c(name))} µs CPU per ${BLOCK}-frame stereo block`,
    );
  }
  lines.push(
    `  CPU, ours / CLI: R3 ${(c(OURS_R3) / c(CLI_R3)).toFixed(2)}, R2 ${
      (c(OURS_R2) / c(CLI_R2)).toFixed(2)
    }`,
    `  one core's share for one stereo stem in real time (CPU): R3 ${
      (c(OURS_R3) * SPEED / SECONDS).toFixed(3)
    }, R2 ${(c(OURS_R2) * SPEED / SECONDS).toFixed(3)}`,
  );
  for (const name of [CHANGE_R3, CHANGE_R2]) {
    lines.push(
      `  ${name.padEnd(38)} ${(m(name) * 1000).toFixed(1)} ms wall, ${
        (c(name) * 1000).toFixed(1)
      } ms CPU; ` +
        `24 stems on one reader thread: ${(c(name) * 24 * 1000).toFixed(0)} ms CPU`,
    );
  }
  console.log(lines.join("\n"));
}
