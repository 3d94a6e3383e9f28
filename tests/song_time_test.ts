/**
 * Song time at another tempo (issue 24, "The timeline follows the tempo"): position, duration,
 * seek, markers, loops and the tempo map are in the recording's seconds whatever the speed;
 * `remaining` and `render(frames)` are in real time; LTC carries song time. Real Rubber Band,
 * an offline engine, libltc as the timecode's reader; nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { readStatus } from "../src/control/status.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { decodeLtc } from "./support/ltc.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeManifest } from "./support/songs.ts";
import { clicks, onsetNear } from "./support/stretch_signals.ts";

const RATE = 48_000;
const SECONDS = 6;

/** A song of one unpitched stem: a click every second from 1 s, a marker on each. */
async function writeClickSong(dir: string, manifest: Record<string, unknown>): Promise<string> {
  const folder = join(dir, "clicks");
  await Deno.mkdir(folder, { recursive: true });
  await Deno.writeFile(join(folder, "clicks.wav"), encodeWav([clicks(SECONDS, 1, 1)], RATE, "f32"));
  await writeManifest(folder, {
    tracks: [{ file: "clicks.wav", route: [1], pitched: false }],
    markers: [{ name: "Intro", at: 0 }, { name: "Two", at: 2 }, { name: "Four", at: 4 }],
    tempo: 120,
    ...manifest,
  });
  return folder;
}

/** Plays `frames` real frames of output `channel` from where the transport stands. */
function record(player: Player, frames: number, channel = 0): Float32Array {
  player.play();
  const out = new Float32Array(frames);
  for (let at = 0; at < frames; at += 4800) {
    out.set(player.render(Math.min(4800, frames - at))[channel], at);
  }
  return out;
}

Deno.test("speed 0.8: duration, position, markers and the tempo map are in song time; remaining in real time", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeClickSong(dir, { speed: 0.8 }));
    assert.ok(Math.abs(player.durationFrames - SECONDS * RATE) <= 1, `${player.durationFrames}`);
    assert.ok(Math.abs(player.duration - SECONDS) < 1e-4, `${player.duration}`);
    assert.deepEqual(player.markers.map((m) => m.at), [0, 2, 4]);
    assert.equal(player.tempo[0].tempo, 120);
    const real = 2 * RATE;
    record(player, real);
    const expected = real * 0.8;
    console.log(`  after ${real} real frames: position ${player.positionFrames} (${expected})`);
    assert.ok(Math.abs(player.positionFrames - expected) <= 1, `${player.positionFrames}`);
    const status = readStatus(player);
    assert.ok(Math.abs(status.position - 1.6) < 1e-3, `${status.position}`);
    assert.ok(Math.abs(status.duration - SECONDS) < 1e-3);
    // 4.4 s of the recording left, heard in 4.4 / 0.8 = 5.5 s.
    assert.ok(Math.abs(status.remaining - 5.5) < 1e-3, `remaining ${status.remaining}`);
    assert.deepEqual(status.markers.map((m) => m.at), [0, 2, 4]);
    assert.equal(status.marker?.name, "Intro");
    player.pause();
  });
});

Deno.test("speed 0.8: during a count-in the position counts down in real time", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeClickSong(dir, { speed: 0.8 }));
    player.countIn = 1; // one bar of 4/4 at 120 × 0.8 = 96 bpm: 2.5 s
    player.play();
    player.render(4800);
    console.log(`  count-in: position ${player.positionFrames} after 4800 frames`);
    assert.equal(player.positionFrames, -(2.5 * RATE - 4800));
    player.stop();
  });
});

Deno.test("speed 0.8: seek(1.5) plays the recording's 1.5 s (its click at 2 s comes 0.625 s later)", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeClickSong(dir, { speed: 0.8 }));
    player.seek(1.5);
    player.render(256); // stopped: the seek is published at the next block
    assert.equal(player.positionFrames, 1.5 * RATE);
    const out = record(player, RATE);
    const expected = Math.round(0.5 / 0.8 * RATE);
    const onset = onsetNear(out, expected);
    console.log(`  click at ${onset} (expected ${expected})`);
    assert.ok(Math.abs(onset - expected) < 0.002 * RATE, `onset ${onset}`);
    player.pause();
  });
});

Deno.test("speed 0.8: a jump to a marker of player.markers and a loop in song seconds play that music", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeClickSong(dir, { speed: 0.8 }));
    player.jump(player.markers[1]); // "Two", at 2 s: its click is heard at once
    const jumped = record(player, RATE / 4);
    assert.ok(onsetNear(jumped, 0) < 0.002 * RATE, `onset ${onsetNear(jumped, 0)}`);
    player.pause();
    player.render(4800);
    player.loopSection(player.markers[1]); // "Two" to "Four", as the recording has them
    assert.deepEqual(player.loopRange, { start: 2, end: 4 });
    player.exitLoop({ at: "now" });
    player.seek(2.5);
    player.loop(2.5, 3.5); // one click (3 s) per pass, passes 1 s / 0.8 = 1.25 s long
    assert.deepEqual(player.loopRange, { start: 2.5, end: 3.5 });
    const out = record(player, 3 * RATE);
    const pass = Math.round(1 / 0.8 * RATE);
    for (const k of [0, 1]) {
      const expected = Math.round(0.5 / 0.8 * RATE) + k * pass;
      const onset = onsetNear(out, expected);
      console.log(`  loop pass ${k}: click at ${onset} (expected ${expected})`);
      assert.ok(Math.abs(onset - expected) < 0.002 * RATE, `pass ${k} onset ${onset}`);
    }
    assert.ok(player.position >= 2.5 && player.position <= 3.5, `${player.position}`);
    player.pause();
  });
});

Deno.test("speed 0.8 → 1.25 while stopped: the position stays at the same song time", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeClickSong(dir, { speed: 0.8 }));
    player.seek(3);
    player.render(4800);
    player.speed = 1.25;
    await player.keyTempoReady();
    player.render(4800);
    assert.ok(Math.abs(player.position - 3) < 2 / RATE, `${player.position}`);
    assert.ok(Math.abs(player.duration - SECONDS) < 1e-4, `${player.duration}`);
  });
});

Deno.test("a change to speed 0.8 while playing: the position goes on in song time, without a jump", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeClickSong(dir, {}));
    player.play();
    player.render(2 * RATE);
    const before = player.positionFrames;
    player.speed = 0.8;
    await player.keyTempoReady();
    const atSwitch = player.positionFrames;
    const steps: number[] = [];
    let last = atSwitch;
    for (let block = 0; block < 10; block++) {
      player.render(4800);
      steps.push(player.positionFrames - last);
      last = player.positionFrames;
    }
    console.log(`  ${before} before, ${atSwitch} at the switch, then steps ${steps.join(" ")}`);
    assert.ok(
      Math.abs(atSwitch - before) <= 1,
      `the switch moved the position by ${atSwitch - before}`,
    );
    // Every block of 4800 real frames is 3840 song frames once the new tempo plays (the first
    // may still be partly at the old one: the callback takes the switch at a block boundary).
    for (const step of steps.slice(2)) assert.ok(Math.abs(step - 3840) <= 1, `step ${step}`);
    assert.ok(steps.every((step) => step >= 3840 - 1 && step <= 4800 + 1), `steps ${steps}`);
    player.pause();
  });
});

Deno.test("speed 0.9: LTC read by libltc carries song time (0.9 s of code per second)", async () => {
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    ltc: { fps: 25, output: 2 },
  });
  const dir = await Deno.makeTempDir({ prefix: "stemplay-songtime-" });
  try {
    await player.loadSong(await writeClickSong(dir, { speed: 0.9 }));
    const out = record(player, 5 * RATE, 1);
    const frames = await decodeLtc(out, RATE, 25);
    assert.ok(frames.length > 100, `${frames.length} frames decoded`);
    let worst = 0;
    for (const frame of frames) {
      assert.equal(frame.hours, 1);
      const code = frame.minutes * 60 + frame.seconds + frame.frames / 25;
      const heard = (frame.start / RATE) * 0.9; // the song time of the frame's first sample
      worst = Math.max(worst, Math.abs(code - heard));
    }
    console.log(`  ${frames.length} LTC frames, worst ${(worst * 1000).toFixed(2)} ms off`);
    assert.ok(worst < 1 / 25 + 0.002, `worst ${worst} s`);
    player.seek(4);
    const later = await decodeLtc(record(player, RATE / 2, 1), RATE, 25);
    const first = later[0];
    assert.equal(first.seconds, 4, JSON.stringify(first));
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
