/**
 * Take-over on two JACK servers: the primary on one, the follower in standby on another (a
 * SIGSTOPped client of a `--sync` server stalls its whole graph, so they cannot share one).
 * `jack_rec` records the follower. The follower is muted while the primary plays; SIGSTOP the
 * primary's process: its feed stops, the follower takes over (the time is printed; the
 * documented wait is 250 ms) and sounds, and the music continues in time: after the onset, every
 * window of the recording is the song at the same offset (no jump, no restart), at the place the
 * follower was playing, locked, when the primary stopped.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { decodeWav } from "./support/wav_reader.ts";
import { JackRecording, JackServer } from "./support/jack.ts";
import { noise } from "./support/align.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { RigProcess, SYNC_SONG_SECONDS, writeNoiseShow } from "./support/sync_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = 48000;
const WINDOW = 1024;

async function freePort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** The song frame that best matches `capture` at `at`, searched within `around` ± `span`. */
function songFrameAt(
  capture: Float32Array,
  song: Float32Array,
  at: number,
  around: number,
  span: number,
): { frame: number; score: number } {
  let best = -Infinity;
  let frame = 0;
  let energy = 0;
  for (let i = 0; i < WINDOW; i++) energy += capture[at + i] ** 2;
  for (let s = Math.max(0, around - span); s < Math.min(song.length - WINDOW, around + span); s++) {
    let sum = 0;
    for (let i = 0; i < WINDOW; i++) sum += capture[at + i] * song[s + i];
    if (sum > best) {
      best = sum;
      frame = s;
    }
  }
  let songEnergy = 0;
  for (let i = 0; i < WINDOW; i++) songEnergy += song[frame + i] ** 2;
  return { frame, score: best / Math.sqrt(energy * songEnergy) };
}

const name = "sync take-over on two JACK servers: SIGSTOP the primary, the standby follower " +
  "sounds, in time";
Deno.test({
  name,
  ignore: ignoreWithout("jackd", name) || ignoreWithout("jack_rec", name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("jackd", name);
    requireTool("jack_rec", name);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-takeover-" });
    const setlist = await writeNoiseShow(dir);
    const port = await freePort();
    const first = await JackServer.start();
    const second = await JackServer.start();
    let wav: Uint8Array = new Uint8Array();
    let positionAtStop = 0;
    try {
      const primary = await RigProcess.start("primary", setlist, port, first.env);
      const follower = await RigProcess.start("follower", setlist, port, second.env, {
        standby: true,
      });
      try {
        follower.drain(); // its status lines, read as they come: `last` is current
        const recording = await JackRecording.start(second, ["stemplay:playback0"], 14);
        const recordingStarted = performance.now();
        await sleep(1000);
        await primary.command("play");
        await waitFor("the lock", () => follower.last?.state === "locked");
        await sleep(2000);
        positionAtStop = follower.last?.position as number;
        primary.signal("SIGSTOP");
        const stopped = performance.now();
        await waitFor("the take-over", () => follower.last?.state === "takenOver");
        console.log(
          `take-over ${(performance.now() - stopped).toFixed(0)} ms after SIGSTOP ` +
            `(seen through the follower's 100 ms status lines)`,
        );
        const elapsed = performance.now() - recordingStarted;
        assert.ok(
          elapsed < 12000,
          `the take-over came ${elapsed.toFixed(0)} ms into a 14 s capture`,
        );
        wav = await recording.finish();
        primary.signal("SIGCONT");
      } finally {
        await follower.stop();
        await primary.stop();
      }
    } finally {
      await second.stop();
      await first.stop();
      await Deno.remove(dir, { recursive: true });
    }

    const capture = decodeWav(wav).channels[0];
    const onset = capture.findIndex((x) => Math.abs(x) > 0.01);
    assert.ok(onset > 0, "the follower sounded");
    // Muted before: the standby follower played silence until the take-over (a ramp's worth
    // of fade-in at the onset aside).
    const song = noise(100, SYNC_SONG_SECONDS * RATE, 0.3);
    const mappings: number[] = [];
    const start = onset + RATE / 10; // past the gain ramp
    let around = positionAtStop;
    for (let k = 0; k < 10 && start + k * RATE / 5 + WINDOW < capture.length; k++) {
      const at = start + k * RATE / 5;
      const { frame, score } = songFrameAt(capture, song, at, around, k === 0 ? RATE : 2000);
      // Varispeed plays the song at a fraction of a frame off: noise then correlates less
      // than 1 (and with nothing else at all).
      assert.ok(score > 0.5, `window ${k}: the song matches only at ${score.toFixed(3)}`);
      mappings.push(frame - at);
      around = frame + RATE / 5;
    }
    const first0 = mappings[0];
    console.log(
      `onset at song ${((first0 + onset) / RATE).toFixed(3)} s; the follower was at ` +
        `${(positionAtStop / RATE).toFixed(3)} s when the primary stopped; offsets after the ` +
        `onset: ${mappings.map((m) => m - first0).join(", ")} frames`,
    );
    assert.ok(mappings.length >= 5, `only ${mappings.length} windows after the onset`);
    for (const m of mappings) assert.ok(Math.abs(m - first0) <= 2, "a jump after the take-over");
    // It sounded where the song had got to, not from a restart or the stop's position.
    assert.ok(
      first0 + onset > positionAtStop,
      "sounded behind where it was when the primary stopped",
    );
  },
});
