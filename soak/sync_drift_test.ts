/**
 * Sync across drifting clocks: the primary on one jackd dummy server with 1333 µs periods, the
 * follower on another with 1334 µs (64 frames each: about 750 ppm apart, far more than real
 * interfaces), two processes. The follower must hold the lock by varispeed alone: no relock.
 * Reports, from the follower's own measurement (which matched a shared-server recording to
 * 0.15 ms, tests/sync_jack_test.ts): worst and p99 offset after lock, the drift it holds,
 * relocks. With SYNC_JUMPS=1 the primary jumps every 8 s (a bar jump, the issue's 10-minute
 * target); SOAK_SECONDS sets the length (default 60).
 *
 * The offsets are the follower's view, not a common-clock capture: two servers' recordings need
 * common timestamps (jack_frames_to_time), not written yet.
 */
import { SOAK_STRICT } from "./strict.ts";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { JackServer } from "../tests/support/jack.ts";
import { ignoreWithout, requireTool } from "../tests/support/require_tool.ts";
import { RigProcess, SYNC_MARKERS, writeNoiseShow } from "../tests/support/sync_rig.ts";

const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? "60");
const JUMPS = Deno.env.get("SYNC_JUMPS") === "1";
const LOCK_SECONDS = 10;
/** Real-time scheduling for the servers, as on a rig (SYNC_REALTIME=0: user space). */
const REALTIME = Deno.env.get("SYNC_REALTIME") !== "0";

async function freePort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const name = `sync drift: ${SECONDS} s across jackd servers 750 ppm apart` +
  (JUMPS ? ", a jump every 8 s" : "");
Deno.test({
  name,
  ignore: ignoreWithout("jackd", name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("jackd", name);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-sync-drift-" });
    const setlist = await writeNoiseShow(dir, 48000, JUMPS ? 30 : SECONDS + LOCK_SECONDS + 10);
    const port = await freePort();
    const fast = await JackServer.start({ waitUs: 1333, realtime: REALTIME });
    const slow = await JackServer.start({ waitUs: 1334, realtime: REALTIME });
    const primary = await RigProcess.start("primary", setlist, port, fast.env);
    const follower = await RigProcess.start("follower", setlist, port, slow.env);
    const offsets: number[] = [];
    let last: Record<string, unknown> | undefined;
    try {
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
            } ms, drift ${(last?.driftPpm as number)?.toFixed(0)} ppm, relocks ${last?.relocks}`,
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
    } finally {
      await follower.stop();
      await primary.stop();
      await slow.stop();
      await fast.stop();
      await Deno.remove(dir, { recursive: true });
    }
    const sorted = [...offsets].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
    console.log(
      `sync drift: ${offsets.length} readings after lock, worst ${sorted.at(-1)?.toFixed(3)} ms, ` +
        `p99 ${p99.toFixed(3)} ms, drift held ${(last?.driftPpm as number)?.toFixed(0)} ppm, ` +
        `relocks ${last?.relocks}`,
    );
    assert.ok(offsets.length > SECONDS * 5, `only ${offsets.length} locked readings`);
    // On a loaded machine a server stalls now and then (the follower falls behind by the stall,
    // and varispeed brings it back at 1 ms a second; past 20 ms it relocks): printed above,
    // asserted with SOAK_STRICT=1.
    if (SOAK_STRICT) {
      assert.equal(last?.relocks, 0, "a relock: the follower jumped");
      assert.ok((sorted.at(-1) ?? Infinity) <= 1, "more than 1 ms off");
    }
  },
});
