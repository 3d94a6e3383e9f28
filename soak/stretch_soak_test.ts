/**
 * Key and tempo soak (issue 24, "Scale"): 24 stereo stems streamed at speed 0.9 and transpose
 * −2, every stem stretched by the reader threads as it plays (`streaming.stretchStems`), with a
 * quantised marker jump every 8 s and a key change every 20 s (−2 → −1 → −2 …, while playing),
 * on a 48 kHz null-backend engine at 256-frame blocks.
 *
 * Rubber Band's engine is R2 ("faster") here, as CI runs it: R3 costs about three times the
 * CPU. On this 2-core machine with the default 2 readers, 12 R2 stems held (0 starved, 0
 * overruns over 60 s) and 16 did not, so the 24 of the target starve here: the figures are
 * printed, for the record (docs/key_tempo.md). `SOAK_STRETCH_STEMS=12` runs what holds,
 * `SOAK_STRETCH_ENGINE=finer` R3.
 *
 * Asserted: the song keeps playing, every key change is switched to or refused with BUSY
 * (never another error), the player reports the last key and the speed, and every change
 * stayed streamed (memory). Printed: starved track-blocks, overruns, refused changes, the
 * readers' CPU. With `SOAK_STRICT=1` (a quiet machine) each of those must be 0.
 *
 * `SOAK_HEAD_SECONDS` sets `streaming.headSeconds`; `SOAK_JUMP_AT=now` jumps at once, not at the
 * bar (no stretcher kept ready at the head's end); `SOAK_JUMP_EVERY` and `SOAK_CHANGE_EVERY` (s)
 * space the jumps and the key changes.
 *
 * `SOAK_SECONDS=60 deno task soak` (CI) or the default 600 s. Needs sox (the stems) and
 * librubberband2.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, StemplayError } from "../mod.ts";
import { sleep } from "../tests/support/wait.ts";
import { ignoreWithout, requireTool } from "../tests/support/require_tool.ts";
import { SOAK_STRICT } from "./strict.ts";
import { writeLinkedStems } from "./linked_stems.ts";

const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? "600");
const STEMS = Number(Deno.env.get("SOAK_STRETCH_STEMS") ?? "24");
const ENGINE = (Deno.env.get("SOAK_STRETCH_ENGINE") ?? "faster") as "finer" | "faster";
/** Seconds resident after every marker (`streaming.headSeconds`; the player's default if unset). */
const HEAD_SECONDS = Deno.env.get("SOAK_HEAD_SECONDS");
/** "now": the jumps are not armed ahead, so no stretcher waits at the head's end. */
const JUMP_AT = (Deno.env.get("SOAK_JUMP_AT") ?? "bar") as "bar" | "now";
const SONG_SECONDS = 96;
const BLOCK = 256;
const JUMP_EVERY_MS = 1000 * Number(Deno.env.get("SOAK_JUMP_EVERY") ?? "8");
const CHANGE_EVERY_MS = 1000 * Number(Deno.env.get("SOAK_CHANGE_EVERY") ?? "20");
const KEYS = [-2, -1];
const SPEED = 0.9;
const name = `key and tempo soak: ${SECONDS} s, ${STEMS} streamed stereo stems at ${SPEED} and ` +
  `${KEYS[0]} (${ENGINE === "faster" ? "R2" : "R3"}), a jump every ${JUMP_EVERY_MS / 1000} s, ` +
  `a key change every ${CHANGE_EVERY_MS / 1000} s`;

async function writeSong(dir: string): Promise<string> {
  // 6 distinct 24-bit WAV stems (what a DAW exports), linked over and over.
  const tracks = await writeLinkedStems(dir, {
    stems: STEMS,
    distinct: 6,
    seconds: SONG_SECONDS,
    rate: 48000,
    bits: 24,
    type: "wav",
  });
  const markers = [0, 16, 32, 48, 64].map((at, i) => ({ name: `M${i + 1}`, at }));
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      title: "key and tempo soak",
      tempo: 120,
      timeSignature: [4, 4],
      transpose: KEYS[0],
      speed: SPEED,
      markers,
      tracks,
    }),
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
    const dir = await Deno.makeTempDir({ prefix: "stemplay-stretch-soak-" });
    try {
      const song = await writeSong(dir);
      await using player = await Player.open({
        backend: "null",
        sampleRate: 48000,
        channels: 2,
        blockFrames: BLOCK,
        latencyMonitor: true,
        streaming: {
          stretchStems: STEMS,
          ...(HEAD_SECONDS ? { headSeconds: Number(HEAD_SECONDS) } : {}),
        },
        keyTempo: { engine: ENGINE },
      });
      await player.loadSong(song);
      const memory = player.memoryBytes;
      assert.equal(player.transpose, KEYS[0]);
      assert.equal(player.speed, SPEED);
      player.play();
      while (player.positionFrames === 0) await sleep(5);
      player.resetLatencyStats();
      const starvedAtStart = player.health.starved;
      const cpuAtStart = player.streamStats.readerCpuMs;
      const start = performance.now();
      let nextJump = start + JUMP_EVERY_MS;
      let nextChange = start + CHANGE_EVERY_MS;
      let jumps = 0, changes = 0, refused = 0, marker = 0;
      // Starved track-blocks since the event before, by event: where misses come from.
      const log: string[] = [];
      let seen = player.health.starved;
      const note = (what: string) => {
        const now = player.health.starved;
        log.push(`${what}: +${now - seen}`);
        seen = now;
      };
      const changing: Promise<void>[] = [];
      const switched: string[] = []; // each change made: from the set to the switch
      while (performance.now() - start < SECONDS * 1000) {
        const now = performance.now();
        if (now >= nextChange) {
          note(`before change ${changes + 1}`);
          changes++;
          player.transpose = KEYS[changes % KEYS.length];
          const asked = performance.now(), which = changes;
          // A change the readers cannot fill in time is refused (BUSY; the song plays on at
          // its key): counted, as starved blocks are, not a crash.
          changing.push(
            player.keyTempoReady().then(
              () => {
                switched.push(`change ${which}: ${(performance.now() - asked).toFixed(0)} ms`);
              },
              (error) => {
                if (!(error instanceof StemplayError && error.code === "BUSY")) throw error;
                refused++;
              },
            ),
          );
          nextChange += CHANGE_EVERY_MS;
        } else if (now >= nextJump) {
          marker = (marker + 3) % 5; // M4, M2, M5, M3, M1 …: 8 s on from any stays in the song
          note(`before jump ${jumps + 1}`);
          player.jump(`M${marker + 1}`, { at: JUMP_AT });
          jumps++;
          nextJump += JUMP_EVERY_MS;
        }
        await sleep(20);
      }
      await Promise.all(changing);
      const stats = player.latencyStats();
      const starved = player.health.starved - starvedAtStart;
      const cpu = player.streamStats.readerCpuMs - cpuAtStart;
      note("end");
      console.log(
        `key and tempo soak: ${SECONDS} s, ${STEMS} stems (${ENGINE}), ${jumps} quantised jumps, ` +
          `${changes} key changes (${refused} refused); starved track-blocks ${starved}, overruns ${stats.overruns} ` +
          `of ${stats.callbacks} callbacks, callback p99 ${stats.p99Ms.toFixed(3)} ms ` +
          `(budget ${stats.budgetMs.toFixed(2)} ms), readers' CPU ${(cpu / 1000).toFixed(1)} s (${
            (cpu / 10 / SECONDS).toFixed(0)
          }% of one core)`,
      );
      console.log(`key and tempo soak: starved by event: ${log.join("; ")}`);
      console.log(`key and tempo soak: to the switch: ${switched.join("; ") || "none made"}`);
      assert.equal(player.state, "playing");
      if (refused === 0) assert.equal(player.transpose, KEYS[changes % KEYS.length]);
      assert.equal(player.speed, SPEED);
      // Every change stayed streamed: rings and heads, nothing decoded whole (one 96 s stem
      // decoded whole is 37 MB).
      assert.ok(player.memoryBytes <= 1.5 * memory, `${player.memoryBytes} > 1.5 × ${memory}`);
      if (SOAK_STRICT) {
        assert.equal(starved, 0, "no stem starves");
        assert.equal(stats.overruns, 0, "no callback overruns");
        assert.equal(refused, 0, "every key change is made");
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
