/**
 * What a bus delay costs the callback, as ratios against the same render without one: 16 stereo
 * tracks on FOH (outputs 1-2) and the in-ears (3-4), offline, 256-frame blocks; one iteration
 * renders 16,384 frames. "line at 0": FOH's delay line allocated, then set back to 0 (it still
 * records); "FOH 10 ms": one bus delayed; "both 10 ms": all four outputs delayed.
 *
 * @module
 */

import { Player } from "../mod.ts";

const RATE = 48000;
const WINDOW = 16384;
const TRACKS = 16;

async function rig(delays: { foh?: number; ears?: number; lineAtZero?: boolean }) {
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: 256,
    buses: {
      FOH: { outputs: [1, 2] },
      "in-ears": { outputs: [3, 4], protected: true },
    },
  });
  const frames = RATE * 10;
  for (let t = 0; t < TRACKS; t++) {
    const samples = Float32Array.from(
      { length: frames },
      (_, i) => Math.sin(i * (t + 1) * 1e-3) / 32,
    );
    player.addTrack([samples, samples], { name: `t${t}`, bus: t % 4 === 0 ? "in-ears" : "FOH" });
  }
  if (delays.lineAtZero) {
    player.bus("FOH").delayMs = 10;
    player.bus("FOH").delayMs = 0;
  }
  if (delays.foh) player.bus("FOH").delayMs = delays.foh;
  if (delays.ears) player.bus("in-ears").delayMs = delays.ears;
  player.play();
  player.render(RATE); // past the crossfade into the delay
  return player;
}

const variants = {
  "no delay": await rig({}),
  "line at 0": await rig({ lineAtZero: true }),
  "FOH 10 ms": await rig({ foh: 10 }),
  "both 10 ms": await rig({ foh: 10, ears: 10 }),
};

for (const [name, player] of Object.entries(variants)) {
  Deno.bench({
    name,
    group: `bus delay: ${TRACKS} stereo tracks, 4 outputs, ${WINDOW} frames`,
    baseline: name === "no delay",
    fn(b) {
      if (player.positionFrames > RATE * 9 - WINDOW) player.seekFrames(0);
      b.start();
      player.render(WINDOW);
      b.end();
    },
  });
}
