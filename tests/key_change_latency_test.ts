/**
 * What a key or tempo change while playing does to be heard sooner (issue 24; bench:
 * bench/key_change_bench.ts): its first window is rendered from a short lead-in (one R3 window,
 * SP_STRETCH_LEAD), which must still come in at the music's full level; rendered as a device
 * does (frames not written yet play silent), the switch lands on frames already written and
 * plays on, not one block starved; and the bench's breakdown of where the time went is there
 * after a change. Real Rubber Band, offline engine; nothing timed is asserted.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { loadNative } from "../src/native/native.ts";
import { stretchPlanar } from "../src/sources/stretch.ts";
import { RETIME_CROSSFADE_SECONDS } from "../src/songs/retime.ts";
import {
  KEY_CHANGE_PHASES,
  keyChangeBreakdown,
  keyChangeStemCpu,
} from "../src/songs/key_change_breakdown.ts";
import { type RoutedStem, writeRoutedSong } from "./support/songs.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { clicks, harmonicTone } from "./support/stretch_signals.ts";

const RATE = 48_000;
const BLOCK = 960;
const native = await loadNative();

/** Three stems on outputs 1–3: two harmonic tones (pitched) and clicks (unpitched). */
function stems(seconds: number): RoutedStem[] {
  return [
    { file: "keys.wav", samples: harmonicTone(220, seconds), pitched: true },
    { file: "bass.wav", samples: harmonicTone(110, seconds), pitched: true },
    { file: "perc.wav", samples: clicks(seconds, 0.25, 0.5), pitched: false },
  ];
}

function writeSong(dir: string, seconds: number): Promise<string> {
  return writeRoutedSong(dir, RATE, stems(seconds));
}

function rmsDb(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return 10 * Math.log10(sum / samples.length);
}

for (const speed of [0.8, 1, 1.25]) {
  Deno.test(`speed ${speed}, +2: a render from mid-song comes in at the level of a render from the top`, async () => {
    const tone = harmonicTone(220, 4);
    const settings = { transpose: 2, speed };
    const start = 2 * RATE + 123; // not on a chunk boundary
    const [fromTop] = await stretchPlanar(native, [tone], RATE, settings);
    const [fromStart] = await stretchPlanar(native, [tone], RATE, settings, start);
    const at = Math.round(start / speed); // the start frame's output frame in the render from the top
    // Whole periods of the tone at +2 (194.43 frames, whatever the speed), so the two renders'
    // different phases do not move the level.
    const period = RATE / (220 * Math.pow(2, 2 / 12));
    const windows = [[0, 2], [2, 2], [4, 4], [8, 8]].map(([from, periods]) => [
      Math.round(from * period),
      Math.round(periods * period),
    ]);
    for (const [offset, frames] of windows) {
      const dip = rmsDb(fromStart.subarray(offset, offset + frames)) -
        rmsDb(fromTop.subarray(at + offset, at + offset + frames));
      console.log(`  frames ${offset} … ${offset + frames} after the start: ${dip.toFixed(2)} dB`);
      assert.ok(Math.abs(dip) < 0.25, `${dip.toFixed(2)} dB against the render from the top`);
    }
  });
}

Deno.test("rendered as a device does, a change while playing switches onto frames already written: no block starved or silent, the new render from the crossfade's end", async () => {
  // The test build: its hook makes an offline render stop waiting, as a device's callback.
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    library: "test",
  });
  const dir = await Deno.makeTempDir({ prefix: "stemplay-keylat-" });
  const streaming = (waits: boolean) =>
    assert.equal(player.native.sp_test_set_streaming(player.engine, 0, waits ? 1 : 0), 0);
  try {
    await player.loadSong(await writeSong(dir, 12));
    player.play();
    for (let second = 0; second < 6; second++) player.render(RATE);
    streaming(false);
    try {
      const before = player.positionFrames;
      player.transpose = 2;
      await player.keyTempoReady();
      const starved = player.starvedBlocks;
      // The frames the switch waited for (src/songs/retime.ts: 0.1 s and two blocks past the
      // playhead): rendered without waits, faster than the render threads run.
      const frames = 5 * BLOCK;
      const out = [0, 1, 2].map(() => new Float32Array(frames));
      for (let done = 0; done < frames; done += BLOCK) {
        player.render(BLOCK).slice(0, 3).forEach((channel, c) => out[c].set(channel, done));
      }
      assert.equal(player.starvedBlocks, starved, "not one block starved");
      const crossfade = Math.round(RETIME_CROSSFADE_SECONDS * RATE);
      for (const [channel, { samples, pitched }] of stems(12).entries()) {
        const [reference] = await stretchPlanar(
          native,
          [samples],
          RATE,
          { transpose: 2, speed: 1, pitched },
          before,
        );
        let differs = 0;
        for (let i = crossfade; i < frames; i++) {
          differs = Math.max(differs, Math.abs(out[channel][i] - reference[i]));
        }
        console.log(`  stem ${channel + 1}: largest difference after the crossfade ${differs}`);
        assert.ok(differs < 1e-5, `stem ${channel + 1} is the new render from the playhead`);
        if (pitched) {
          for (let block = 0; block < frames; block += BLOCK) {
            const peak = out[channel].subarray(block, block + BLOCK)
              .reduce((m, s) => Math.max(m, Math.abs(s)), 0);
            assert.ok(peak > 0.05, `stem ${channel + 1}: block at ${block} not silent`);
          }
        }
      }
    } finally {
      streaming(true);
    }
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after a change while playing, where its time went: each phase in order, each stem's CPU to its first frame", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeSong(dir, 6));
    player.play();
    player.render(RATE);
    player.speed = 0.9;
    await player.keyTempoReady();
    player.render(BLOCK);
    const breakdown = keyChangeBreakdown();
    console.log(breakdown.map(({ phase, ms }) => `  ${phase}: ${ms.toFixed(1)} ms`).join("\n"));
    assert.deepEqual(breakdown.map(({ phase }) => phase), KEY_CHANGE_PHASES.slice(1));
    const cpu = keyChangeStemCpu();
    console.log(`  CPU per stem to its first frame: ${cpu.map((ms) => ms.toFixed(1))} ms`);
    assert.equal(cpu.length, 3, "one per stem");
    assert.ok(cpu.every((ms) => ms > 0));
  });
});
