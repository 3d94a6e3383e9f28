/**
 * Levels are a safety matter (issue 21 item 4): no gain stage from the API, an action or a song
 * file goes above +12 dB (MAX_GAIN_DB), a refused gain leaves everything as it was, and every
 * output is clamped to ±1.0 after the master gain, the clamped samples counted per output in
 * `health.clipped`. (The OSC path is in tests/osc_test.ts, against oscsend.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  dispatch,
  MAX_GAIN,
  MAX_GAIN_DB,
  Player,
  type PlayerHealth,
  StemplayError,
} from "../mod.ts";
import { healthLine } from "../src/cli/health_line.ts";
import { waitFor } from "./support/wait.ts";
import {
  assertUntouched,
  playerPlayingOldSong,
  snapshot,
  writeManifest,
  writeStems,
} from "./support/songs.ts";

const BLOCK = 256;

function refused(code: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

/** The range every refusal names. */
const RANGE = /\+12 dB/;

function dc(value: number, frames = 8 * BLOCK): Float32Array {
  return new Float32Array(frames).fill(value);
}

async function offline(channels = 4): Promise<Player> {
  return await Player.open({ backend: "offline", channels, blockFrames: BLOCK });
}

Deno.test("levels: the ceiling is one constant, +12 dB (linear 3.981)", () => {
  assert.equal(MAX_GAIN_DB, 12);
  assert.ok(Math.abs(MAX_GAIN - 3.981071705534972) < 1e-12, String(MAX_GAIN));
});

Deno.test("levels: a hot mix is clamped to exactly ±1.0 per output and counted in health.clipped", async () => {
  await using player = await offline();
  // 0.9 at +12 dB is 3.58 on output 1, -3.58 on output 2; output 3 carries 0.1 at +12 dB,
  // 0.398: not clipped.
  player.addTrack([dc(0.9)], { name: "hot", gainDb: MAX_GAIN_DB, route: [1] });
  player.addTrack([dc(-0.9)], { name: "cold", gainDb: MAX_GAIN_DB, route: [2] });
  player.addTrack([dc(0.1)], { name: "quiet", gainDb: MAX_GAIN_DB, route: [3] });
  assert.deepEqual(player.health.clipped, [0, 0, 0, 0], "nothing clipped before playing");
  player.play();
  const frames = 4 * BLOCK;
  const out = player.render(frames);
  for (let i = 0; i < frames; i++) {
    if (out[0][i] !== 1 || out[1][i] !== -1) {
      assert.fail(`frame ${i}: output 1 ${out[0][i]}, output 2 ${out[1][i]}; want exactly ±1.0`);
    }
  }
  assert.ok(Math.abs(out[2][100] - 0.1 * MAX_GAIN) < 1e-6, `output 3 untouched: ${out[2][100]}`);
  assert.deepEqual(player.health.clipped, [frames, frames, 0, 0]);

  // Master at +12 dB makes output 3 hot too (0.398 x 3.98 = 1.58): the clamp is after it.
  // The master ramps across the first block, so only some of that block's frames clip.
  player.masterGain = MAX_GAIN;
  const hot = player.render(2 * BLOCK);
  assert.equal(hot[2][2 * BLOCK - 1], 1);
  const clipped = player.health.clipped;
  assert.equal(clipped[0], frames + 2 * BLOCK);
  assert.ok(clipped[2] > BLOCK && clipped[2] <= 2 * BLOCK, `output 3 clipped ${clipped[2]}`);
  assert.equal(clipped[3], 0);
  for (const channel of hot) {
    for (const sample of channel) assert.ok(Math.abs(sample) <= 1, `sample ${sample}`);
  }
});

Deno.test("levels: the API refuses gains above +12 dB, NaN and Infinity, and nothing changes", async () => {
  await using player = await offline();
  const pad = player.addTrack([dc(0.25), dc(0.25)], { name: "pad", gainDb: -6, route: [1, 2] });
  const inEars = player.bus("in-ears");
  inEars.gainDb = -3;
  player.masterGain = 0.5;
  player.play();
  player.render(BLOCK); // the gains set above ramp in across this block
  const reference = player.render(BLOCK);

  const invalid = refused("INVALID_ARGUMENT", RANGE);
  assert.throws(() => pad.gainDb = 13, invalid);
  assert.throws(() => pad.gain = 4, invalid);
  assert.throws(() => pad.gain = 1000, invalid);
  assert.throws(() => inEars.gainDb = 13, invalid);
  assert.throws(() => inEars.gain = 1000, invalid);
  assert.throws(() => player.masterGain = 4, invalid);
  assert.throws(() => pad.routeGains = [[4.0, 0, 0, 0], [0, 1, 0, 0]], invalid);
  assert.throws(() => pad.routeGains = [[1, 0, 0, 0], [0, -4.0, 0, 0]], invalid);
  assert.throws(() => player.addTrack([dc(0.1)], { gainDb: 13 }), invalid);
  assert.throws(() => player.addTrack([dc(0.1)], { routeGains: [[0, 0, 4, 0]] }), invalid);
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(() => pad.gain = bad, refused("INVALID_ARGUMENT", /gain/i));
    assert.throws(
      () => pad.gainDb = bad === -Infinity ? NaN : bad,
      refused("INVALID_ARGUMENT", /gain/i),
    );
    assert.throws(() => inEars.gain = bad, refused("INVALID_ARGUMENT", /gain/i));
    assert.throws(() => player.masterGain = bad, refused("INVALID_ARGUMENT", /gain/i));
  }

  assert.ok(Math.abs(pad.gainDb - -6) < 1e-9, `pad ${pad.gainDb}`);
  assert.deepEqual(pad.route, [1, 2]);
  assert.equal(pad.routeGains, undefined);
  assert.ok(Math.abs(inEars.gainDb - -3) < 1e-9, `in-ears ${inEars.gainDb}`);
  assert.equal(player.masterGain, 0.5);
  assert.equal(player.tracks.length, 1);
  // The engine got nothing either: the next block sounds exactly like the last.
  assert.deepEqual(player.render(BLOCK), reference);

  // Exactly +12 dB is allowed everywhere.
  pad.gainDb = MAX_GAIN_DB;
  inEars.gain = MAX_GAIN;
  player.masterGain = MAX_GAIN;
  pad.routeGains = [[MAX_GAIN, 0, 0, 0], [0, -MAX_GAIN, 0, 0]];
  assert.ok(Math.abs(pad.gainDb - 12) < 1e-9);
});

Deno.test("levels: gain actions above +12 dB are INVALID_ACTION naming the range; steps stop there", async () => {
  await using player = await offline();
  const keys = player.addTrack([dc(0.1, 48000)], { name: "Keys", gainDb: 10 });
  const inEars = player.bus("in-ears");
  const invalid = refused("INVALID_ACTION", RANGE);
  await assert.rejects(dispatch(player, { type: "busGain", bus: "in-ears", gainDb: 13 }), invalid);
  await assert.rejects(dispatch(player, { type: "busGain", bus: "in-ears", gain: 1000 }), invalid);
  await assert.rejects(dispatch(player, { type: "trackGain", track: "Keys", gainDb: 60 }), invalid);
  await assert.rejects(dispatch(player, { type: "trackGain", track: "Keys", gain: 4 }), invalid);
  for (const bad of [NaN, Infinity]) {
    await assert.rejects(
      dispatch(player, { type: "busGain", bus: "in-ears", gainDb: bad }),
      refused("INVALID_ACTION", /gainDb/),
    );
  }
  assert.equal(inEars.gain, 1);
  assert.ok(Math.abs(keys.gainDb - 10) < 1e-9);

  // Stepping up stops at the ceiling (the up key pressed again and again).
  await dispatch(player, { type: "trackGain", track: "Keys", stepDb: 6 });
  assert.ok(Math.abs(keys.gainDb - MAX_GAIN_DB) < 1e-9, `keys ${keys.gainDb}`);
  await dispatch(player, { type: "trackGain", track: "Keys", stepDb: 6 });
  assert.ok(Math.abs(keys.gainDb - MAX_GAIN_DB) < 1e-9, `keys ${keys.gainDb}`);
  const result = await dispatch(player, { type: "busGain", bus: "in-ears", gainDb: 12 });
  assert.match(result.message, /\+12\.0 dB/);
});

Deno.test("levels: a song.json above +12 dB is MANIFEST naming the key path; the old song plays on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-levels-" });
  const player = await playerPlayingOldSong(dir);
  try {
    const folder = await writeStems(join(dir, "loud"), [
      { file: "click.wav", channels: 1 },
      { file: "pads.wav" },
    ]);
    const song = (second: Record<string, unknown>) =>
      writeManifest(folder, {
        title: "Loud",
        tracks: [{ file: "click.wav" }, { file: "pads.wav", ...second }],
      });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ gainDb: 13 }, /tracks\[2\]\.gainDb: .*\+12 dB.*got 13/],
      [{ gain: 4 }, /tracks\[2\]\.gain: .*\+12 dB.*got 4/],
      [{ gain: 1000 }, /tracks\[2\]\.gain: .*\+12 dB/],
      [
        { routeGains: [[4, 0, 0, 0], [0, 1, 0, 0]] },
        /tracks\[2\]\.routeGains\[0\]\[0\]: .*\+12 dB/,
      ],
    ];
    for (const [track, pattern] of cases) {
      const manifest = await song(track);
      const before = snapshot(player);
      await assert.rejects(player.loadSong(manifest), (error: unknown) => {
        assert.ok(error instanceof StemplayError, String(error));
        assert.equal(error.code, "MANIFEST", error.message);
        assert.match(error.message, pattern);
        return true;
      });
      assertUntouched(player, before);
    }
    // At the ceiling it loads.
    await player.loadSong(await song({ gainDb: 12 }));
    assert.ok(Math.abs(player.tracks[1].gainDb - 12) < 1e-9);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("levels: the health line says which outputs clipped, and nothing while none has", () => {
  const health: PlayerHealth = {
    status: "ok",
    losses: 0,
    recoveries: 0,
    overruns: 0,
    starved: 0,
    starvedFiles: [],
    clipped: [0, 0, 0, 0],
    lastError: null,
    nextRetryAt: null,
  };
  assert.doesNotMatch(healthLine(health, 0), /CLIPPED/);
  const line = healthLine({ ...health, clipped: [0, 0, 1024, 7] }, 0);
  assert.match(line, /^health: ok .*CLIPPED out 3: 1024, out 4: 7$/);
});

Deno.test("levels: a device player's health counts clipping too (null backend)", async () => {
  await using player = await Player.open({ backend: "null", channels: 2, blockFrames: BLOCK });
  player.addTrack([dc(0.5, 48000)], { name: "hot", gainDb: MAX_GAIN_DB, route: [2] });
  assert.equal(player.health.status, "ok");
  assert.deepEqual(player.health.clipped, [0, 0]);
  player.play();
  await waitFor("output 2 to clip", () => player.health.clipped[1] > 0);
  assert.equal(player.health.clipped[0], 0);
});

Deno.test("levels: a fader at its top sends +12 dB as a 32-bit float, and that is the ceiling", async () => {
  // OSC floats are 32 bits: the nearest one to 3.98107170553 is 3.98107171059, a hair above.
  await using player = await offline();
  const top = Math.fround(MAX_GAIN);
  assert.ok(top > MAX_GAIN);
  const keys = player.addTrack([dc(0.1, 48000)], { name: "Keys" });
  await dispatch(player, { type: "busGain", bus: "in-ears", gain: top });
  await dispatch(player, { type: "trackGain", track: "Keys", gain: top });
  assert.equal(player.bus("in-ears").gain, MAX_GAIN, "stored as the ceiling itself");
  assert.equal(keys.gain, MAX_GAIN);
  keys.gain = top;
  assert.equal(keys.gain, MAX_GAIN);
  // The next float up is over the ceiling, and refused.
  const above = top + 2 ** -21;
  await assert.rejects(
    dispatch(player, { type: "busGain", bus: "in-ears", gain: above }),
    refused("INVALID_ACTION", RANGE),
  );
});
