/**
 * Bad input to the Player: each gets a StemplayError with a code and a clear message, and
 * nothing that existed before changes (tracks, mix, transport).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { emptyFile, randomBytes, truncate, writeToneFiles } from "./support/fixtures.ts";
import { assertRejects } from "./support/rejects.ts";

async function offlineWithOneTrack() {
  const player = await Player.open({
    backend: "offline",
    channels: 4,
    blockFrames: 256,
    trackCapacity: 3,
  });
  const pad = player.addTrack([new Float32Array(48000).fill(0.25)], { name: "pad", route: [1] });
  player.play();
  player.render(512);
  return { player, pad };
}

/** What a player looks like from outside, to prove a failed call changed nothing. */
function snapshot(player: Player) {
  return {
    tracks: player.tracks.map((t) => [t.name, t.gain, t.route, t.muted, t.solo]),
    position: player.positionFrames,
    state: player.state,
  };
}

Deno.test("bad files are refused with the file named, and the mix plays on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-bad-" });
  const { player } = await offlineWithOneTrack();
  try {
    const tones = await writeToneFiles(dir, { seconds: 1 });
    const cases: Array<[string, string, RegExp]> = [
      [join(dir, "missing.wav"), "FILE_NOT_FOUND", /no such file/],
      [await emptyFile(join(dir, "empty.wav")), "EMPTY", /empty/],
      [
        await randomBytes(join(dir, "noise.wav"), 4096),
        "DECODE",
        /not an audio file stemplay can read/,
      ],
      [
        await randomBytes(join(dir, "noise.mp3"), 4096, 7),
        "DECODE",
        /not an audio file stemplay can read/,
      ],
      [await truncate(tones.wavS16, 100_000), "TRUNCATED", /truncated/],
      [dir, "IS_DIRECTORY", /folder/],
    ];
    for (const [path, code, message] of cases) {
      const before = snapshot(player);
      const error = await assertRejects(() => player.load(path), code, message);
      assert.equal(error.path, path);
      assert.deepEqual(snapshot(player), before, `${path} changed the player`);
      const out = player.render(256);
      assert.ok(out[0].every((x) => Math.abs(x - 0.25) < 1e-6), "the pad still plays");
    }
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a route to an output the device does not have is refused", async () => {
  const { player, pad } = await offlineWithOneTrack();
  const before = snapshot(player);
  await assertRejects(
    () => player.addTrack([new Float32Array(10)], { route: [5] }),
    "ROUTE",
    /route\[0\] is 5, but the device has outputs 1 to 4/,
  );
  await assertRejects(() => pad.route = [0], "ROUTE", /route\[0\] is 0/);
  await assertRejects(
    () => player.addTrack([new Float32Array(10), new Float32Array(10)], { route: [1, 2, 3] }),
    "ROUTE",
    /2-channel track routed to 3 outputs needs routeGains/,
  );
  assert.deepEqual(snapshot(player), before);
  assert.deepEqual(pad.route, [1]);
  await player.close();
});

Deno.test("more tracks than the capacity is refused and frees nothing in use", async () => {
  const { player } = await offlineWithOneTrack();
  player.addTrack([new Float32Array(10)]);
  player.addTrack([new Float32Array(10)]);
  const before = snapshot(player);
  await assertRejects(
    () => player.addTrack([new Float32Array(10)]),
    "CAPACITY",
    /all 3 slots are in use/,
  );
  assert.deepEqual(snapshot(player), before);
  await player.tracks[2].remove();
  player.addTrack([new Float32Array(10)], { name: "again" }); // the freed slot is reusable
  assert.equal(player.tracks.length, 3);
  await player.close();
});

Deno.test("bad options to open are refused before any device is touched", async () => {
  await assertRejects(
    () => Player.open({ backend: "null", sampleRate: 0 }),
    "INVALID_ARGUMENT",
    /sampleRate must be an integer from 8000/,
  );
  await assertRejects(
    () => Player.open({ backend: "null", channels: 33 }),
    "INVALID_ARGUMENT",
    /channels/,
  );
  await assertRejects(
    () => Player.open({ backend: "null", blockFrames: 1.5 }),
    "INVALID_ARGUMENT",
    /blockFrames/,
  );
  await assertRejects(
    () => Player.open({ backend: "null", trackCapacity: 0 }),
    "INVALID_ARGUMENT",
    /trackCapacity/,
  );
  await assertRejects(
    () => Player.open({ backend: "nosuchbackend" }),
    "NO_BACKEND",
    /nosuchbackend/,
  );
  await assertRejects(
    () => Player.open({ backend: "null", device: 99 }),
    "NO_SUCH_DEVICE",
    /no device 99/,
  );
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => Player.open({ backend: "null", recovery: "later" as any }),
    "INVALID_ARGUMENT",
    /recovery must be one of in-time, where-lost, paused/,
  );
});

Deno.test("bad values for a track are refused and the old value stays", async () => {
  const { player, pad } = await offlineWithOneTrack();
  await assertRejects(() => pad.gain = -1, "INVALID_ARGUMENT", /gain must be/);
  await assertRejects(() => pad.gain = NaN, "INVALID_ARGUMENT", /gain must be/);
  await assertRejects(() => pad.pan = 2, "ROUTE", /pan must be/);
  await assertRejects(() => player.seek(-1), "INVALID_ARGUMENT", /seek/);
  await assertRejects(() => player.addTrack([]), "INVALID_ARGUMENT", /1 to 32 Float32Arrays/);
  await assertRejects(
    () => player.addTrack([new Float32Array(3), new Float32Array(4)]),
    "INVALID_ARGUMENT",
    /channel 1 has 4 frames/,
  );
  assert.equal(pad.gain, 1);
  assert.equal(pad.pan, 0);
  await player.close();
});

Deno.test("render on a device player is refused", async () => {
  await using player = await Player.open({ backend: "null" });
  await assertRejects(() => player.render(10), "NOT_OFFLINE", /offline/);
});

Deno.test("calls after close are refused, and close is idempotent", async () => {
  const { player, pad } = await offlineWithOneTrack();
  await player.close();
  await player.close();
  assert.equal(player.closed, true);
  await assertRejects(() => player.play(), "CLOSED", /closed/);
  await assertRejects(() => player.render(10), "CLOSED", /closed/);
  await assertRejects(() => player.addTrack([new Float32Array(1)]), "CLOSED", /closed/);
  await assertRejects(() => player.load("x.wav"), "CLOSED", /closed/);
  await assertRejects(() => player.positionFrames, "CLOSED", /closed/);
  await assertRejects(() => pad.gain = 0.5, "CLOSED", /removed|closed/);
  assert.equal(pad.removed, true);
});
