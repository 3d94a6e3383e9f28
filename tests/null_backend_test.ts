/**
 * The null backend runs the callback without hardware: position advances while playing (how
 * closely it follows the wall clock is printed), pause holds it, and `ended` fires.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { sleep } from "./support/wait.ts";

const RATE = 48000;

/** Waits until the callback has moved the position (a stream takes a moment to start). */
async function waitForMovement(player: Player) {
  const start = player.positionFrames;
  for (let i = 0; i < 200 && player.positionFrames === start; i++) await sleep(10);
  assert.notEqual(player.positionFrames, start, "the null device never started");
}

Deno.test("null backend: position advances while playing", async () => {
  await using player = await Player.open({
    backend: "null",
    sampleRate: RATE,
    channels: 2,
    blockFrames: 256,
  });
  player.addTrack([new Float32Array(RATE * 10)], { name: "silence" });
  player.play();
  await waitForMovement(player);
  const frames0 = player.positionFrames;
  const t0 = performance.now();
  await sleep(2000);
  const frames1 = player.positionFrames;
  const seconds = (performance.now() - t0) / 1000;
  const played = (frames1 - frames0) / RATE;
  // How close to the wall clock it runs depends on the machine's load, so it is printed, not
  // asserted (the soak and the monitor bench measure pacing).
  assert.ok(played > 0, "the position did not advance");
  console.log(
    `null backend: played ${played.toFixed(3)} s in ${seconds.toFixed(3)} s of wall clock`,
  );
  assert.equal(player.state, "playing");
});

Deno.test("null backend: pause holds the position, play resumes it", async () => {
  await using player = await Player.open({ backend: "null", sampleRate: RATE, blockFrames: 256 });
  player.addTrack([new Float32Array(RATE * 10)]);
  player.play();
  await waitForMovement(player);
  await sleep(200);
  player.pause();
  await sleep(100); // the fade-out and the request take a block or two
  assert.equal(player.state, "paused");
  const held = player.positionFrames;
  await sleep(300);
  assert.equal(player.positionFrames, held, "paused position moved");
  player.play();
  await sleep(300);
  assert.ok(player.positionFrames > held, "resumed");
});

Deno.test("null backend: 'ended' fires and `finished` resolves at the end", async () => {
  await using player = await Player.open({ backend: "null", sampleRate: RATE, blockFrames: 256 });
  player.addTrack([new Float32Array(RATE / 2).fill(0.1)]);
  let ended = 0;
  const states: string[] = [];
  player.addEventListener("ended", () => ended++);
  player.addEventListener("statechange", (e) => states.push((e as CustomEvent).detail));
  player.play();
  await player.finished;
  assert.equal(ended, 1);
  assert.equal(player.state, "ended");
  assert.equal(player.positionFrames, RATE / 2);
  assert.deepEqual(states, ["playing", "ended"]);
});

Deno.test("null backend: the device's defaults are used when none are given", async () => {
  await using player = await Player.open({ backend: "null" });
  assert.ok(player.sampleRate > 0);
  assert.ok(player.channels >= 2);
  assert.equal(player.blockFrames, 2048);
  assert.equal(player.trackCapacity, 128);
  assert.equal(player.offline, false);
  assert.match(player.backendName, /null/i);
});
