/**
 * MTC carries song time at another speed (issue 24, "The timeline follows the tempo"): a song
 * played at speed 0.9 on a real jackd, MTC read by an independent JACK client
 * (native/tests/jack_capture.c). Its quarter frames must name the recording's seconds of the
 * music heard: they advance 0.9 s of code per second of capture, and a seek to the recording's
 * 4 s sends the full frame of 4 s. Nothing timed: the slope is between the captured frames.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMtc } from "../mod.ts";
import {
  buildJackCapture,
  parseCapturedEvents,
  startAudioMidiCapture,
  writeRampSong,
} from "./support/jack_capture.ts";
import { JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = JACK_RATE;
const FPS = 25;
const FRAME = RATE / FPS;
const SPEED = 0.9;

/** The frame (at 25 fps, from the hour) each complete group of 8 quarter frames names, with
 * the capture frame of its piece 0. */
function quarterGroups(events: { at: number; bytes: number[] }[]) {
  const quarters = events.filter((e) => e.bytes[0] === 0xf1);
  const groups: { at: number; named: number; spacing: number[] }[] = [];
  for (let i = 0; i + 8 <= quarters.length; i++) {
    const group = quarters.slice(i, i + 8);
    if (!group.every((q, k) => q.bytes[1] >> 4 === k)) continue;
    const nibble = (k: number) => group[k].bytes[1] & 15;
    const named = ((nibble(4) | (nibble(5) << 4)) * 60 + (nibble(2) | (nibble(3) << 4))) * FPS +
      (nibble(0) | (nibble(1) << 4));
    groups.push({
      at: group[0].at,
      named,
      spacing: group.slice(1).map((q, k) => q.at - group[k].at),
    });
    i += 7;
  }
  return groups;
}

jackTest(
  "speed 0.9: MTC names song time (0.9 s of code per second), a seek the recording's second",
  [
    "cc",
  ],
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-songtime-mtc-" });
    try {
      const folder = await writeRampSong(dir, 8, { speed: SPEED });
      const capture = await buildJackCapture();
      const lines: string[] = [];
      await withJackServer(async (server) => {
        const player = await openJackPlayer();
        try {
          await player.loadSong(folder);
          const mtc = await serveMtc(player, { fps: FPS });
          const recording = await startAudioMidiCapture(
            capture,
            server,
            join(dir, "audio.f32"),
            5,
            ["stemplay:playback0"],
            mtc.port,
          );
          await sleep(300);
          player.play();
          await waitFor("2 s of the song", () => player.position >= 2);
          player.seek(4);
          await waitFor("the seek", () => player.position >= 5);
          player.pause();
          lines.push(...await recording.finish());
          await mtc.close();
        } finally {
          await player.close();
        }
      });
      const events = parseCapturedEvents(lines);
      const full = events.filter((e) => e.bytes[0] === 0xf0)
        .map((e) => ((e.bytes[6] * 60) + e.bytes[7]) * FPS + e.bytes[8]);
      console.log(`  full frames name ${full.join(", ")}`);
      assert.equal(full[0], 0, "play from the top: frame 0");
      assert.ok(full.includes(4 * FPS), `the seek to 4 s names frame ${4 * FPS}: ${full}`);

      const groups = quarterGroups(events);
      // The run before the seek: consecutive groups, two frames apart.
      const run = groups.filter((g) => g.named < 4 * FPS - 2);
      assert.ok(run.length > 10, `${run.length} quarter-frame groups before the seek`);
      const first = run[0], last = run[run.length - 1];
      const slope = ((last.named - first.named) * FRAME) / (last.at - first.at);
      const spacings = run.flatMap((g) => g.spacing);
      const quarter = FRAME / 4 / SPEED;
      const worst = Math.max(...spacings.map((s) => Math.abs(s - quarter)));
      console.log(
        `  ${run.length} groups: ${slope.toFixed(5)} s of code per second; quarter frames ` +
          `${quarter.toFixed(1)} samples apart, worst ${worst.toFixed(1)} off`,
      );
      assert.ok(Math.abs(slope - SPEED) < 0.002, `slope ${slope}`);
      assert.ok(worst <= 1, `quarter-frame spacing off by ${worst}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
