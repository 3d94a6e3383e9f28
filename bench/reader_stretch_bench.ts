/**
 * How many streamed stereo stems the reader threads keep stretched in real time (issue 24):
 * printed, nothing asserted. For each count of stems, a song of that many 48 kHz stereo stems
 * (30 s, tone and noise) plays on the null device (its own thread, paced in real time) at
 * transpose −2 and speed 0.9, every stem stretched by the readers (R3 by default; each engine of
 * READER_BENCH_ENGINES, e.g. "finer,faster" for R3 then R2, as `Player.open({ keyTempo })`), with
 * a marker jump every 4 s: first with 1 reader (the baseline), then with each count of
 * READER_BENCH_READERS; then the same song at its recorded key with each count of readers.
 * Printed per run: starved track-blocks (the figure that must be 0; and how many of them came in
 * the first 4 s, before any jump), the readers' CPU per second played (all threads) and its
 * ratio to 1 reader's.
 *
 * Run: `deno run -A bench/reader_stretch_bench.ts` (needs librubberband2). READER_BENCH_STEMS
 * ("2,4,6,8") and READER_BENCH_SECONDS (20) change the counts and the time played;
 * READER_BENCH_ENGINES ("finer"; READER_BENCH_ENGINE=faster is the same as "faster") the stretch
 * engines; READER_BENCH_READERS ("2") the pools compared with 1 reader.
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { checkStretchEngine, type StretchEngine } from "../src/model/key_tempo.ts";

const RATE = 48000;
const COUNTS = (Deno.env.get("READER_BENCH_STEMS") ?? "2,4,6,8").split(",").map(Number);
const SECONDS = Number(Deno.env.get("READER_BENCH_SECONDS") ?? "20");
const SONG_SECONDS = 30;
const POOLS = (Deno.env.get("READER_BENCH_READERS") ?? "2").split(",").map(Number)
  .filter((n) => n !== 1);
const ENGINES = (Deno.env.get("READER_BENCH_ENGINES") ?? Deno.env.get("READER_BENCH_ENGINE") ??
  "finer").split(",").map((name) =>
    checkStretchEngine(name, "INVALID_ARGUMENT", "READER_BENCH_ENGINES")
  );

async function writeSong(dir: string, stems: number): Promise<string> {
  const folder = join(dir, `song${stems}`);
  await Deno.mkdir(folder, { recursive: true });
  const source = join(dir, "source.wav");
  try {
    await Deno.stat(source);
  } catch {
    let state = 1;
    const lane = (hz: number) =>
      new Float32Array(SONG_SECONDS * RATE).map((_, i) => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return 0.2 * Math.sin(2 * Math.PI * hz * i / RATE) + 0.05 * (state / 2 ** 32 - 0.5);
      });
    await Deno.writeFile(source, encodeWav([lane(220), lane(330)], RATE, "f32"));
  }
  const tracks = [];
  for (let i = 0; i < stems; i++) {
    await Deno.link(source, join(folder, `stem${i}.wav`));
    tracks.push({ file: `stem${i}.wav` });
  }
  const markers = Array.from({ length: 6 }, (_, i) => ({ name: `M${i}`, at: i * 4 }));
  await Deno.writeTextFile(
    join(folder, "song.json"),
    JSON.stringify({ title: `${stems} stems`, tempo: 120, markers, tracks }),
  );
  return folder;
}

async function playFor(
  song: string,
  keyTempo: { transpose: number; speed: number },
  readers: number,
  engine: StretchEngine = "finer",
) {
  const player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    streaming: { stretchStems: 64, readers },
    keyTempo: { engine },
  });
  try {
    const loadStart = performance.now();
    await player.loadSong(song, keyTempo);
    const loadMs = performance.now() - loadStart;
    const cpuBefore = player.streamStats.readerCpuMs;
    player.play();
    let beforeJumps = 0;
    for (let s = 0; s < SECONDS; s += 4) {
      await new Promise((resolve) => setTimeout(resolve, 4000));
      if (s === 0) beforeJumps = player.health.starved; // the start: the load's heads and rings
      player.jump(`M${(s / 4) % 5}`, { at: "now" });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cpuMs = player.streamStats.readerCpuMs - cpuBefore;
    return {
      loadMs,
      starved: player.health.starved,
      beforeJumps,
      cpuPerSecond: cpuMs / (SECONDS + 0.5),
    };
  } finally {
    await player.close();
  }
}

const dir = await Deno.makeTempDir({ prefix: "stemplay-reader-bench-" });
try {
  console.log(
    `reader stretch: ${SECONDS} s per run, a jump every 4 s, ${ENGINES.join(" and ")} at −2 / ` +
      `0.9, load average ${Deno.loadavg().map((n) => n.toFixed(1)).join(" ")}`,
  );
  for (const stems of COUNTS) {
    const song = await writeSong(dir, stems);
    const stemsAnd = (readers: number) =>
      `${String(stems).padStart(2)} stereo stems, ${readers} reader${readers > 1 ? "s" : " "}`;
    for (const engine of ENGINES) {
      const line = (readers: number, run: Awaited<ReturnType<typeof playFor>>, base?: number) =>
        `${stemsAnd(readers)}, ${engine}: starved ${run.starved} (${run.beforeJumps} in the ` +
        `first 4 s, before any jump), readers' CPU ${run.cpuPerSecond.toFixed(0)} ms per s${
          base === undefined ? "" : ` (${(run.cpuPerSecond / base).toFixed(2)} x 1 reader's)`
        }, load ${run.loadMs.toFixed(0)} ms`;
      const one = await playFor(song, { transpose: -2, speed: 0.9 }, 1, engine);
      console.log(line(1, one));
      for (const readers of POOLS) {
        const pooled = await playFor(song, { transpose: -2, speed: 0.9 }, readers, engine);
        console.log(line(readers, pooled, one.cpuPerSecond));
      }
    }
    for (const readers of [1, ...POOLS]) {
      const recorded = await playFor(song, { transpose: 0, speed: 1 }, readers);
      console.log(
        `${stemsAnd(readers)}, the recorded key: starved ${recorded.starved}, readers' CPU ${
          recorded.cpuPerSecond.toFixed(1)
        } ms per s, load ${recorded.loadMs.toFixed(0)} ms`,
      );
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
