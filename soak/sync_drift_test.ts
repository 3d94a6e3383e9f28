/**
 * Sync across drifting clocks: the primary on one jackd dummy server, the follower on another
 * (asked for 1333 and 1334 µs periods, which JACK2 rounds to the same 64 frames at 48 kHz: the
 * two run apart only as the machine's load makes each one late, and lose the time of each xrun;
 * on a shared machine that is thousands of ppm, more than real interfaces), two processes. The follower must hold the lock by varispeed alone: no relock.
 * Reports, from the follower's own measurement (which matched a shared-server recording to
 * 0.15 ms, tests/sync_jack_test.ts): worst and p99 offset after lock, the drift it holds,
 * relocks. With SYNC_JUMPS=1 the primary jumps every 8 s (a bar jump, the issue's 10-minute
 * target); SOAK_SECONDS sets the length (default 60).
 *
 * And from timed captures of both rigs' outputs (native/tests/jack_capture.c), on the machine's
 * common clock (tests/support/common_clock.ts): the follower's offset as heard, every half
 * second after lock, and how fast each server's clock ran, second by second: a dummy server
 * times its periods by the machine's sleeps, and the difference between the two is the drift
 * varispeed has to follow (it can follow ±1000 ppm).
 */
import { SOAK_STRICT } from "./strict.ts";
import assert from "node:assert/strict";
import { JackServer, jackTest } from "../tests/support/jack.ts";
import { buildJackCapture, JackCapture, type TimedCapture } from "../tests/support/jack_capture.ts";
import {
  captureRatesPpm,
  idealFollowerErrorsMs,
  lagOnCommonClock,
  skippedFrames,
} from "../tests/support/common_clock.ts";
import { RigProcess, SYNC_MARKERS, writeNoiseShow } from "../tests/support/sync_rig.ts";
import { freeUdpPort } from "../tests/support/osc_tools.ts";

const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? "60");
const JUMPS = Deno.env.get("SYNC_JUMPS") === "1";
const LOCK_SECONDS = 10;
const RATE = 48000;
/** Real-time scheduling for the servers, as on a rig (SYNC_REALTIME=0: user space). */
const REALTIME = Deno.env.get("SYNC_REALTIME") !== "0";

/** The follower's own callbacks: how late they ran behind its filtered clock (the jitter an
 * unfiltered reading would follow). */
function lateText(late: unknown): string {
  const l = late as { median: number; p90: number; p99: number } | undefined;
  return l
    ? `; its callbacks late by median ${l.median.toFixed(2)}, p90 ${l.p90.toFixed(2)}, p99 ` +
      `${l.p99.toFixed(2)} ms`
    : "";
}

const name =
  `sync drift: ${SECONDS} s across two jackd dummy servers (apart as the load makes them)` +
  (JUMPS ? ", a jump every 8 s" : "");
jackTest(name, ["cc"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-sync-drift-" });
  const setlist = await writeNoiseShow(dir, 48000, JUMPS ? 30 : SECONDS + LOCK_SECONDS + 10);
  const port = await freeUdpPort();
  const fast = await JackServer.start({ waitUs: 1333, realtime: REALTIME });
  const slow = await JackServer.start({ waitUs: 1334, realtime: REALTIME });
  const primary = await RigProcess.start("primary", setlist, port, fast.env);
  const follower = await RigProcess.start("follower", setlist, port, slow.env);
  const offsets: number[] = [];
  let last: Record<string, unknown> | undefined;
  const binary = await buildJackCapture();
  const captures: JackCapture[] = [];
  const takes: TimedCapture[] = [];
  try {
    for (const server of [fast, slow]) {
      captures.push(
        await JackCapture.start(
          binary,
          server.env,
          SECONDS + LOCK_SECONDS + 1,
          "stemplay:playback0",
          (from, to) => server.connect(from, to),
        ),
      );
    }
    await primary.command("play");
    const start = performance.now();
    let nextJump = 8000;
    while (performance.now() - start < (SECONDS + LOCK_SECONDS) * 1000) {
      await follower.until((line) => line.startsWith("sync "));
      last = follower.last;
      const elapsed = performance.now() - start;
      if (Math.floor(elapsed / 2000) !== Math.floor((elapsed - 100) / 2000)) {
        console.log(
          `${(elapsed / 1000).toFixed(1)} s: ${last?.state} offset ${
            (last?.offsetMs as number)?.toFixed(2)
          } ms, drift ${(last?.driftPpm as number)?.toFixed(0)} ppm, relocks ${last?.relocks}` +
            lateText(last?.callbackLateMs),
        );
      }
      if (JUMPS && elapsed > nextJump) {
        nextJump += 8000;
        await primary.command(`jump ${SYNC_MARKERS[1 + Math.floor(Math.random() * 2)].name}`);
      }
      if (elapsed > LOCK_SECONDS * 1000 && last?.state === "locked") {
        offsets.push(Math.abs(last.offsetMs as number));
      }
    }
    for (const capture of captures) takes.push(await capture.finish());
  } finally {
    for (const capture of captures) capture.kill();
    await follower.stop();
    await primary.stop();
    await slow.stop();
    await fast.stop();
    await Deno.remove(dir, { recursive: true });
  }
  // A dummy server that misses a cycle's deadline restarts its timing from there: each xrun
  // is a step of its clock, time lost for good.
  const xruns = await Promise.all(
    [fast, slow].map(async (server) => (await server.output()).split("XRun").length - 1),
  );
  const sorted = [...offsets].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
  console.log(
    `sync drift: ${offsets.length} readings after lock, worst ${sorted.at(-1)?.toFixed(3)} ms, ` +
      `p99 ${p99.toFixed(3)} ms, drift held ${(last?.driftPpm as number)?.toFixed(0)} ppm, ` +
      `relocks ${last?.relocks}`,
  );
  assert.ok(offsets.length > SECONDS * 5, `only ${offsets.length} locked readings`);

  // As heard, on the common clock: the follower's lag behind the primary every half second
  // after lock (windows across a jump or in a crossfade do not match, and are left out).
  const [primaryTake, followerTake] = takes;
  const heard: number[] = [];
  const startFrame = primaryTake.audio.findIndex((x) => Math.abs(x) > 0.01);
  for (
    let at = startFrame + LOCK_SECONDS * RATE;
    at + 4096 < primaryTake.audio.length;
    at += RATE / 2
  ) {
    const lag = lagOnCommonClock(primaryTake, followerTake, at, RATE);
    if (lag !== undefined) heard.push(Math.abs(lag) * 1000 / RATE);
  }
  const heardSorted = [...heard].sort((a, b) => a - b);
  console.log(
    `sync drift, as heard (captures on the common clock): ${heard.length} windows, median ` +
      `${heardSorted[heardSorted.length >> 1]?.toFixed(3)} ms, p99 ` +
      `${heardSorted[Math.floor(heardSorted.length * 0.99)]?.toFixed(3)} ms, worst ` +
      `${heardSorted.at(-1)?.toFixed(3)} ms; over 1 ms ` +
      `${(100 * heard.filter((e) => e > 1).length / Math.max(1, heard.length)).toFixed(1)} % ` +
      `of the windows`,
  );
  // The servers' clocks, second by second: their difference is what varispeed follows.
  const fastPpm = captureRatesPpm(primaryTake.stamps, 1, RATE);
  const slowPpm = captureRatesPpm(followerTake.stamps, 1, RATE);
  const signed = fastPpm.slice(0, slowPpm.length).map((p, i) => p - slowPpm[i]);
  const apart = signed.map(Math.abs).sort((a, b) => a - b);
  const mean = (rates: number[]) => rates.reduce((a, b) => a + b, 0) / rates.length;
  console.log(
    `sync drift, the servers: on average ${mean(fastPpm).toFixed(0)} and ` +
      `${mean(slowPpm).toFixed(0)} ppm off 48 kHz (${mean(signed).toFixed(0)} ppm apart); ` +
      `second by second apart by median ${apart[apart.length >> 1]?.toFixed(0)} ` +
      `ppm, p90 ${apart[Math.floor(apart.length * 0.9)]?.toFixed(0)} ppm, worst ` +
      `${apart.at(-1)?.toFixed(0)} ppm; ${apart.filter((p) => p > 1000).length} of ` +
      `${apart.length} seconds past varispeed's ±1000 ppm; late cycles: ` +
      `${skippedFrames(primaryTake.stamps)} and ${skippedFrames(followerTake.stamps)} frames; ` +
      `xruns (each a step of that server's clock): ${xruns[0]} and ${xruns[1]}`,
  );
  // The servers' own share: an ideal follower (no filter, no network, no delay; varispeed
  // within ±0.1 %) on the same two servers' clocks, from the same moment.
  const ideally = { count: 0 };
  const lockedAt = primaryTake.stamps.find((s) => s.frame >= startFrame + LOCK_SECONDS * RATE);
  const ideal = lockedAt
    ? idealFollowerErrorsMs(primaryTake.stamps, followerTake.stamps, RATE, lockedAt.now, ideally)
    : [];
  const idealSorted = [...ideal].sort((a, b) => a - b);
  console.log(
    `sync drift, the servers alone (an ideal ±0.1 % follower, no delay): median ` +
      `${idealSorted[idealSorted.length >> 1]?.toFixed(3)} ms, p99 ` +
      `${idealSorted[Math.floor(idealSorted.length * 0.99)]?.toFixed(3)} ms, worst ` +
      `${idealSorted.at(-1)?.toFixed(3)} ms; over 1 ms ` +
      `${(100 * ideal.filter((e) => e > 1).length / Math.max(1, ideal.length)).toFixed(1)} % ` +
      `of the time, ${ideally.count} relocks`,
  );
  assert.ok(heard.length > SECONDS, `only ${heard.length} windows matched`);
  // On a loaded machine a server stalls now and then (the follower falls behind by the stall,
  // and varispeed brings it back at 1 ms a second; past 20 ms it relocks): printed above,
  // asserted with SOAK_STRICT=1.
  if (SOAK_STRICT) {
    assert.equal(last?.relocks, 0, "a relock: the follower jumped");
    assert.ok((sorted.at(-1) ?? Infinity) <= 1, "more than 1 ms off");
  }
});
