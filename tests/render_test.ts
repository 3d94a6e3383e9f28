/**
 * Offline render against the reference model (tests/support/reference_mixer.ts): gains, pan
 * law, mute, solo, routing to 4 outputs, ramps, seek, end of song, tracks of different lengths
 * and channel counts. Max abs error 1e-6.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { ReferenceMixer, type ReferenceTrack } from "./support/reference_mixer.ts";
import { lcgNoise } from "./support/align.ts";

const RATE = 48000;
const BLOCK = 256;
const TOLERANCE = 1e-6;

function maxError(actual: Float32Array[], expected: Float32Array[]): number {
  let worst = 0;
  actual.forEach((channel, c) => {
    for (let i = 0; i < channel.length; i++) {
      worst = Math.max(worst, Math.abs(channel[i] - expected[c][i]));
    }
  });
  return worst;
}

function assertClose(actual: Float32Array[], expected: Float32Array[], what: string) {
  const error = maxError(actual, expected);
  assert.ok(error <= TOLERANCE, `${what}: max abs error ${error} > ${TOLERANCE}`);
}

const SQRT_HALF = Math.SQRT1_2;

/** A 4-output rig: mono click on 3, stereo pad on 1-2 with pan, guide on 4, and shapes that
 * exercise each routing rule, with the matrices written out from the rules by hand. */
async function rig() {
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: BLOCK,
    // One unprotected bus: these tests check the plain solo rules (the in-ears' exemption
    // has its own tests in buses_test.ts).
    buses: { all: { outputs: [1, 2, 3, 4] } },
  });
  const model = new ReferenceMixer(RATE, 4, BLOCK);
  const add = (
    pcm: Float32Array[],
    options: Parameters<Player["addTrack"]>[1],
    matrix: number[][],
  ) => {
    const track = player.addTrack(pcm, options);
    const ref: ReferenceTrack = {
      pcm,
      matrix,
      gain: options?.gain ?? 1,
      muted: options?.muted ?? false,
      solo: options?.solo ?? false,
    };
    model.tracks.push(ref);
    return { track, ref };
  };
  const click = add([lcgNoise(6000, 1)], { name: "click", gain: 0.8, route: [3] }, [[0, 0, 1, 0]]);
  const pad = add(
    [lcgNoise(9000, 2), lcgNoise(9000, 3)],
    { name: "pad", pan: -0.2, route: [1, 2] },
    [
      [1, 0, 0, 0],
      [0, 0.8, 0, 0],
    ],
  );
  const guide = add([lcgNoise(4000, 4)], { name: "guide", gain: 0.5, route: [4] }, [[0, 0, 0, 1]]);
  const angle = (0.5 + 1) * Math.PI / 4;
  const bass = add([lcgNoise(8000, 5)], { name: "bass", pan: 0.5, route: [1, 2] }, [
    [Math.cos(angle), Math.sin(angle), 0, 0],
  ]);
  const keys = add([lcgNoise(7000, 6), lcgNoise(7000, 7)], { name: "keys", route: [4] }, [
    [0, 0, 0, 0.5],
    [0, 0, 0, 0.5],
  ]);
  const center = add([lcgNoise(5000, 8)], { name: "center" }, [[SQRT_HALF, SQRT_HALF, 0, 0]]);
  const wide = add(
    [lcgNoise(3000, 9), lcgNoise(3000, 10), lcgNoise(3000, 11)],
    { name: "wide", route: [2, 3, 4] },
    [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
  );
  return { player, model, click, pad, guide, bass, keys, center, wide };
}

Deno.test("render: gains, pan law and routing to 4 outputs match the reference", async () => {
  const { player, model } = await rig();
  player.play();
  model.play();
  assertClose(player.render(10000), model.render(10000), "mix");
  // Output 4 sums four tracks past full scale: clamped, and counted like the model counts.
  assert.ok(model.clipped[3] > 0, "the rig clips output 4");
  assert.deepEqual(player.health.clipped, model.clipped);
  await player.close();
});

Deno.test("render: pan law values are the documented ones", async () => {
  await using player = await Player.open({ backend: "offline", channels: 2, blockFrames: BLOCK });
  const dc = new Float32Array(1024).fill(1);
  player.addTrack([dc], { route: [1, 2] }); // mono, pan 0: both at -3 dB
  player.play();
  const [left, right] = player.render(BLOCK);
  assert.ok(Math.abs(left[10] - SQRT_HALF) < TOLERANCE, `left ${left[10]}`);
  assert.ok(Math.abs(right[10] - SQRT_HALF) < TOLERANCE, `right ${right[10]}`);
  player.tracks[0].pan = 1; // hard right
  const after = player.render(2 * BLOCK);
  assert.ok(Math.abs(after[0][2 * BLOCK - 1]) < TOLERANCE, "left is silent at pan +1");
  assert.ok(Math.abs(after[1][2 * BLOCK - 1] - 1) < TOLERANCE, "right is unity at pan +1");
});

Deno.test("render: mute and solo follow the rules, ramped over one block", async () => {
  const { player, model, pad, guide, click } = await rig();
  player.play();
  model.play();
  assertClose(player.render(1000), model.render(1000), "before");
  pad.track.solo = true;
  pad.ref.solo = true;
  guide.track.solo = true;
  guide.ref.solo = true;
  assertClose(player.render(1500), model.render(1500), "two soloed");
  click.track.muted = true;
  click.ref.muted = true;
  pad.track.solo = false;
  pad.ref.solo = false;
  const out = player.render(2000);
  assertClose(out, model.render(2000), "one soloed, click muted");
  // Only the guide (output 4) is audible once the ramps are done.
  for (const o of [0, 1, 2]) {
    assert.ok(out[o].slice(BLOCK * 2).every((x) => x === 0), `output ${o + 1} silent`);
  }
  assert.ok(out[3].slice(BLOCK * 2).some((x) => x !== 0), "output 4 plays");
  await player.close();
});

Deno.test("render: a gain change ramps across exactly one block", async () => {
  await using player = await Player.open({ backend: "offline", channels: 2, blockFrames: BLOCK });
  const dc = new Float32Array(4 * BLOCK).fill(0.5);
  const track = player.addTrack([dc, dc], { gain: 1 });
  player.play();
  player.render(BLOCK);
  track.gain = 0.25;
  const [left] = player.render(BLOCK);
  const first = 0.5 * (1 + (0.25 - 1) * 1 / BLOCK);
  assert.ok(Math.abs(left[0] - first) < TOLERANCE, `first sample ${left[0]} != ${first}`);
  assert.ok(Math.abs(left[BLOCK - 1] - 0.125) < TOLERANCE, `last sample ${left[BLOCK - 1]}`);
  for (let i = 1; i < BLOCK; i++) assert.ok(left[i] < left[i - 1], "monotonic ramp");
  const [steady] = player.render(BLOCK);
  assert.ok(steady.every((x) => Math.abs(x - 0.125) < TOLERANCE), "holds the target");
});

Deno.test("render: master gain ramps and applies to every output", async () => {
  const { player, model } = await rig();
  player.play();
  model.play();
  player.render(700);
  model.render(700);
  player.masterGain = 0.3;
  model.masterGain = 0.3;
  assertClose(player.render(3000), model.render(3000), "master");
  await player.close();
});

Deno.test("render: seek while playing fades out, jumps and fades in", async () => {
  const { player, model } = await rig();
  player.play();
  model.play();
  assertClose(player.render(1200), model.render(1200), "before the seek");
  player.seekFrames(5000);
  model.seek(5000);
  const out = player.render(2000);
  assertClose(out, model.render(2000), "across the seek");
  assert.equal(player.positionFrames, model.position);
  await player.close();
});

Deno.test("render: seek while stopped, then play, fades in from the new place", async () => {
  const { player, model } = await rig();
  player.seekFrames(3000);
  model.seek(3000);
  assertClose(player.render(BLOCK), model.render(BLOCK), "stopped: silence");
  assert.equal(player.positionFrames, 3000);
  player.play();
  model.play();
  const out = player.render(1000);
  assertClose(out, model.render(1000), "fade-in");
  assert.equal(out[0][0] !== 0 && Math.abs(out[0][0]) < 0.01, true, "first frame is faded");
  await player.close();
});

Deno.test("render: pause holds the position and resumes with fades", async () => {
  const { player, model } = await rig();
  player.play();
  model.play();
  player.render(1000);
  model.render(1000);
  player.pause();
  model.pause();
  assertClose(player.render(1000), model.render(1000), "pause");
  const held = player.positionFrames;
  player.render(BLOCK);
  assert.equal(player.positionFrames, held, "position holds while paused");
  model.render(BLOCK);
  assert.equal(player.state, "paused");
  player.play();
  model.play();
  assertClose(player.render(1000), model.render(1000), "resume");
  await player.close();
});

Deno.test("render: the song ends with its longest track, then silence and 'ended'", async () => {
  const { player, model } = await rig();
  let endedEvents = 0;
  player.addEventListener("ended", () => endedEvents++);
  assert.equal(player.durationFrames, 9000);
  player.play();
  model.play();
  const out = player.render(12000);
  assertClose(out, model.render(12000), "to the end");
  assert.equal(player.state, "ended");
  assert.equal(player.positionFrames, 9000);
  assert.equal(endedEvents, 1);
  for (const channel of out) assert.ok(channel.slice(9000).every((x) => x === 0), "silence");
  // Shorter tracks went silent at their own ends: output 3 (click, 6000 frames, and wide's
  // channel 2 until 3000) is silent from 6000 on.
  assert.ok(out[2].slice(6000, 9000).every((x) => x === 0), "click ended at 6000");
  // play() after the end starts again from the top.
  player.play();
  player.render(BLOCK);
  assert.equal(player.state, "playing");
  assert.equal(player.positionFrames, BLOCK);
  await player.close();
});

Deno.test("render: stop rewinds to the start and reports stopped", async () => {
  const { player } = await rig();
  player.play();
  player.render(2000);
  player.stop();
  player.render(BLOCK * 2);
  assert.equal(player.state, "stopped");
  assert.equal(player.positionFrames, 0);
  await player.close();
});

Deno.test("render: removing a track takes it out of the mix", async () => {
  const { player, model, click } = await rig();
  player.play();
  model.play();
  player.render(500);
  model.render(500);
  await click.track.remove();
  model.tracks.splice(model.tracks.indexOf(click.ref), 1);
  // The removed track stops at once (no ramp: it is gone), so compare from the next block on.
  player.render(BLOCK - 500 % BLOCK);
  model.render(BLOCK - 500 % BLOCK);
  assertClose(player.render(2000), model.render(2000), "after removal");
  assert.equal(player.tracks.length, 6);
  assert.equal(click.track.removed, true);
  await player.close();
});
