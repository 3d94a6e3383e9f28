/**
 * Latency of a key change WHILE PLAYING (issue 24), wall clock, from the `player.transpose` set
 * to the new key in the output: the song is prepared again in the background (every stem
 * decoded whole, then rendered from the playhead first on a C thread of its own,
 * native/stretch_fill.c), and the callback crossfades to it at the next block once every stem
 * holds the mapped playhead plus 0.1 s (src/songs/retime.ts). Offline engine, so the block
 * boundary comes right after that: latency = this time + the 50 ms crossfade.
 *
 * The same change on the same song streamed (`streaming.stretchStems`): the reader stretches
 * the stems from the playhead into their rings (src/songs/change_start.ts), nothing decoded.
 *
 * Baseline, in the same run: loading the same song at that key (`loadSong(path, {transpose})`,
 * the same preparation from a stop). After the run a summary prints the medians and the worst,
 * the ratio of a change to a load, and where a change's time goes: each phase's wall clock
 * (src/songs/key_change_breakdown.ts: the files decoded again, the render threads started, the
 * stretchers made, the lead-in fed up to the first frame at the playhead, the margin past it)
 * and each stem's render thread's own CPU to its first frame, which the machine's load does
 * not change: × stems ÷ cores, the floor of a change on an idle machine.
 *
 * `STEMPLAY_BENCH_STEMS` (default 4) stereo stems of `STEMPLAY_BENCH_SECONDS` (default 10) s.
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../mod.ts";
import { RETIME_CROSSFADE_SECONDS } from "../src/songs/retime.ts";
import {
  keyChangeBreakdown,
  keyChangeStemCpu,
  keyChangeStemCpuToSwitch,
} from "../src/songs/key_change_breakdown.ts";
import { writeStereoStems } from "./material.ts";

const RATE = 48_000;
const SECONDS = Number(Deno.env.get("STEMPLAY_BENCH_SECONDS") ?? 10);
const STEMS = Number(Deno.env.get("STEMPLAY_BENCH_STEMS") ?? 4);
const RUNS = 5;

const root = await Deno.makeTempDir({ prefix: "stemplay-key-change-bench-" });
const tracks = (await writeStereoStems(root, STEMS, SECONDS, RATE)).map((file) => ({
  file,
  route: [1, 2],
}));
await Deno.writeTextFile(join(root, "song.json"), JSON.stringify({ title: "bench", tracks }));

const player = await Player.open({ backend: "offline", sampleRate: RATE, channels: 2 });
// The same song streamed, its stems stretched by the reader: a change prepares no pcm, it
// starts the rings at the playhead and waits for them (src/songs/change_start.ts).
const streamed = await Player.open({
  backend: "offline",
  sampleRate: RATE,
  channels: 2,
  streaming: { stretchStems: STEMS },
});
const timings = new Map<string, number[]>();
let transpose = 0;

globalThis.addEventListener("unload", () => {
  printSummary();
  Promise.all([player.close(), streamed.close()]).finally(() =>
    Deno.removeSync(root, { recursive: true })
  );
});

function keep(name: string, ms: number): void {
  timings.set(name, [...(timings.get(name) ?? []), ms]);
}

const what = `${STEMS} stereo stems of ${SECONDS} s, R3`;
const LOAD = `load at a new key (baseline), ${what}`;
const CHANGE = `change while playing, ${what}`;
const STREAMED = `change while playing, streamed (the reader stretches), ${what}`;
const STEM_CPU = "stem CPU to the first frame";
const STEM_CPU_SWITCH = "stem CPU to the switch";

Deno.bench({
  name: LOAD,
  group: "key change",
  baseline: true,
  n: RUNS,
  warmup: 1,
  async fn(b) {
    transpose = transpose >= 5 ? 1 : transpose + 1;
    b.start();
    const start = performance.now();
    await player.loadSong(root, { transpose });
    keep(LOAD, performance.now() - start);
    b.end();
  },
});

Deno.bench({
  name: CHANGE,
  group: "key change",
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await player.loadSong(root);
    player.play();
    player.render(RATE / 2);
    transpose = transpose >= 5 ? 1 : transpose + 1;
    b.start();
    const start = performance.now();
    player.transpose = transpose;
    await player.keyTempoReady();
    player.render(256); // the block that takes the switch
    keep(CHANGE, performance.now() - start);
    b.end();
    for (const { phase, ms } of keyChangeBreakdown()) keep(`phase ${phase}`, ms);
    for (const ms of keyChangeStemCpu()) keep(STEM_CPU, ms);
    for (const ms of keyChangeStemCpuToSwitch()) keep(STEM_CPU_SWITCH, ms);
    player.stop();
    player.render(1024);
  },
});

Deno.bench({
  name: STREAMED,
  group: "key change",
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await streamed.loadSong(root);
    streamed.play();
    streamed.render(RATE / 2);
    transpose = transpose >= 5 ? 1 : transpose + 1;
    b.start();
    const start = performance.now();
    streamed.transpose = transpose;
    await streamed.keyTempoReady();
    streamed.render(256); // the block that takes the switch
    keep(STREAMED, performance.now() - start);
    b.end();
    streamed.stop();
    streamed.render(1024);
  },
});

/** What each phase of the breakdown measures (src/songs/key_change_breakdown.ts). */
const PHASES: Record<string, string> = {
  decoded: "the song's files decoded again",
  launched: "each stem's render thread started (its output pcm allocated and zeroed)",
  created: "the last stem's stretcher made, its start pad fed",
  published: "its lead-in fed: the first frame at the playhead written",
  filled: "every stem holds the playhead plus the switch's margin",
  switched: "the switch pushed",
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function printSummary(): void {
  const load = timings.get(LOAD) ?? [];
  const change = timings.get(CHANGE) ?? [];
  const fromRings = timings.get(STREAMED) ?? [];
  if (load.length === 0 || change.length === 0) return;
  const crossfade = RETIME_CROSSFADE_SECONDS * 1000;
  console.log(`\nKey change while playing, ${what} (wall clock, this machine's load):`);
  console.log(
    `  change: median ${median(change).toFixed(0)} ms, worst ${
      Math.max(...change).toFixed(0)
    } ms to the switch (+ ${crossfade} ms crossfade to the new key alone)`,
  );
  if (fromRings.length > 0) {
    console.log(
      `  change, streamed: median ${median(fromRings).toFixed(0)} ms, worst ${
        Math.max(...fromRings).toFixed(0)
      } ms to the switch (streamed / decoded whole ${
        (median(fromRings) / median(change)).toFixed(2)
      }; on a device the rings start 150 ms ahead of the playhead, so that is the floor there)`,
    );
  }
  console.log(
    `  load at a key: median ${median(load).toFixed(0)} ms; change / load ${
      (median(change) / median(load)).toFixed(2)
    }`,
  );
  console.log("  where a change's time goes (median ms, each from the phase before it):");
  for (const [name, values] of timings) {
    if (!name.startsWith("phase ")) continue;
    const phase = name.slice("phase ".length);
    console.log(
      `    ${phase.padEnd(10)} ${median(values).toFixed(1).padStart(7)}  ${PHASES[phase]}`,
    );
  }
  const cpu = timings.get(STEM_CPU) ?? [];
  if (cpu.length > 0) {
    console.log(
      `  CPU per stem to its first frame at the playhead (its thread's own, load aside): median ` +
        `${median(cpu).toFixed(1)} ms, worst ${Math.max(...cpu).toFixed(1)} ms; ${STEMS} stems ` +
        `on ${navigator.hardwareConcurrency} cores: at least ${
          (median(cpu) * STEMS / navigator.hardwareConcurrency).toFixed(0)
        } ms of the change however idle the machine`,
    );
  }
  const toSwitch = timings.get(STEM_CPU_SWITCH) ?? [];
  if (toSwitch.length > 0) {
    console.log(
      `  CPU per stem to the switch (the margin included): median ${median(toSwitch).toFixed(1)} ` +
        `ms, worst ${Math.max(...toSwitch).toFixed(1)} ms; × ${STEMS} stems ÷ ` +
        `${navigator.hardwareConcurrency} cores: ${
          (median(toSwitch) * STEMS / navigator.hardwareConcurrency).toFixed(0)
        } ms`,
    );
  }
  console.log(
    `  what grows with the song, its files decoded again whole: ${
      (median(timings.get("phase decoded") ?? [0]) / SECONDS).toFixed(1)
    } ms per second of song`,
  );
}
