/**
 * The first try's lead of a key change (src/songs/change_lead.ts): learnt from the song's
 * changes before, a slower fill at once and a quicker one half-way, within its bounds. The
 * latency it buys is measured in the bench (bench/key_change_live_bench.ts,
 * LIVE_BENCH_BLOCK=256), not here.
 */
import assert from "node:assert/strict";
import { ChangeLead, FIRST_LEAD_SECONDS, MIN_LEAD_SECONDS } from "../src/songs/change_lead.ts";

const BLOCK = 256 / 48000;
const SONG = "songs/Way Maker/song.json";

function near(actual: number, expected: number) {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
}

Deno.test("change lead: the default before the song's first change, then its fill, a fifth more and a block", () => {
  const lead = new ChangeLead();
  assert.equal(lead.seconds(SONG, BLOCK), FIRST_LEAD_SECONDS);
  lead.filled(SONG, 0.08);
  near(lead.seconds(SONG, BLOCK), 0.08 * 1.2 + BLOCK);
  lead.filled(SONG, 0.1); // slower: at once
  near(lead.seconds(SONG, BLOCK), 0.1 * 1.2 + BLOCK);
  lead.filled(SONG, 0.06); // quicker: half-way
  near(lead.seconds(SONG, BLOCK), 0.08 * 1.2 + BLOCK);
});

Deno.test("change lead: another song (other stems) starts again from the default", () => {
  const lead = new ChangeLead();
  lead.filled(SONG, 0.05);
  assert.equal(lead.seconds("songs/Goodness/song.json", BLOCK), FIRST_LEAD_SECONDS);
  assert.equal(lead.seconds(undefined, BLOCK), FIRST_LEAD_SECONDS); // tracks added by hand
  lead.filled("songs/Goodness/song.json", 0.07);
  assert.equal(lead.seconds(SONG, BLOCK), FIRST_LEAD_SECONDS, "one song's measure is kept");
});

Deno.test("change lead: never under its least nor over the default; a bad measure is ignored", () => {
  const lead = new ChangeLead();
  lead.filled(SONG, 0.001);
  assert.equal(lead.seconds(SONG, BLOCK), MIN_LEAD_SECONDS);
  lead.filled(SONG, 2); // after a jump the readers refill the song playing first: slow
  assert.equal(lead.seconds(SONG, BLOCK), FIRST_LEAD_SECONDS);
  lead.filled(SONG, Number.NaN);
  lead.filled(SONG, -1);
  lead.filled(undefined, 0.01);
  assert.equal(lead.seconds(SONG, BLOCK), FIRST_LEAD_SECONDS);
  // 2048-frame blocks: the playhead moves 43 ms at a time.
  const blocky = new ChangeLead();
  blocky.filled(SONG, 0.1);
  assert.equal(blocky.seconds(SONG, 2048 / 48000), FIRST_LEAD_SECONDS);
});
