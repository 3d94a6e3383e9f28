/**
 * What a pool of reader threads buys (`streaming.readers`, issue 24): printed, nothing asserted.
 * A song of N stereo 48 kHz stems (noise) at transpose −2 and speed 0.9, every stem stretched
 * by the readers (R3), rendered offline: an offline render waits for the readers, so its wall
 * time is their throughput. Each count of readers against 1 reader (the baseline) in the same
 * run, alternating, each run twice: wall time, the readers' CPU, and their ratios to 1
 * reader's. The renders are identical whatever the count (tests/reader_pool_test.ts).
 *
 * Run: `deno run -A bench/reader_pool_bench.ts` (needs librubberband2). READER_POOL_STEMS (4),
 * READER_POOL_READERS ("2,3") and READER_POOL_SECONDS (6, of song) change it.
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";

const RATE = 48000;
const STEMS = Number(Deno.env.get("READER_POOL_STEMS") ?? "4");
const POOLS = (Deno.env.get("READER_POOL_READERS") ?? "2,3").split(",").map(Number);
const SECONDS = Number(Deno.env.get("READER_POOL_SECONDS") ?? "6");
const KEY = { transpose: -2, speed: 0.9 };

function noise(seed: number): Float32Array {
  let state = seed;
  return new Float32Array(SECONDS * RATE).map(() => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 0.2 * (state / 2 ** 32 - 0.5);
  });
}

async function writeSong(dir: string): Promise<string> {
  const tracks = [];
  for (let i = 0; i < STEMS; i++) {
    await Deno.writeFile(
      join(dir, `stem${i}.wav`),
      encodeWav([noise(2 * i + 1), noise(2 * i + 2)], RATE, "f32"),
    );
    tracks.push({ file: `stem${i}.wav` });
  }
  await Deno.writeTextFile(join(dir, "song.json"), JSON.stringify({ title: "pool", tracks }));
  return dir;
}

async function renderWith(song: string, readers: number) {
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    streaming: { stretchStems: 64, readers },
  });
  try {
    await player.loadSong(song, KEY);
    player.play();
    const start = performance.now();
    const cpuBefore = player.streamStats.readerCpuMs;
    const frames = Math.round(SECONDS * RATE / KEY.speed);
    for (let at = 0; at < frames; at += RATE / 2) player.render(Math.min(RATE / 2, frames - at));
    return {
      wallMs: performance.now() - start,
      cpuMs: player.streamStats.readerCpuMs - cpuBefore,
    };
  } finally {
    await player.close();
  }
}

const dir = await Deno.makeTempDir({ prefix: "stemplay-reader-pool-bench-" });
try {
  const song = await writeSong(dir);
  console.log(
    `reader pool: ${STEMS} stereo stems, ${SECONDS} s of song at −2 / speed 0.9 (R3), offline; ` +
      `load average ${Deno.loadavg().map((n) => n.toFixed(1)).join(" ")}`,
  );
  for (let round = 1; round <= 2; round++) {
    const one = await renderWith(song, 1);
    console.log(
      `round ${round}, 1 reader : wall ${one.wallMs.toFixed(0)} ms, readers' CPU ${
        one.cpuMs.toFixed(0)
      } ms`,
    );
    for (const readers of POOLS) {
      const pooled = await renderWith(song, readers);
      console.log(
        `round ${round}, ${readers} readers: wall ${pooled.wallMs.toFixed(0)} ms (${
          (pooled.wallMs / one.wallMs).toFixed(2)
        } x 1 reader's), readers' CPU ${pooled.cpuMs.toFixed(0)} ms (${
          (pooled.cpuMs / one.cpuMs).toFixed(2)
        } x)`,
      );
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
