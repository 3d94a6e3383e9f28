/**
 * The sync feed's audio clock (src/control/sync_callback_clock.ts): a device's callbacks at
 * 48 kHz in 64-frame periods, most of them woken late by up to 3 ms (a loaded machine), read
 * every fourth. The clock gives the frame playing at each moment to a tenth of a ms where the last
 * stamp alone is milliseconds off; it follows a jump forward or back (a loop) at once.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { CallbackClock } from "../src/control/sync_callback_clock.ts";

const RATE = 48000;
const PERIOD = 64;
const PER_MS = RATE / 1000;

/** A small deterministic generator (the test's lateness is the same every run). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Callback k of a device started at `startMs` on `startFrame`: when it ran (late by 0 to 3
 * ms, on time one in five) and its frame. */
function callbacks(count: number, startMs: number, startFrame: number, seed: number) {
  const next = random(seed);
  return Array.from({ length: count }, (_, k) => {
    const onTime = startMs + k * PERIOD / PER_MS;
    const late = next() < 0.2 ? 0 : next() * 3;
    return { onTime, ms: onTime + late, frame: startFrame + k * PERIOD };
  });
}

Deno.test("callback clock: late callbacks count nothing; the last stamp alone is ms off", async () => {
  await using player = await Player.open({ backend: "offline", sampleRate: RATE, channels: 2 });
  const clock = new CallbackClock(player);
  let worstFiltered = 0, worstRaw = 0;
  const stamps = callbacks(3000, 1000, 0, 7);
  for (const [k, stamp] of stamps.entries()) {
    if (k % 4) continue; // read every fourth callback, as a 5 ms timer does
    clock.add(stamp.ms, stamp.frame, PER_MS);
    if (k < 200) continue; // a window's worth first
    // Asked a moment after this stamp: the truth is the frame of the on-time schedule.
    const now = stamp.ms + 0.5;
    const truth = stamp.frame + (now - stamp.onTime) * PER_MS;
    const raw = stamp.frame + (now - stamp.ms) * PER_MS;
    worstFiltered = Math.max(worstFiltered, Math.abs(clock.frameAt(now, PER_MS)! - truth));
    worstRaw = Math.max(worstRaw, Math.abs(raw - truth));
  }
  console.log(
    `worst: filtered ${(worstFiltered / PER_MS).toFixed(3)} ms, the last stamp alone ` +
      `${(worstRaw / PER_MS).toFixed(3)} ms`,
  );
  assert.ok(worstRaw / PER_MS > 2, "the test's callbacks are late");
  assert.ok(worstFiltered / PER_MS < 0.3, `filtered ${worstFiltered / PER_MS} ms off`);
  const late = clock.lateMs;
  assert.ok(late.median > 0.5 && late.p99 <= 3.01, `late ${JSON.stringify(late)}`);
});

Deno.test("callback clock: a jump back (a loop) or forward is followed at once", async () => {
  await using player = await Player.open({ backend: "offline", sampleRate: RATE, channels: 2 });
  const clock = new CallbackClock(player);
  for (const stamp of callbacks(400, 1000, 480_000, 3)) clock.add(stamp.ms, stamp.frame, PER_MS);
  let startMs = 1000 + 400 * PERIOD / PER_MS;
  for (const [to, seed] of [[96_000, 4], [960_000, 5]]) {
    // The first callback after the jump runs late by up to 3 ms too: it is all there is of the
    // new place, so it is taken (within its lateness), and the next on-time one settles it.
    const after = callbacks(40, startMs, to, seed);
    startMs += 40 * PERIOD / PER_MS;
    clock.add(after[0].ms, after[0].frame, PER_MS);
    const truth = to + (after[0].ms + 0.5 - after[0].onTime) * PER_MS;
    const first = clock.frameAt(after[0].ms + 0.5, PER_MS)!;
    assert.ok(Math.abs(first - truth) <= 3 * PER_MS + 1, `after a jump to ${to}: ${first}`);
    for (const stamp of after.slice(1)) clock.add(stamp.ms, stamp.frame, PER_MS);
    const last = after.at(-1)!;
    const settled = clock.frameAt(last.ms, PER_MS)! -
      (last.frame + (last.ms - last.onTime) * PER_MS);
    assert.ok(Math.abs(settled) < 0.05 * PER_MS, `${settled} frames off after the jump to ${to}`);
  }
});
