/**
 * A key change while playing on the null device (its own thread, paced in real time), the
 * song streamed and stretched by the readers (issue 24): how long from the `transpose` set to
 * the switch (`keyTempoReady()`; heard 50 ms of crossfade later), and the track-blocks that
 * starved meanwhile, for a change every 3 s by default (the new song's marker heads are still
 * being stretched when the next comes). Printed, nothing asserted.
 *
 * Run: `deno run -A bench/key_change_live_bench.ts` (needs librubberband2). LIVE_BENCH_STEMS
 * (4), LIVE_BENCH_ENGINE (finer | faster), LIVE_BENCH_READERS (2), LIVE_BENCH_EVERY (3: the
 * seconds from one switch to the next change; at 24 R2 stems 3 s keeps the readers busy from
 * one change to the next, so the figure is their throughput, not a settled change's latency).
 * LIVE_BENCH_JUMP=1: each change is set as a jump to another marker is armed (at the next bar,
 * 0 to 2.2 s on): the change waits, the jump fires and the song playing refills its rings, and
 * the change is prepared again from there (docs/key_tempo.md, "While the song playing refills").
 * LIVE_BENCH_BLOCK: the engine's block in frames (the null device's default is 2048; a live rig
 * runs 256 or 512).
 *
 * @module
 */

import { join } from "node:path";
import { Player, StemplayError } from "../mod.ts";
import { writeStereoStems } from "./material.ts";

const RATE = 48_000;
const STEMS = Number(Deno.env.get("LIVE_BENCH_STEMS") ?? 4);
const ENGINE = (Deno.env.get("LIVE_BENCH_ENGINE") ?? "finer") as "finer" | "faster";
const READERS = Number(Deno.env.get("LIVE_BENCH_READERS") ?? 2);
const EVERY_MS = 1000 * Number(Deno.env.get("LIVE_BENCH_EVERY") ?? 3);
const KEYS = [-1, -2, -1, -3, -2, -1, 0, -1, -2];
const JUMP = Deno.env.get("LIVE_BENCH_JUMP") === "1";
/** The engine's block (the player's default, 2048 frames on the null device, unless set): the
 * callback takes the switch, and publishes the playhead the change starts its rings from, once
 * a block. */
const BLOCK = Deno.env.get("LIVE_BENCH_BLOCK");

const dir = await Deno.makeTempDir({ prefix: "stemplay-live-change-bench-" });
try {
  const tracks = (await writeStereoStems(dir, STEMS, 60, RATE)).map((file) => ({ file }));
  const markers = [0, 16, 32].map((at, i) => ({ name: `M${i}`, at }));
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({ title: "bench", tempo: 120, transpose: -2, speed: 0.9, markers, tracks }),
  );
  await using player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    ...(BLOCK ? { blockFrames: Number(BLOCK) } : {}),
    streaming: { stretchStems: 64, readers: READERS },
    keyTempo: { engine: ENGINE },
  });
  await player.loadSong(dir);
  player.play();
  await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
  const times: number[] = [];
  let starvedTotal = 0, refused = 0;
  for (const [i, key] of KEYS.entries()) {
    const before = player.health.starved;
    const start = performance.now();
    player.transpose = key;
    if (JUMP) player.jump(`M${(i + 1) % 3}`, { at: "bar" });
    // Refused (BUSY: the readers fell behind three times; the song plays on at its key):
    // counted, and its wait counted as a time too.
    const made = await player.keyTempoReady().then(() => true, (error) => {
      if (!(error instanceof StemplayError && error.code === "BUSY")) throw error;
      return false;
    });
    if (!made) refused++;
    times.push(performance.now() - start);
    const atSwitch = player.health.starved;
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
    starvedTotal += player.health.starved - before;
    console.log(
      `transpose ${key}: ${made ? "switched" : "refused"} after ${times.at(-1)!.toFixed(0)} ms; ` +
        `starved track-blocks ` +
        `${atSwitch - before} while it waited, ${player.health.starved - atSwitch} after it`,
    );
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `${STEMS} stereo stems, ${ENGINE}, ${READERS} readers, ${player.blockFrames}-frame blocks, a change every ${
      EVERY_MS / 1000
    } s: to the switch ` +
      `median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, worst ${
        sorted.at(-1)!.toFixed(0)
      } ms (+ 50 ms crossfade); starved track-blocks ${starvedTotal} over ${KEYS.length} changes ` +
      `(${refused} refused)`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
