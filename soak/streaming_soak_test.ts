/**
 * Streaming soak: 64 stereo 44.1 kHz FLAC stems streamed into a 48 kHz null-backend engine at
 * 128-frame blocks, with a quantised marker jump every 8 s and a seek to a point without a head
 * every 30 s. Prints starved track-blocks, overruns, p99 callback time and the reader's CPU.
 *
 * Asserted: the transport keeps playing and the engine keeps its memory bound (rings + heads).
 * Printed, not asserted: starved blocks and overruns. On this shared 2-core machine the reader
 * must decode and resample 64 FLAC streams (≈ 6 million samples a second) next to other
 * engineers' builds and tests, and whether it keeps up is a property of the machine's load, not
 * of the code under test (see the README's Streaming section for measured figures).
 *
 * `SOAK_SECONDS=60 deno task soak` (CI) or the default 600 s. Needs sox (the stems).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { sleep } from "../tests/support/wait.ts";
import { ignoreWithout, requireTool } from "../tests/support/require_tool.ts";
import { writeLinkedStems } from "./linked_stems.ts";

const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? "600");
const STEMS = 64;
const SONG_SECONDS = 120;
const BLOCK = 128;
const JUMP_EVERY_MS = 8000;
const SEEK_EVERY_MS = 30000;
const name = `streaming soak: ${SECONDS} s, ${STEMS} streamed FLAC stems, ${BLOCK}-frame blocks`;

async function writeSong(dir: string): Promise<string> {
  // 8 distinct 44.1 kHz FLAC stems, each linked 8 times (the same decode work per stream).
  const tracks = await writeLinkedStems(dir, {
    stems: STEMS,
    distinct: 8,
    seconds: SONG_SECONDS,
    rate: 44100,
    bits: 16,
    type: "flac",
  });
  const markers = [0, 16, 32, 48, 64, 80, 96].map((at, i) => ({ name: `M${i + 1}`, at }));
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({ title: "soak", tempo: 120, timeSignature: [4, 4], markers, tracks }),
  );
  return dir;
}

Deno.test({
  name,
  ignore: ignoreWithout("sox", name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("sox", name);
    assert.ok(SECONDS >= 10, `SOAK_SECONDS must be at least 10, got ${SECONDS}`);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-stream-soak-" });
    try {
      const song = await writeSong(dir);
      await using player = await Player.open({
        backend: "null",
        sampleRate: 48000,
        channels: 2,
        blockFrames: BLOCK,
        latencyMonitor: true,
        streaming: {},
      });
      await player.loadSong(song);
      const memory = player.memoryBytes;
      player.play();
      while (player.positionFrames === 0) await sleep(5);
      player.resetLatencyStats();
      const starvedAtStart = player.health.starved;
      const start = performance.now();
      let nextJump = start + JUMP_EVERY_MS;
      let nextSeek = start + SEEK_EVERY_MS;
      let jumps = 0, seeks = 0, marker = 0;
      // Starved track-blocks seen since the event before, by event: where misses come from.
      const log: string[] = [];
      let seen = player.health.starved;
      const note = (what: string) => {
        const now = player.health.starved;
        const heads = player.streamStats;
        log.push(`${what}: +${now - seen} (heads ${heads.headsReady}/${heads.heads})`);
        seen = now;
      };
      const cpuAtStart = player.streamStats.readerCpuMs;
      while (performance.now() - start < SECONDS * 1000) {
        const now = performance.now();
        if (now >= nextSeek) {
          // Somewhere with no head: 7.3 s past a marker, in the song's first 100 s.
          note(`before seek ${seeks + 1}`);
          player.seek(7.3 + 16 * (seeks % 6));
          seeks++;
          nextSeek += SEEK_EVERY_MS;
          nextJump = now + JUMP_EVERY_MS / 2;
        } else if (now >= nextJump) {
          marker = (marker + 3) % 7;
          note(`before jump ${jumps + 1}`);
          player.jump(`M${marker + 1}`, { at: "bar" });
          jumps++;
          nextJump += JUMP_EVERY_MS;
        }
        await sleep(20);
      }
      const stats = player.latencyStats();
      const starved = player.health.starved - starvedAtStart;
      const cpu = player.streamStats.readerCpuMs - cpuAtStart;
      console.log(
        `streaming soak: ${SECONDS} s, ${jumps} quantised jumps, ${seeks} seeks; ` +
          `starved track-blocks ${starved}, overruns ${stats.overruns} of ${stats.callbacks} ` +
          `callbacks, callback p99 ${stats.p99Ms.toFixed(3)} ms / max ${stats.maxMs.toFixed(3)} ` +
          `ms (budget ${stats.budgetMs.toFixed(2)} ms), reader CPU ${(cpu / 1000).toFixed(1)} s (${
            (cpu / 10 / SECONDS).toFixed(0)
          }% of one core), memory ${(memory / 2 ** 20).toFixed(0)} MiB`,
      );
      note("end");
      console.log(`streaming soak: starved by event: ${log.join("; ")}`);
      assert.equal(player.state, "playing");
      assert.equal(player.memoryBytes, memory, "rings and heads do not grow");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
