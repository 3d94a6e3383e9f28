/**
 * Nothing a user does while playing clicks, through the public API on the offline render: the
 * largest sample-to-sample step of the output stays near the material's own largest step.
 * (native/tests/protocol.c checks the same in C, with the cases only C can time.)
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";

const RATE = 48000;

/** A 0.5 sine of `hz` Hz, `seconds` long (a non-integer frequency, so that a cut never lands
 * on a zero crossing by chance). */
function sine(hz: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin(2 * Math.PI * hz * i / RATE);
  return out;
}

/** The largest step of a sine of amplitude 0.5. */
const naturalStep = (hz: number) => 0.5 * 2 * Math.PI * hz / RATE;

/** The largest step of output 0 across renders (continuing from the last sample). */
class StepMeter {
  #last = 0;
  largest = 0;
  add(out: Float32Array[]): void {
    for (const sample of out[0]) {
      this.largest = Math.max(this.largest, Math.abs(sample - this.#last));
      this.#last = sample;
    }
  }
}

async function offline(blockFrames = 256): Promise<Player> {
  return await Player.open({ backend: "offline", sampleRate: RATE, channels: 2, blockFrames });
}

Deno.test("clicks: a track added while playing ramps in, and one removed ramps out", async () => {
  const player = await offline();
  try {
    player.addTrack([sine(223.1, 8)], { route: [1] });
    player.play();
    const meter = new StepMeter();
    meter.add(player.render(RATE / 2 + 77)); // mid-block, mid-waveform
    const added = player.addTrack([sine(437.3, 8)], { route: [1] });
    meter.add(player.render(RATE / 2));
    const material = naturalStep(223.1) + naturalStep(437.3);
    assert.ok(
      meter.largest <= material * 1.5,
      `adding: largest step ${meter.largest.toFixed(4)}, material ${material.toFixed(4)}`,
    );
    meter.add(player.render(101));
    await added.remove();
    meter.add(player.render(RATE / 2));
    assert.ok(
      meter.largest <= material * 1.5,
      `removing: largest step ${meter.largest.toFixed(4)}, material ${material.toFixed(4)}`,
    );
  } finally {
    await player.close();
  }
});

Deno.test("clicks: play() during a fade-out turns it around without a jump", async () => {
  const player = await offline();
  try {
    player.addTrack([sine(437.3, 8)], { route: [1] });
    player.play();
    const meter = new StepMeter();
    meter.add(player.render(RATE / 2));
    player.fadeOut(1);
    meter.add(player.render(RATE / 2));
    player.play();
    meter.add(player.render(RATE / 2));
    const material = naturalStep(437.3);
    assert.ok(
      meter.largest <= material * 1.5,
      `largest step ${meter.largest.toFixed(4)}, material ${material.toFixed(4)}`,
    );
    assert.equal(player.state, "playing");
  } finally {
    await player.close();
  }
});

Deno.test("clicks: the meters show what reaches the outputs (after the master gain)", async () => {
  const player = await offline();
  try {
    player.addTrack([sine(437.3, 8)], { route: [1] });
    player.metering = true;
    player.masterGain = 0.25;
    player.play();
    player.render(RATE / 2);
    player.readPeaks();
    const out = player.render(RATE / 4);
    const outputPeak = out[0].reduce((peak, sample) => Math.max(peak, Math.abs(sample)), 0);
    const [meter] = player.readPeaks();
    assert.ok(Math.abs(meter - outputPeak) < 0.005, `meter ${meter}, output peak ${outputPeak}`);
  } finally {
    await player.close();
  }
});
