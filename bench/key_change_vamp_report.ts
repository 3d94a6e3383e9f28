/**
 * A key change while a loop vamps, on a private PulseAudio null sink (issue 24, "a vamp at a
 * key the reader stretches"): the song streamed and stretched by the readers, a 2 s loop, a
 * change set at phases all round the loop. For each change: the time to the switch
 * (`keyTempoReady()`), where in the loop it landed (seconds before its end), and the
 * track-blocks that starved until then and over the next loop pass and a half (the first loop
 * back comes at once when the switch lands near the end). Prints each change and a summary;
 * asserts nothing.
 *
 * Run: `deno run -A bench/key_change_vamp_report.ts` (needs pulseaudio and librubberband2).
 * VAMP_STEMS (4), VAMP_ENGINE (finer | faster), VAMP_CHANGES (12).
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../mod.ts";
import { writeStereoStems } from "./material.ts";
import { SINK_CHANNELS, withPulseServer } from "../tests/support/pulse.ts";
import { sleep, waitFor } from "../tests/support/wait.ts";

const RATE = 48_000;
const STEMS = Number(Deno.env.get("VAMP_STEMS") ?? 4);
const ENGINE = (Deno.env.get("VAMP_ENGINE") ?? "finer") as "finer" | "faster";
const CHANGES = Number(Deno.env.get("VAMP_CHANGES") ?? 12);
const LOOP = { start: 2, end: 4 };
/** A switch this close to the loop's end (seconds) is the case the known limit was about. */
const NEAR_END = 0.2;

interface Change {
  phase: number;
  ms: number;
  beforeEnd?: number;
  starvedToSwitch: number;
  starvedAfter: number;
  failed?: string;
}

const dir = await Deno.makeTempDir({ prefix: "stemplay-vamp-report-" });
try {
  const tracks = (await writeStereoStems(dir, STEMS, 30, RATE)).map((file) => ({ file }));
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({ title: "vamp", tempo: 120, transpose: -2, tracks }),
  );
  await withPulseServer(async () => {
    await using player = await Player.open({
      backend: "pulseaudio",
      channels: SINK_CHANNELS,
      sampleRate: RATE,
      blockFrames: 512,
      streaming: { stretchStems: 64 },
      keyTempo: { engine: ENGINE },
    });
    await player.loadSong(dir);
    player.play();
    await waitFor("playback", () => player.position > 0.5, 20_000);
    player.loop(LOOP.start, LOOP.end);
    await waitFor("the vamp", () => player.position >= LOOP.start, 20_000);
    const changes: Change[] = [];
    const length = LOOP.end - LOOP.start;
    for (let i = 0; i < CHANGES; i++) {
      // Set at phases spread over the loop, so that the switches land all round it.
      const phase = (i * 0.37) % length;
      await waitFor("the phase", () => Math.abs(player.position - LOOP.start - phase) < 0.02);
      const before = player.health.starved;
      const start = performance.now();
      player.transpose = player.transpose === -1 ? -3 : -1;
      const change: Change = { phase, ms: 0, starvedToSwitch: 0, starvedAfter: 0 };
      try {
        await player.keyTempoReady();
        change.beforeEnd = LOOP.end - player.position;
      } catch (error) {
        change.failed = error instanceof Error ? error.message : String(error);
      }
      change.ms = performance.now() - start;
      const switched = player.health.starved;
      change.starvedToSwitch = switched - before;
      await sleep(1000 * length * 1.5);
      change.starvedAfter = player.health.starved - switched;
      changes.push(change);
      console.log(
        `set at ${phase.toFixed(2)} s into the loop: ${
          change.failed ??
            `switch after ${change.ms.toFixed(0)} ms, ${
              change.beforeEnd!.toFixed(3)
            } s before the loop's end`
        }; starved track-blocks ${change.starvedToSwitch} to the switch, ${change.starvedAfter} after`,
      );
    }
    const made = changes.filter((change) => !change.failed);
    const near = made.filter((change) => change.beforeEnd! < NEAR_END);
    const sum = (list: Change[]) => list.reduce((total, c) => total + c.starvedAfter, 0);
    const sorted = made.map((change) => change.ms).sort((a, b) => a - b);
    console.log(
      `${STEMS} stereo stems, ${ENGINE}, a ${length} s loop: ${made.length} of ${changes.length} ` +
        `changes made; to the switch median ${
          sorted[Math.floor(sorted.length / 2)]?.toFixed(0)
        } ms, worst ${sorted.at(-1)?.toFixed(0)} ms; starved after the switch ${sum(made)} ` +
        `track-blocks in all, ${sum(near)} over the ${near.length} switches within ${NEAR_END} s ` +
        `of the loop's end`,
    );
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
