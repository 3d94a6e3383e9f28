/**
 * The heartbeat (native/rt/heartbeat_rt.c), through the real callback offline: a 1 kHz tone at
 * the level asked for on its output, ramped in over 10 ms, continuous across blocks yet no two
 * blocks alike (a replayed buffer is told from a live one), the other outputs untouched; it
 * runs with the transport stopped (it says the engine runs, not that music plays), ramps out
 * when turned off, and a bad output or level is refused.
 */
import assert from "node:assert/strict";
import { Player, setHeartbeat, StemplayError } from "../mod.ts";

const RATE = 48000;
const BLOCK = 256;

Deno.test("heartbeat: a continuous 1 kHz tone on its output, no two blocks alike", async () => {
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    blockFrames: BLOCK,
  });
  try {
    setHeartbeat(player, { output: 2, level: 0.1 });
    const blocks: Float32Array[][] = [];
    for (let b = 0; b < 40; b++) blocks.push(player.render(BLOCK));
    const tone = new Float32Array(40 * BLOCK);
    blocks.forEach((block, b) => {
      assert.ok(block[0].every((x) => x === 0), "output 1 untouched (nothing plays)");
      tone.set(block[1], b * BLOCK);
    });
    // After the 10 ms ramp: exactly the tone, its phase running on across blocks.
    const ramp = RATE / 100;
    let worst = 0;
    for (let i = ramp + 1; i < tone.length; i++) {
      worst = Math.max(worst, Math.abs(tone[i] - 0.1 * Math.sin(2 * Math.PI * 1000 * i / RATE)));
    }
    assert.ok(worst < 1e-5, `off the exact tone by ${worst}`);
    assert.ok(Math.abs(tone[ramp >> 1]) <= 0.05 + 1e-6, "ramped in");
    for (let b = 1; b < blocks.length; b++) {
      assert.notDeepEqual(blocks[b][1], blocks[b - 1][1], `block ${b} repeats block ${b - 1}`);
    }
    setHeartbeat(player, undefined);
    const after = player.render(BLOCK * 4)[1];
    assert.ok(after.subarray(ramp).every((x) => x === 0), "off after its 10 ms ramp");
    assert.ok(Math.abs(after[0]) > 0, "ramped out, not cut");
  } finally {
    await player.close();
  }
});

Deno.test("heartbeat: a bad output or level is refused and changes nothing", async () => {
  const player = await Player.open({ backend: "offline", sampleRate: RATE, channels: 2 });
  try {
    for (
      const options of [{ output: 0 }, { output: 3 }, { output: 1.5 }, { output: 1, level: 2 }, {
        output: 1,
        level: 0,
      }]
    ) {
      assert.throws(
        () => setHeartbeat(player, options),
        (error: unknown) => error instanceof StemplayError && error.code === "INVALID_ARGUMENT",
      );
    }
    assert.ok(player.render(BLOCK).every((channel) => channel.every((x) => x === 0)));
  } finally {
    await player.close();
  }
});
