/**
 * Varispeed (native/rt/varispeed_rt.c), rendered offline through the real callback: turned on
 * at 0 ppm it changes no sample; at ±1000 ppm (the ±0.1 % limit) the song runs that much fast or
 * slow, a 1 kHz tone comes out within -60 dB of the exact, analytically resampled tone, and a
 * ratio change mid-block leaves no step; beyond the limit it is refused.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { Varispeed } from "../src/control/sync_varispeed.ts";
import { RESULT } from "../src/native/native_constants.ts";

const RATE = 48000;
const HZ = 1000;
const AMPLITUDE = 0.5;

async function withTone(fn: (player: Player) => void | Promise<void>): Promise<void> {
  const player = await Player.open({ backend: "offline", sampleRate: RATE, channels: 2 });
  try {
    const tone = new Float32Array(RATE * 4);
    for (let i = 0; i < tone.length; i++) {
      tone[i] = AMPLITUDE * Math.sin(2 * Math.PI * HZ * i / RATE);
    }
    player.addTrack([tone]);
    await fn(player);
  } finally {
    await player.close();
  }
}

function renderLeft(player: Player, frames: number): Float32Array {
  return player.render(frames)[0];
}

Deno.test("varispeed: on at 0 ppm, every sample is unchanged", async () => {
  let plain: Float32Array = new Float32Array();
  await withTone((player) => {
    player.play();
    plain = renderLeft(player, 9000);
  });
  await withTone((player) => {
    new Varispeed(player).reset();
    player.play();
    const through = renderLeft(player, 9000);
    assert.deepEqual(through, plain);
    assert.equal(player.positionFrames, 9000 + 2, "two frames rendered ahead for the cubic");
  });
});

for (const ppm of [1000, -1000]) {
  Deno.test(`varispeed: at ${ppm} ppm the song runs ${ppm / 1e4} % off, the tone exact to -60 dB`, async () => {
    await withTone((player) => {
      const varispeed = new Varispeed(player);
      varispeed.reset();
      player.play();
      // The controller's own limit: a large error asks for exactly the most.
      assert.equal(varispeed.update(ppm > 0 ? -1000 : 1000, 0), ppm);
      const frames = RATE;
      const out = renderLeft(player, frames);
      const ratio = 1 + ppm * 1e-6;
      const advanced = player.positionFrames;
      console.log(`${ppm} ppm: ${frames} frames out, the song advanced ${advanced}`);
      assert.ok(Math.abs(advanced - frames * ratio) <= 3, `advanced ${advanced}`);
      let worst = 0;
      // A mono track on two outputs is panned equal-power: each output at -3 dB.
      const level = AMPLITUDE * Math.SQRT1_2;
      for (let j = 1; j < frames; j++) {
        const exact = level * Math.sin(2 * Math.PI * HZ * j * ratio / RATE);
        worst = Math.max(worst, Math.abs(out[j] - exact));
      }
      const db = 20 * Math.log10(worst / level);
      console.log(`worst error against the exact tone: ${db.toFixed(1)} dB`);
      assert.ok(db < -60, `error ${db.toFixed(1)} dB`);
    });
  });
}

Deno.test("varispeed: a ratio change between blocks leaves no step", async () => {
  await withTone((player) => {
    const varispeed = new Varispeed(player);
    varispeed.reset();
    player.play();
    const parts: Float32Array[] = [];
    for (let block = 0; block < 40; block++) {
      varispeed.update(block % 2 ? 1000 : -1000, 0); // -1000 ppm, +1000 ppm, ...
      parts.push(renderLeft(player, 480));
    }
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    // A sine's largest step between samples, at the fastest ratio, with a little room.
    const bound = AMPLITUDE * 2 * Math.PI * HZ * 1.001 / RATE * 1.01;
    let steepest = 0;
    for (let i = 1; i < out.length; i++) {
      steepest = Math.max(steepest, Math.abs(out[i] - out[i - 1]));
    }
    assert.ok(steepest <= bound, `step ${steepest} > ${bound}`);
  });
});

Deno.test("varispeed: beyond ±1000 ppm or not a number is refused", async () => {
  await withTone((player) => {
    for (const ppm of [1000.5, -2000, NaN, Infinity]) {
      assert.equal(
        player.native.sp_engine_set_varispeed(player.engine, ppm),
        RESULT.INVALID_ARGUMENT,
        `${ppm}`,
      );
    }
  });
});
