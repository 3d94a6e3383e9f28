/**
 * The heartbeat on JACK, through a stall of the engine: a rig process (tests/support/
 * sync_child.ts) with the heartbeat on output 2, on a real-time jackd in JACK2's default
 * asynchronous mode (the server runs on when a client stalls, as an interface does when the
 * computer hangs). A timed capture (native/tests/jack_capture.c) records the heartbeat with the
 * server's frame counter and the time of every period. SIGSTOP the rig for a second, then
 * SIGCONT. Every block the capture got is the tone and changes from the one before; on the
 * common clock, none came later than one block after the SIGSTOP was sent and before the SIGCONT
 * (the issue's "stops changing within one block of the stall"), while the server's frame counter
 * ran on (a stall of the engine, not of the graph). What the interface plays meanwhile (silence,
 * or its last buffer again) is the driver's: JACK runs no client downstream of a stalled one, so
 * the capture cannot hear it; docs/two-rigs.md says what each switcher sees. Where the last
 * block fell is printed, in blocks.
 */
import assert from "node:assert/strict";
import { HEARTBEAT_LEVEL } from "../mod.ts";
import { JACK_PERIOD, JACK_RATE, JackServer, jackTest } from "./support/jack.ts";
import { buildJackCapture, JackCapture, type TimedCapture } from "./support/jack_capture.ts";
import { rawClockMicros } from "./support/raw_clock.ts";
import { RigProcess, writeNoiseShow } from "./support/sync_rig.ts";
import { sleep } from "./support/wait.ts";

const STALL_MS = 1000;

const name = "heartbeat on JACK: a stalled engine's heartbeat stops changing within its block";
jackTest(name, ["cc"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-heartbeat-jack-" });
  const setlist = await writeNoiseShow(dir, JACK_RATE, 16);
  const binary = await buildJackCapture();
  let stopUs = 0, contUs = 0;
  let take!: TimedCapture;
  try {
    const server = await JackServer.start({ realtime: true, async: true });
    try {
      // The primary role serves on a port nobody follows: only its heartbeat matters here.
      const rig = await RigProcess.start("primary", setlist, 0, server.env, { heartbeat: 2 });
      let capture: JackCapture | undefined;
      try {
        capture = await JackCapture.start(
          binary,
          server.env,
          4,
          "stemplay:playback1",
          (from, to) => server.connect(from, to),
        );
        await sleep(1500);
        rig.signal("SIGSTOP");
        stopUs = rawClockMicros(); // after kill(2) returned: the signal is sent
        await sleep(STALL_MS);
        contUs = rawClockMicros();
        rig.signal("SIGCONT");
        take = await capture.finish();
        capture = undefined;
      } finally {
        capture?.kill();
        rig.signal("SIGCONT");
        await rig.stop();
      }
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  const { audio, stamps } = take;
  const block = JACK_PERIOD / JACK_RATE * 1e6; // µs
  // The capture runs from before its connection: from the heartbeat's first whole block.
  const first = stamps.findIndex((s) => audio[s.frame] !== 0) + 1;
  assert.ok(first > 0, "no heartbeat in the capture");
  const blocks = stamps.slice(first).filter((s) => s.frame + JACK_PERIOD <= audio.length);
  // Every block changes from the one before, and is the tone at its level.
  for (let b = 1; b < blocks.length; b++) {
    const a = audio.subarray(blocks[b - 1].frame, blocks[b - 1].frame + JACK_PERIOD);
    const c = audio.subarray(blocks[b].frame, blocks[b].frame + JACK_PERIOD);
    assert.ok(a.some((x, i) => x !== c[i]), `block ${b} repeats the one before`);
    const peak = c.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    assert.ok(Math.abs(peak - HEARTBEAT_LEVEL) < 0.01, `block ${b} peaks at ${peak}`);
  }
  // No block of the heartbeat came later than one block after the SIGSTOP and before the
  // SIGCONT: it stopped changing within one block of the stall.
  const during = blocks.filter((s) => s.now > stopUs + block && s.now < contUs);
  assert.deepEqual(during, [], "the heartbeat changed while the engine was stopped");
  const lastBefore = blocks.findLast((s) => s.now <= stopUs + block)!;
  const firstAfter = blocks.find((s) => s.now >= contUs)!;
  assert.ok(lastBefore && firstAfter, "no heartbeat either side of the stall");
  // And the server ran on meanwhile (its frame counter), as an interface does.
  const ranOn = (firstAfter.jackFrame - lastBefore.jackFrame) >>> 0;
  assert.ok(ranOn > 16 * JACK_PERIOD, `the server stalled too (${ranOn} frames)`);
  console.log(
    `heartbeat: its last block before the stall began ${
      ((lastBefore.now - stopUs) / block).toFixed(2)
    } blocks after the SIGSTOP was sent, the next ${
      ((firstAfter.now - contUs) / block).toFixed(2)
    } blocks after the SIGCONT; the server ran ${ranOn} frames ` +
      `(${(ranOn / JACK_RATE * 1000).toFixed(0)} ms) in between`,
  );
});
