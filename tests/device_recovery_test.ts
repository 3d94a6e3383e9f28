/**
 * A rig that recovers by itself: a private PulseAudio server is killed mid-song and started
 * again, and the player comes back on its own (no reopen() call) as its `recovery` mode says,
 * checked against what the new server captured (parec on the sink's monitor):
 * - "in-time": the guide resumes where the song would be by the wall clock: at least as far
 *   past the loss as the server was gone;
 * - "where-lost": covered by tests/device_loss_test.ts;
 * - "paused": nothing is heard; the player is paused at the loss position and plays on from
 *   there on play().
 * And a server that never comes back: the player keeps retrying, JS stays responsive, close()
 * returns. The time from the server's return to audio is printed (not asserted).
 */
import assert from "node:assert/strict";
import { Player, type PlayerHealth, type RecoveryMode } from "../mod.ts";
import { Capture, type PulseServer, SINK_CHANNELS, withPulseServer } from "./support/pulse.ts";
import { noise, peak, segmentsOf } from "./support/align.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { sleep, waitFor } from "./support/wait.ts";
import { STATUS } from "../src/native/native_constants.ts";

const RATE = 48000;
const BLOCK = 512;
const SONG_FRAMES = 40 * RATE;
const DOWN_MS = 1500;

interface Run {
  player: Player;
  guide: Float32Array;
  positionAtLoss: number;
  killedAt: number;
  /** performance.now() when the restarted server answered. */
  backAt: number;
  server: PulseServer;
  capture: Capture;
}

/** Plays, kills the server, waits DOWN_MS, restarts it with a capture running, and waits for
 * the player to say it recovered; then hands over to `check`. */
async function lossAndReturn(
  mode: RecoveryMode,
  name: string,
  check: (run: Run) => Promise<void>,
): Promise<void> {
  requireTool("pulseaudio", name);
  requireTool("parec", name);
  await withPulseServer(async (server) => {
    let player: Player | undefined;
    try {
      player = await Player.open({
        backend: "pulseaudio",
        channels: SINK_CHANNELS,
        sampleRate: RATE,
        blockFrames: BLOCK,
        recovery: mode,
      });
      const guide = noise(11, SONG_FRAMES, 0.2);
      player.addTrack([guide], { name: "guide", route: [4] });
      let recovered = 0;
      player.addEventListener("devicerecovered", () => recovered++);
      player.play();
      await waitFor("1 s of playback", () => player!.positionFrames >= RATE);

      const killedAt = performance.now();
      await server.kill();
      await waitFor("the loss", () => player!.state === "error", 5000);
      assert.equal(player.health.status, "recovering");
      const positionAtLoss = player.positionFrames;
      await sleep(DOWN_MS);
      assert.equal(player.positionFrames, positionAtLoss, "the position moved without a device");

      await server.restart();
      const backAt = performance.now();
      const capture = Capture.start(server);
      await waitFor("the recovery", () => player!.health.status === "ok", 20000);
      assert.equal(recovered, 1, "one devicerecovered event");
      const health: PlayerHealth = player.health;
      assert.equal(health.losses, 1);
      assert.equal(health.recoveries, 1);
      assert.ok(health.lastError !== null && health.lastError.time > 0);
      await check({ player, guide, positionAtLoss, killedAt, backAt, server, capture });
    } finally {
      if (player && !player.closed) await player.close();
    }
  });
}

/** Waits until the position leaves `from`; returns when (performance.now()). */
async function movedAt(player: Player, from: number): Promise<number> {
  await waitFor("audio again", () => player.positionFrames !== from, 20000);
  return performance.now();
}

const inTime =
  "recovery in-time: a killed and restarted server, the song resumes where it would be";
Deno.test({
  name: inTime,
  ignore: ignoreWithout("pulseaudio", inTime) || ignoreWithout("parec", inTime),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await lossAndReturn("in-time", inTime, async (run) => {
      const audioAt = await movedAt(run.player, run.positionAtLoss);
      const resumedAt = run.player.positionFrames;
      await waitFor("1 s after the return", () => run.player.positionFrames > resumedAt + RATE);
      assert.equal(run.player.state, "playing");
      const stoppedAt = performance.now();
      const captured = await run.capture.stop();
      const { segments, unmatched } = segmentsOf(captured[3], run.guide, 128, 1e-4);
      // The first stretch tells where it resumed (its first 128 frames of noise match one place
      // only). A loaded machine may add dropouts after it: not what this test is about.
      assert.ok(
        segments.length >= 1,
        `${JSON.stringify(segments)} unmatched ${unmatched} peak ${peak(captured[3])} of ${
          captured[3].length
        }`,
      );
      const jumped = segments[0].sourceStart - run.positionAtLoss;
      // The song went on while the server was gone (at least DOWN_MS) and never ahead of the
      // clock (no further than from the kill to the end of the capture).
      assert.ok(jumped >= DOWN_MS / 1000 * RATE, `resumed only ${jumped} frames past the loss`);
      assert.ok(
        jumped <= (stoppedAt - run.killedAt) / 1000 * RATE,
        `resumed ${jumped} frames past the loss, more than the time since the kill`,
      );
      console.log(
        `recovery in-time: audio ${(audioAt - run.backAt).toFixed(0)} ms after the server ` +
          `returned; resumed ${(jumped / RATE).toFixed(3)} s past the loss position`,
      );
    });
  },
});

const paused = "recovery paused: the device comes back silent, paused where it was lost";
Deno.test({
  name: paused,
  ignore: ignoreWithout("pulseaudio", paused) || ignoreWithout("parec", paused),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await lossAndReturn("paused", paused, async (run) => {
      const blocks = () => run.player.native.sp_engine_status(run.player.engine, status);
      // SP_STATUS_COUNT values: a shorter array is written past its end (heap corruption).
      const status = new BigUint64Array(STATUS.count);
      blocks();
      const before = status[STATUS.blocks];
      await waitFor(
        "the new device's callbacks",
        () => (blocks(), status[STATUS.blocks] > before + 20n),
      );
      assert.equal(run.player.state, "paused");
      assert.equal(run.player.positionFrames, run.positionAtLoss);
      const silent = await run.capture.stop();
      assert.ok(silent[3].length > 0, "nothing captured");
      assert.equal(peak(silent[3]), 0, "audio while paused after the recovery");

      // play() goes on from where it was lost.
      const capture = Capture.start(run.server);
      await waitFor("parec to deliver", () => capture.frames > 0);
      run.player.play();
      await waitFor("playback", () => run.player.positionFrames > run.positionAtLoss + RATE);
      const captured = await capture.stop();
      const { segments } = segmentsOf(captured[3], run.guide, 128, 1e-4);
      // The first stretch tells where it resumed (see above).
      assert.ok(segments.length >= 1, JSON.stringify(segments));
      const resumedAt = segments[0].sourceStart;
      assert.ok(
        resumedAt >= run.positionAtLoss && resumedAt <= run.positionAtLoss + RATE / 100,
        `resumed at ${resumedAt}, lost at ${run.positionAtLoss}`,
      );
    });
  },
});

const never =
  "recovery: a server that never returns is retried, JS stays responsive, close returns";
Deno.test({
  name: never,
  ignore: ignoreWithout("pulseaudio", never),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("pulseaudio", never);
    await withPulseServer(async (server) => {
      const player = await Player.open({
        backend: "pulseaudio",
        channels: SINK_CHANNELS,
        sampleRate: RATE,
        blockFrames: BLOCK,
      });
      player.addTrack([new Float32Array(SONG_FRAMES).fill(0.1)], { name: "pad", route: [1] });
      player.play();
      await waitFor("playback", () => player.positionFrames >= RATE / 2, 10000);
      await server.kill();
      await waitFor("the loss", () => player.state === "error", 5000);

      // Each failed retry leaves its error with its time: count distinct ones.
      const times = new Set<number>();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      await waitFor("three failed retries", () => {
        const health = player.health;
        assert.equal(health.status, "recovering");
        if (health.lastError) times.add(health.lastError.time);
        return times.size >= 4; // the loss itself, then three retries
      }, 20000);
      clearInterval(ticker);
      assert.ok(ticks > 0, "the event loop stood still");
      assert.ok(player.health.nextRetryAt !== null, "no retry scheduled");
      assert.equal(player.health.recoveries, 0);
      assert.equal(player.state, "error");
      player.seek(0); // control calls still return
      await player.close();
      assert.equal(player.closed, true);
    });
  },
});
