/**
 * Bus delays at their edges (a review of docs/bus_delay.md), in offline render, which runs the
 * callback's exact code: the first delay a bus is ever given while music plays (its line is
 * allocated then, with no past) never clicks; a bus of a closed player refuses changes instead
 * of writing into a freed engine.
 */
import assert from "node:assert/strict";
import { Player, StemplayError } from "../mod.ts";

const RATE = 48000;
const BLOCK = 256;

/** A 440 Hz sine at half scale; `phase` in radians at frame 0. */
function sine(frames: number, phase = 0): Float32Array {
  return Float32Array.from(
    { length: frames },
    (_, i) => 0.5 * Math.sin(2 * Math.PI * 440 * i / RATE + phase),
  );
}

function largestStep(x: Float32Array): number {
  let step = 0;
  for (let i = 1; i < x.length; i++) step = Math.max(step, Math.abs(x[i] - x[i - 1]));
  return step;
}

function joined(parts: Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

async function rig(signal: Float32Array) {
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: BLOCK,
    buses: { FOH: { outputs: [1, 2] }, "in-ears": { outputs: [3, 4], protected: true } },
  });
  player.addTrack([signal, signal], { name: "Band", bus: "FOH" });
  player.addTrack([signal, signal], { name: "Guide", bus: "in-ears" });
  return player;
}

for (const delayMs of [7.3, 250]) {
  Deno.test(`bus delay: the first delay ever given while playing (${delayMs} ms) does not click`, async () => {
    // A phase where the sine is near its peak at the change (not a zero crossing).
    const signal = sine(RATE * 2, 1.3);
    await using player = await rig(signal);
    const own = largestStep(signal);
    player.play();
    const before = player.render(RATE / 2 + 37);
    player.bus("FOH").delayMs = delayMs; // the bus's line is allocated now, mid-song
    const after = player.render(RATE);
    const foh = joined([before[0], after[0]]);
    const step = largestStep(foh);
    console.log(`  largest step ${step.toFixed(5)}, the sine's own ${own.toFixed(5)}`);
    assert.ok(step <= own * 1.1, `no click: largest step ${step} vs the sine's own ${own}`);
    let peak = 0;
    for (const x of foh) peak = Math.max(peak, Math.abs(x));
    assert.ok(peak <= 0.5 + 1e-6, `never louder than the music: peak ${peak}`);
    // Settled once the delayed tap has the line's past (the delay plus its fade): exact.
    const shift = Math.round(delayMs * RATE / 1000);
    const ears = joined([before[2], after[2]]);
    const from = before[0].length + shift + RATE / 20;
    for (let n = from; n < foh.length; n++) {
      if (!Object.is(foh[n], ears[n - shift])) assert.fail(`frame ${n} not ${shift} frames late`);
    }
  });
}

Deno.test("bus: a bus of a closed player refuses a delay or a gain (CLOSED), never reaching the freed engine", async () => {
  const player = await rig(sine(RATE));
  const foh = player.bus("FOH");
  foh.delayMs = 5;
  await player.close();
  for (
    const change of [() => (foh.delayMs = 12), () => (foh.gain = 0.5), () => (foh.gainDb = -3)]
  ) {
    assert.throws(
      change,
      (error: unknown) => error instanceof StemplayError && error.code === "CLOSED",
    );
  }
  assert.equal(foh.delayMs, 5, "unchanged");
  assert.equal(foh.gain, 1, "unchanged");
});

Deno.test("bus delay: given while the engine runs silent (a device opened with the profile), exact from the first note", async () => {
  // A device's callback runs from open, so a profile's delay reaches a line after blocks have
  // rendered (silence): the line's fade-in falls on that silence, and the music is exact.
  const signal = sine(RATE, 0.7);
  await using player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: BLOCK,
    buses: { FOH: { outputs: [1, 2] }, "in-ears": { outputs: [3, 4], protected: true } },
  });
  player.render(RATE / 10); // nothing plays yet
  player.bus("FOH").delayMs = 10;
  player.addTrack([signal, signal], { name: "Band", bus: "FOH" });
  player.addTrack([signal, signal], { name: "Guide", bus: "in-ears" });
  player.play();
  const out = player.render(RATE / 2);
  const start = out[2].findIndex((x) => x !== 0);
  assert.ok(start >= 0, "the in-ears play");
  for (let n = 0; n < out[0].length; n++) {
    const expected = n - 480 >= 0 ? out[2][n - 480] : 0;
    if (!Object.is(out[0][n], expected)) {
      assert.fail(`frame ${n}: FOH is not the in-ears 480 later`);
    }
  }
});
