/**
 * Streaming against decoding whole, in the same run (numbers printed, nothing asserted):
 *
 * - time to first sound: 16 stereo stems of 4 minutes, 44.1 kHz FLAC, into a 48 kHz offline
 *   engine: from the `loadSong()` call to the first non-silent block of the render (median of
 *   5, each load of a song never loaded by that player before);
 * - `goto(i)` in a loaded 10-song setlist (each song the same 16 stems), to a song that is not
 *   the preloaded next one: from the call to the first non-silent block (median of 5 jumps;
 *   2 for whole decoding, which decodes the song then);
 * - memory: `player.memoryBytes` and the RSS growth of a child process that loads the song and
 *   plays 10 s, for 4-minute and 16-minute stems (16-minute whole decode is skipped: 5.6 GiB).
 *
 * Run: `deno run -A bench/streaming_bench.ts` (needs sox and flac; writes ~0.5 GB to a
 * temporary folder, removed at the end). STREAM_BENCH_RUNS changes the 5.
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../src/player/player.ts";
import { run } from "./material.ts";

const STEMS = 16;
const RUNS = Number(Deno.env.get("STREAM_BENCH_RUNS") ?? "5");
/** STREAM_BENCH_ONLY=goto: only the setlist jumps. */
const ONLY_GOTO = Deno.env.get("STREAM_BENCH_ONLY") === "goto";

/** A song folder of STEMS FLACs (4 distinct stems, each linked 4 times: same decode work). */
async function writeSong(dir: string, seconds: number): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const distinct: string[] = [];
  for (let k = 0; k < 4; k++) {
    const file = join(dir, `source${k}.flac.tmp`);
    await run("sox", [
      "-n",
      "-r",
      "44100",
      "-c",
      "2",
      "-b",
      "16",
      "-t",
      "flac",
      file,
      "synth",
      String(seconds),
      "sine",
      String(110 + 55 * k),
      "pinknoise",
      "vol",
      "0.2",
    ]);
    distinct.push(file);
  }
  for (let i = 0; i < STEMS; i++) {
    await Deno.link(distinct[i % 4], join(dir, `stem${String(i + 1).padStart(2, "0")}.flac`));
  }
  for (const file of distinct) await Deno.remove(file);
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** loadSong() to the first non-silent rendered block, in ms. */
async function firstSound(song: string, streaming: boolean): Promise<number> {
  const player = await Player.open({
    backend: "offline",
    sampleRate: 48000,
    channels: 2,
    blockFrames: 256,
    streaming: streaming ? {} : false,
  });
  try {
    const start = performance.now();
    await player.loadSong(song);
    player.play();
    for (let i = 0; i < 10000; i++) {
      const out = player.render(256);
      if (out[0].some((x) => x !== 0)) return performance.now() - start;
    }
    throw new Error("no sound in 10000 blocks");
  } finally {
    await player.close();
  }
}

/** goto(i) to songs that are not the preloaded next one, each to its first sound, in ms. */
async function gotoTimes(root: string, song: string, streaming: boolean, jumps: number[]) {
  const setlist = join(root, `setlist-${streaming}.json`);
  await Deno.writeTextFile(setlist, JSON.stringify({ songs: Array(10).fill(song) }));
  const player = await Player.open({
    backend: "offline",
    sampleRate: 48000,
    channels: 2,
    blockFrames: 256,
    streaming: streaming ? {} : false,
  });
  try {
    const loading = performance.now();
    await player.loadSetlist(setlist); // streamed: also every song's first seconds
    const loadMs = performance.now() - loading;
    await player.setlistReady();
    const times: number[] = [];
    for (const index of jumps) {
      const start = performance.now();
      await player.goto(index);
      player.play();
      for (let i = 0; i < 10000; i++) {
        if (player.render(256)[0].some((x) => x !== 0)) break;
      }
      times.push(performance.now() - start);
      player.stop();
      await player.setlistReady(); // the next song's preload is not part of the next jump
    }
    return { times, loadMs, memory: player.memoryBytes };
  } finally {
    await player.close();
  }
}

/** A child process loads the song, plays 10 s on the null device and reports its RSS growth. */
async function rssGrowth(song: string, streaming: boolean): Promise<Record<string, number>> {
  const playerModule = JSON.stringify(new URL("../src/player/player.ts", import.meta.url).href);
  const code = `
    import { Player } from ${playerModule};
    const player = await Player.open({ backend: "null", sampleRate: 48000, channels: 2,
      blockFrames: 256, streaming: ${streaming ? "{}" : "false"} });
    const before = Deno.memoryUsage().rss;
    await player.loadSong(${JSON.stringify(song)});
    player.play();
    await new Promise((r) => setTimeout(r, 10000));
    const after = Deno.memoryUsage().rss;
    console.log(JSON.stringify({ rssMiB: (after - before) / 2 ** 20,
      memoryMiB: player.memoryBytes / 2 ** 20, starved: player.health.starved,
      readerCpuMs: player.streamStats.readerCpuMs }));
    await player.close();
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--unstable-ffi", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").pop()!);
}

const root = await Deno.makeTempDir({ prefix: "stemplay-stream-bench-" });
try {
  const four = await writeSong(join(root, "four"), 240);
  const results: string[] = [];
  for (const streaming of [false, true]) {
    const { times, loadMs, memory } = await gotoTimes(
      root,
      four,
      streaming,
      streaming ? [5, 2, 8, 0, 7] : [5, 2],
    );
    results.push(
      `goto(i) in a 10-song setlist, ${streaming ? "streamed" : "whole   "}: median ` +
        `${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")}); ` +
        `loadSetlist ${loadMs.toFixed(0)} ms, memoryBytes ${(memory / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  if (!ONLY_GOTO) await timeAndMemory(root, four, results);
  console.log(results.join("\n"));
} finally {
  await Deno.remove(root, { recursive: true });
}

/** Time to first sound and memory, whole against streamed. */
async function timeAndMemory(root: string, four: string, results: string[]): Promise<void> {
  const sixteen = await writeSong(join(root, "sixteen"), 960);
  for (const streaming of [false, true]) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await firstSound(four, streaming));
    results.push(
      `time to first sound, ${STEMS} x 4 min FLAC, ${streaming ? "streamed" : "whole   "}: ` +
        `median ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")})`,
    );
  }
  for (
    const [name, song, streaming] of [
      ["4 min, whole   ", four, false],
      ["4 min, streamed", four, true],
      ["16 min, streamed", sixteen, true],
    ] as const
  ) {
    const r = await rssGrowth(song, streaming);
    results.push(
      `memory, ${name}: memoryBytes ${r.memoryMiB.toFixed(1)} MiB, RSS +${r.rssMiB.toFixed(1)} ` +
        `MiB, starved ${r.starved}, reader CPU ${r.readerCpuMs.toFixed(0)} ms in 10 s`,
    );
  }
}
