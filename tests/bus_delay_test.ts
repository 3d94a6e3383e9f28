/**
 * Per-bus delay (issue 26, "Offsets"), checked in offline render, which runs the callback's
 * exact code: a bus with `delayMs` D plays exactly round(D × rate / 1000) frames after an
 * undelayed bus carrying the same signal, bit for bit; delay 0 is today's output bit for bit;
 * a change while playing crossfades (no step larger than the music's own) and then is exact
 * again; bad values name their key and change nothing.
 */
import assert from "node:assert/strict";
import { Player, StemplayError } from "../mod.ts";
import { checkBusProfile } from "../src/engine/buses.ts";
import { parseSettings } from "../src/cli/settings.ts";
import { readStatus } from "../src/control/status.ts";
import { lcgNoise } from "./support/align.ts";

const BLOCK = 256;

/** Deterministic noise in [-0.5, 0.5): every frame differs, so a shift is unambiguous. */
function sine(frames: number, rate: number, hz: number): Float32Array {
  return Float32Array.from(
    { length: frames },
    (_, i) => 0.5 * Math.sin(2 * Math.PI * hz * i / rate),
  );
}

/** FOH (maybe delayed) and in-ears (never delayed) each get the same stereo signal. */
async function rig(rate: number, signal: Float32Array, fohDelayMs?: number) {
  const player = await Player.open({
    backend: "offline",
    sampleRate: rate,
    channels: 4,
    blockFrames: BLOCK,
    buses: {
      FOH: { outputs: [1, 2], ...(fohDelayMs === undefined ? {} : { delayMs: fohDelayMs }) },
      "in-ears": { outputs: [3, 4], protected: true },
    },
  });
  player.addTrack([signal, signal], { name: "Band", bus: "FOH" });
  player.addTrack([signal, signal], { name: "Guide", bus: "in-ears" });
  return player;
}

/** The first frame where a differs from b shifted by `shift` (b[n - shift], 0 before), or -1. */
function firstMismatch(a: Float32Array, b: Float32Array, shift: number, from = 0): number {
  for (let n = from; n < a.length; n++) {
    const expected = n - shift >= 0 ? b[n - shift] : 0;
    if (!Object.is(a[n], expected)) return n;
  }
  return -1;
}

function largestStep(x: Float32Array): number {
  let step = 0;
  for (let i = 1; i < x.length; i++) step = Math.max(step, Math.abs(x[i] - x[i - 1]));
  return step;
}

for (const rate of [48000, 44100]) {
  for (const delayMs of [0.5, 10.01, 250, 1000]) {
    Deno.test(`bus delay: ${delayMs} ms at ${rate} Hz lands exactly round(ms × rate / 1000) frames late`, async () => {
      const frames = Math.round(rate * 1.2);
      await using player = await rig(rate, lcgNoise(frames, 7), delayMs);
      assert.equal(player.bus("FOH").delayMs, delayMs);
      player.play();
      const out = player.render(frames);
      const shift = Math.round(delayMs * rate / 1000);
      console.log(`  ${delayMs} ms at ${rate} Hz: ${shift} frames`);
      assert.ok(out[2].some((x) => x !== 0), "the in-ears play");
      for (const output of [0, 1]) {
        const at = firstMismatch(out[output], out[2], shift);
        assert.equal(
          at,
          -1,
          `output ${output + 1} is the in-ears ${shift} frames later (differs at ${at})`,
        );
      }
      assert.equal(firstMismatch(out[3], out[2], 0), -1, "the in-ears are not delayed");
    });
  }
}

Deno.test("bus delay: 0 (given, or set back before playing) is today's output bit for bit", async () => {
  const rate = 48000;
  const frames = rate;
  const signal = lcgNoise(frames, 11);
  const renders: Float32Array[][] = [];
  for (const variant of ["none", "zero", "back to zero"]) {
    await using player = await rig(rate, signal, variant === "none" ? undefined : 0);
    if (variant === "back to zero") {
      player.bus("FOH").delayMs = 300; // allocates the bus's delay line
      player.bus("FOH").delayMs = 0;
    }
    player.play();
    renders.push(player.render(frames));
  }
  for (const render of renders.slice(1)) {
    for (let output = 0; output < 4; output++) {
      assert.equal(
        firstMismatch(render[output], renders[0][output], 0),
        -1,
        `output ${output + 1}`,
      );
    }
  }
});

Deno.test("bus delay: a change while playing crossfades without a click, then is exact", async () => {
  const rate = 48000;
  const frames = rate * 3;
  const signal = sine(frames, rate, 440);
  await using player = await rig(rate, signal);
  const foh = player.bus("FOH");
  const own = largestStep(signal);
  player.play();
  const parts: Float32Array[][] = [player.render(rate / 2)];
  foh.delayMs = 7.3; // 350.4 frames: 350
  parts.push(player.render(rate / 2));
  foh.delayMs = 20;
  parts.push(player.render(BLOCK / 2));
  foh.delayMs = 3; // before the last crossfade ended
  parts.push(player.render(rate / 2 - BLOCK / 2));
  foh.delayMs = 0;
  parts.push(player.render(rate / 2));
  const joined = (output: number) => {
    const all = new Float32Array(parts.reduce((n, part) => n + part[output].length, 0));
    let at = 0;
    for (const part of parts) {
      all.set(part[output], at);
      at += part[output].length;
    }
    return all;
  };
  const fohOut = joined(0);
  const ears = joined(2);
  const step = largestStep(fohOut);
  console.log(`  largest step ${step.toFixed(5)}, the sine's own ${own.toFixed(5)}`);
  assert.ok(step <= own * 1.1, `no click: largest step ${step} vs the sine's own ${own}`);
  // Settled: after the first change, and after the last (back to 0).
  const settled = (start: number, end: number, shift: number) => {
    for (let n = start; n < end; n++) {
      if (!Object.is(fohOut[n], ears[n - shift])) return n;
    }
    return -1;
  };
  assert.equal(settled(rate / 2 + rate / 8, rate, 350), -1, "7.3 ms: 350 frames late");
  assert.equal(settled(rate + rate / 8, rate * 1.5, 144), -1, "then 3 ms: 144 frames late");
  assert.equal(settled(rate * 1.5 + rate / 8, rate * 2, 0), -1, "back to 0: the undelayed signal");
});

Deno.test("bus delay: bad values name the key and change nothing", async () => {
  for (const bad of [-1, 1000.5, "5", Number.NaN, Infinity, true]) {
    assert.throws(
      () => checkBusProfile({ FOH: { outputs: [1, 2], delayMs: bad } }, "buses"),
      (error: unknown) =>
        error instanceof StemplayError && error.code === "BUSES" &&
        error.message.includes("buses.FOH.delayMs") && error.message.includes("0 to 1000"),
      `delayMs ${String(bad)}`,
    );
  }
  assert.deepEqual(checkBusProfile({ FOH: { outputs: [1, 2], delayMs: 12.5 } }), {
    FOH: { outputs: [1, 2], protected: false, delayMs: 12.5 },
  });
  assert.throws(
    () => parseSettings({ buses: { FOH: { outputs: [1, 2], delayMs: 2000 } } }, "stemplay.json"),
    (error: unknown) =>
      error instanceof StemplayError && error.code === "SETTINGS" &&
      error.message.includes("buses.FOH.delayMs"),
  );
  assert.deepEqual(
    parseSettings({ buses: { FOH: { outputs: [1, 2], delayMs: 40 } } }, "stemplay.json").buses,
    { FOH: { outputs: [1, 2], protected: false, delayMs: 40 } },
  );

  const rate = 48000;
  await using player = await rig(rate, lcgNoise(rate, 3), 5);
  const foh = player.bus("FOH");
  for (const bad of [-3, 1001, Number.NaN]) {
    assert.throws(
      () => {
        foh.delayMs = bad;
      },
      (error: unknown) =>
        error instanceof StemplayError && error.code === "INVALID_ARGUMENT" &&
        error.message.includes('bus "FOH" delayMs'),
    );
  }
  assert.equal(foh.delayMs, 5, "unchanged");
  assert.deepEqual(
    readStatus(player).buses.map((bus) => [bus.name, bus.delayMs]),
    [["FOH", 5], ["in-ears", 0]],
    "the status shows each bus's delay",
  );
  player.play();
  const out = player.render(rate / 2);
  assert.equal(firstMismatch(out[0], out[2], 240), -1, "still 5 ms (240 frames) late");
});
