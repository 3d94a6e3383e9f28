/**
 * A rig's timeline from its callbacks' stamps (src/control/sync_timeline.ts): late stamps (a
 * callback run behind its time) are set aside for the earliest-running one of the last 300 ms; a
 * jump of the music starts afresh; stamps older than the window stop counting.
 */
import assert from "node:assert/strict";
import { StampTimeline } from "../src/control/sync_timeline.ts";

const RATE = 48000;
const frameAtMs = (ms: number) => ms * RATE / 1000;

Deno.test("sync timeline: late stamps are set aside, the on-time one gives the frame", () => {
  const line = new StampTimeline();
  // Every 20 ms a callback; the ones at 60 and 80 ms ran 15 ms late (their frames are the
  // on-time ones', stamped later).
  let read = 0;
  for (let t = 0; t <= 100; t += 20) {
    const late = t === 60 || t === 80 ? 15 : 0;
    read = line.frameAt(t + late, frameAtMs(t), RATE, 100);
  }
  assert.equal(read, frameAtMs(100));
  // Without the on-time stamps, the late one alone reads 15 ms behind: what a lock would chase.
  const lateOnly = new StampTimeline();
  assert.equal(lateOnly.frameAt(95, frameAtMs(80), RATE, 100), frameAtMs(85));
});

Deno.test("sync timeline: a jump of the music starts afresh; old stamps leave the window", () => {
  const line = new StampTimeline();
  line.frameAt(0, frameAtMs(0), RATE, 0);
  line.frameAt(20, frameAtMs(20), RATE, 20);
  // A jump back 2 s (a loop pass): only stamps after it count, though the old ones run "earlier".
  assert.equal(line.frameAt(40, frameAtMs(40 - 2000), RATE, 40), frameAtMs(40 - 2000));
  assert.equal(line.frameAt(60, frameAtMs(60 - 2000), RATE, 60), frameAtMs(60 - 2000));
  // An on-time stamp, then only late ones: after 300 ms the on-time one no longer counts.
  const window = new StampTimeline();
  window.frameAt(0, frameAtMs(0), RATE, 0);
  let read = 0;
  for (let t = 20; t <= 400; t += 20) read = window.frameAt(t + 10, frameAtMs(t), RATE, t + 10);
  assert.equal(read, frameAtMs(400), "the late stamps' own timeline after the window");
  const within = new StampTimeline();
  within.frameAt(0, frameAtMs(0), RATE, 0);
  assert.equal(within.frameAt(110, frameAtMs(100), RATE, 110), frameAtMs(110));
});
