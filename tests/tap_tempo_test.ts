/**
 * The console's tap tempo (web/console/tap_tempo.js), as the page runs it: the median interval
 * of the last 8 taps, to 0.1 bpm, forgotten after a pause of more than 2 s.
 */
import assert from "node:assert/strict";
import { createTapper, TAP_KEEP, TAP_RESET_MS } from "../web/console/tap_tempo.js";

/** The tempo after taps at these times (ms). */
function tapped(times: number[]) {
  const tapper = createTapper();
  let last;
  for (const time of times) last = tapper.tap(time);
  return last;
}

Deno.test("tap tempo: the median interval, so one late tap does not move it", () => {
  assert.equal(tapped([0]), undefined, "one tap is no tempo yet");
  assert.deepEqual(tapped([0, 500]), { bpm: 120, taps: 2 });
  // Intervals 500, 500, 700 (a late tap), 300 (back on time): the median is 500.
  assert.deepEqual(tapped([0, 500, 1000, 1700, 2000]), { bpm: 120, taps: 5 });
  // An even count: the mean of the middle two (600 and 650 → 625 ms, 96 bpm).
  assert.equal(tapped([0, 600, 1250, 1850, 2500])?.bpm, 96);
});

Deno.test("tap tempo: the last 8 taps count, and a pause starts again", () => {
  assert.equal(TAP_KEEP, 8);
  // 4 taps at 1000 ms, then 8 at 500 ms: only the last 8 (7 intervals of 500) count.
  const slow = [0, 1000, 2000, 3000];
  const fast = Array.from({ length: 8 }, (_, i) => 3500 + 500 * i);
  assert.deepEqual(tapped([...slow, ...fast]), { bpm: 120, taps: 8 });
  // Exactly the reset time is still one run; a moment longer starts again.
  assert.equal(tapped([0, TAP_RESET_MS])?.bpm, 30);
  assert.equal(tapped([0, 300, 300 + TAP_RESET_MS + 1]), undefined);
  assert.equal(tapped([0, 300, 2400, 3025])?.bpm, 96);
});
