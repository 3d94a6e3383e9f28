/**
 * Soak on JACK: a private jackd2 (dummy driver, 48 kHz, 64-frame periods = 1.33 ms, real-time
 * scheduling, started by the test and stopped by pid), 64 stereo stems looping on 8 outputs, while JS churns garbage
 * (V8's collector runs all the time) and changes 1,000 parameters a second. Checks: zero
 * overruns (a callback over 80% of its 1.33 ms budget). Reports p99 callback time and jitter.
 *
 * `deno task soak` runs it for 10 minutes; `SOAK_SECONDS=60 deno task soak` is what CI runs.
 */
import { SOAK_STRICT } from "./strict.ts";
import assert from "node:assert/strict";
import { noise } from "../tests/support/align.ts";
import { JACK_OUTPUTS, JACK_PERIOD, JACK_RATE, withJackServer } from "../tests/support/jack.ts";
import { openJackPlayer } from "../tests/support/jack_player.ts";
import { ignoreWithout, requireTool } from "../tests/support/require_tool.ts";
import { ignoreWithoutRealtime } from "../tests/support/realtime.ts";
import { sleep } from "../tests/support/wait.ts";
import { randomChanges } from "./churn.ts";

const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? "600");
const STEMS = 64;
const LOOP_SECONDS = 2;
const CHANGES_PER_SECOND = 1000;

const name = `soak on JACK: ${SECONDS} s, ${STEMS} stereo stems, ${JACK_PERIOD}-frame blocks, ` +
  `garbage churn, ${CHANGES_PER_SECOND} parameter changes/s`;
Deno.test({
  name,
  ignore: ignoreWithout("jackd", name) || ignoreWithoutRealtime(name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("jackd", name);
    assert.ok(SECONDS >= 10, `SOAK_SECONDS must be at least 10, got ${SECONDS}`);
    // Real-time scheduling, as on a rig: without it any busy thread of a shared machine can
    // preempt the JACK cycle, and the soak would measure that contention, not the engine.
    await withJackServer(async () => {
      await using player = await openJackPlayer({
        trackCapacity: STEMS,
      });
      const frames = LOOP_SECONDS * JACK_RATE;
      const tracks = Array.from(
        { length: STEMS },
        (_, k) =>
          player.addTrack([noise(2 * k + 1, frames, 0.005), noise(2 * k + 2, frames, 0.005)], {
            name: `stem ${k}`,
            route: [1 + (2 * k) % JACK_OUTPUTS, 2 + (2 * k) % JACK_OUTPUTS],
          }),
      );
      player.loop(0, LOOP_SECONDS);
      player.play();
      while (player.positionFrames === 0) await sleep(5);
      player.latencyMonitor = true;

      const changeOne = randomChanges(player, tracks, 7, ["gain", "mute", "pan", "master"]);

      const start = performance.now();
      let changes = 0;
      let garbage = 0;
      let keep: unknown[] = [];
      while (performance.now() - start < SECONDS * 1000) {
        const due = Math.floor((performance.now() - start) * CHANGES_PER_SECOND / 1000);
        while (changes < due) {
          changeOne();
          changes++;
        }
        // Garbage: ~2 MB of short-lived objects and arrays per turn.
        for (let i = 0; i < 4; i++) {
          keep.push(new Array(5_000).fill(i).map((x, j) => ({ x, j })), new Float64Array(50_000));
          garbage++;
        }
        if (keep.length > 40) keep = [];
        await sleep(1);
      }
      const stats = player.latencyStats();
      const state = player.state;
      console.log(
        `jack soak: ${SECONDS} s, ${STEMS} stereo stems, ${changes} parameter changes, ` +
          `${garbage} garbage batches, ${stats.callbacks} callbacks, overruns ${stats.overruns}, ` +
          `callback p99 ${stats.p99Ms.toFixed(3)} ms / max ${stats.maxMs.toFixed(3)} ms ` +
          `(budget ${stats.budgetMs.toFixed(2)} ms), jitter p99 ${stats.jitterP99Ms.toFixed(3)} ms`,
      );
      assert.equal(state, "playing");
      assert.ok(stats.callbacks > 0, "no callbacks timed");
      // Timing depends on the machine's load: printed above, asserted with SOAK_STRICT=1.
      if (SOAK_STRICT) assert.equal(stats.overruns, 0, `${stats.overruns} overruns`);
    }, { realtime: true });
  },
});
