/**
 * sp_pcm_fill_timing (native/stretch_fill.c), the key change bench's clock readings: the render
 * thread's CPU time so far is there while it runs (also for a change at the song's top, where
 * fill_from is 0 from the start) and 0 once it is done; a pcm rendered whole reads all 0.
 * Real Rubber Band; nothing timed is asserted, only which readings are there and their order.
 */
import assert from "node:assert/strict";
import { loadNative } from "../src/native/native.ts";
import { packPlanar, planarAudio } from "../src/sources/planar.ts";
import { fillState, stretchPcmProgressive } from "../src/sources/stretch.ts";
import { harmonicTone } from "./support/stretch_signals.ts";

const RATE = 48_000;
const native = await loadNative();

function timing(pcm: Deno.PointerValue): bigint[] {
  const out = new BigUint64Array(6);
  assert.equal(native.sp_pcm_fill_timing(pcm, out), 0);
  return [...out];
}

function frames(pcm: Deno.PointerValue): number {
  const info = new BigUint64Array(3);
  native.sp_pcm_info(pcm, info);
  return Number(info[0]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const start of [0, 2 * RATE + 123]) {
  Deno.test(`fill timing, start ${start}: the thread's CPU time while it renders, 0 once done`, async () => {
    const settings = { transpose: 2, speed: 0.9 };
    const input = planarAudio(native, packPlanar([harmonicTone(220, 30)]), RATE);
    const pcm = stretchPcmProgressive(native, input.pcm, RATE, settings, start);
    try {
      const end = frames(pcm);
      const done = () => {
        const { from, to } = fillState(native, pcm);
        return from === 0 && to === end;
      };
      while (fillState(native, pcm).to === Math.round(start / 0.9)) await sleep(1);
      const running = timing(pcm);
      const stillRunning = !done();
      console.log(`  while rendering: ${running.join(", ")} (still running: ${stillRunning})`);
      if (stillRunning) assert.ok(running[5] > 0n, "no CPU time while the thread renders");
      while (!done()) await sleep(5);
      // The thread ends just after its last frame: give it a moment (not a timing assertion).
      let after = timing(pcm);
      for (let tries = 0; tries < 1000 && after[5] !== 0n; tries++) {
        await sleep(5);
        after = timing(pcm);
      }
      const [now, began, created, published, publishedCpu, cpu] = after;
      assert.ok(0n < began && began <= created && created <= published && published <= now);
      assert.ok(publishedCpu > 0n);
      assert.equal(cpu, 0n, "CPU time read from a thread that has ended");
    } finally {
      native.sp_pcm_free(pcm);
    }
  });
}

Deno.test("fill timing: a pcm rendered whole reads 0 but for the clock", () => {
  const input = planarAudio(native, packPlanar([harmonicTone(220, 0.1)]), RATE);
  try {
    const [now, ...rest] = timing(input.pcm);
    assert.ok(now > 0n);
    assert.deepEqual(rest, [0n, 0n, 0n, 0n, 0n]);
  } finally {
    native.sp_pcm_free(input.pcm);
  }
});
