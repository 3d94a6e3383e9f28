/**
 * How many streamed stereo stems the reader threads keep stretched in real time (issue 24):
 * printed, nothing asserted. For each count of stems, a song of that many 48 kHz stereo stems
 * (30 s, tone and noise) plays on the null device (its own thread, paced in real time) at
 * transpose −2 and speed 0.9, every stem stretched by the reader pool, with a marker jump every
 * 4 s: first with 1 reader (the baseline), then with each other count of readers; then the same
 * song at its recorded key with each count of readers. Printed per run: starved track-blocks (the figure that must be 0;
 * and how many of them came in the first 4 s, before any jump), the readers' CPU per second
 * played (all threads) and its ratio to the baseline's.
 *
 * Run: `deno run -A bench/reader_stretch_bench.ts` (needs librubberband2). READER_BENCH_STEMS
 * ("2,4,6,8"), READER_BENCH_SECONDS (20) and READER_BENCH_READERS ("2": the pools to compare
 * with 1 reader) change the counts and the time played; READER_BENCH_ENGINE=faster stretches
 * with R2 instead of R3 (the player's engine, "finer", otherwise).
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";
import type { Native } from "../src/native/native.ts";

const RATE = 48000;
const COUNTS = (Deno.env.get("READER_BENCH_STEMS") ?? "2,4,6,8").split(",").map(Number);
const SECONDS = Number(Deno.env.get("READER_BENCH_SECONDS") ?? "20");
const SONG_SECONDS = 30;
const POOLS = (Deno.env.get("READER_BENCH_READERS") ?? "2").split(",").map(Number)
  .filter((n) => n !== 1);
const ENGINE = Deno.env.get("READER_BENCH_ENGINE") === "faster" ? "faster" : "finer";

/** R2 for the bench: the player has no engine option yet, so its native call is given R2
 * (sp_file_source_stretch's last argument: 1, SP_STRETCH_FASTER) on every stem. */
function useEngine(native: Native): void {
  const writable = native as unknown as Record<string, unknown>;
  if (ENGINE !== "faster" || writable.benchFaster) return;
  const stretch = native.sp_file_source_stretch;
  type Stretch = typeof stretch;
  const faster: Stretch = (source, rate, speed, pitch) => stretch(source, rate, speed, pitch, 1);
  writable.sp_file_source_stretch = faster;
  writable.benchFaster = true;
}

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
) {
  const player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    streaming: { stretchStems: 64, readers },
  });
  useEngine(player.native);
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
    `reader stretch: ${SECONDS} s per run, a jump every 4 s, ${
      ENGINE === "faster" ? "R2" : "R3"
    } at −2 / speed 0.9, load average ${Deno.loadavg().map((n) => n.toFixed(1)).join(" ")}`,
  );
  for (const stems of COUNTS) {
    const song = await writeSong(dir, stems);
    const line = (readers: number, run: Awaited<ReturnType<typeof playFor>>, base?: number) =>
      `${String(stems).padStart(2)} stereo stems, ${readers} reader${readers > 1 ? "s" : " "}: ` +
      `starved ${run.starved} (${run.beforeJumps} in the first 4 s, before any jump), ` +
      `readers' CPU ${run.cpuPerSecond.toFixed(0)} ms per s${
        base === undefined ? "" : ` (${(run.cpuPerSecond / base).toFixed(2)} x 1 reader's)`
      }, load ${run.loadMs.toFixed(0)} ms`;
    const one = await playFor(song, { transpose: -2, speed: 0.9 }, 1);
    console.log(line(1, one));
    for (const readers of POOLS) {
      const pooled = await playFor(song, { transpose: -2, speed: 0.9 }, readers);
      console.log(line(readers, pooled, one.cpuPerSecond));
    }
    for (const readers of [1, ...POOLS]) {
      const recorded = await playFor(song, { transpose: 0, speed: 1 }, readers);
      console.log(
        `${String(stems).padStart(2)} stereo stems at the recorded key, ${readers} reader${
          readers > 1 ? "s" : ""
        }: starved ${recorded.starved}, readers' CPU ${
          recorded.cpuPerSecond.toFixed(1)
        } ms per s (stretched with 1 reader: ${
          (one.cpuPerSecond / recorded.cpuPerSecond).toFixed(0)
        } x), load ${recorded.loadMs.toFixed(0)} ms`,
      );
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
