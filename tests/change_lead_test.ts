/**
 * The first try's lead of a key change (src/songs/change_lead.ts): learnt from the fill of the
 * change before, within its bounds. The latency it buys is measured in the bench
 * (bench/key_change_live_bench.ts, LIVE_BENCH_BLOCK=256), not here.
 */
import assert from "node:assert/strict";
import { ChangeLead, FIRST_LEAD_SECONDS, MIN_LEAD_SECONDS } from "../src/songs/change_lead.ts";

const BLOCK = 256 / 48000;

Deno.test("change lead: the default before any change, then the last fill, a fifth more and a block", () => {
  const lead = new ChangeLead();
  assert.equal(lead.seconds(BLOCK), FIRST_LEAD_SECONDS);
  lead.filled(0.08);
  assert.ok(Math.abs(lead.seconds(BLOCK) - (0.08 * 1.2 + BLOCK)) < 1e-12);
  lead.filled(0.1); // the last change's measure, not an average: the load changes
  assert.ok(Math.abs(lead.seconds(BLOCK) - (0.1 * 1.2 + BLOCK)) < 1e-12);
});

Deno.test("change lead: never under its least nor over the default; a bad measure is ignored", () => {
  const lead = new ChangeLead();
  lead.filled(0.001);
  assert.equal(lead.seconds(BLOCK), MIN_LEAD_SECONDS);
  lead.filled(2); // after a jump the readers refill the song playing first: slow
  assert.equal(lead.seconds(BLOCK), FIRST_LEAD_SECONDS);
  lead.filled(0.05);
  lead.filled(Number.NaN);
  lead.filled(-1);
  assert.ok(Math.abs(lead.seconds(BLOCK) - (0.05 * 1.2 + BLOCK)) < 1e-12);
  // 2048-frame blocks: the playhead moves 43 ms at a time.
  lead.filled(0.1);
  assert.equal(lead.seconds(2048 / 48000), FIRST_LEAD_SECONDS);
});
