/**
 * Buses, checked in offline render: the in-ears bus ignores solo and show fades in the
 * callback, has its own gain, a bus the device lacks mutes its tracks (never folded into FOH),
 * folder songs guess the bus from file names, and bad profiles and song buses say what is
 * wrong.
 */
import assert from "node:assert/strict";
import { Player, StemplayError } from "../mod.ts";
import { checkBusProfile } from "../src/engine/buses.ts";
import { writeManifest, writeStems } from "./support/songs.ts";

const RATE = 48000;
const BLOCK = 256;
const RIG = {
  "FOH": { outputs: [1, 2] },
  "in-ears": { outputs: [3, 4], protected: true },
};

/** A constant (DC) signal: every output sample tells the gain it went through. */
const dc = (value: number, frames: number) => new Float32Array(frames).fill(value);

Deno.test("buses: soloing a music stem never silences the in-ears; a show fade skips them", async () => {
  await using player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: BLOCK,
    buses: RIG,
  });
  const frames = RATE * 4;
  const bass = player.addTrack([dc(0.5, frames), dc(0.5, frames)], { name: "Bass", bus: "FOH" });
  const keys = player.addTrack([dc(0.25, frames), dc(0.25, frames)], { name: "Keys", bus: "FOH" });
  const click = player.addTrack([dc(0.4, frames)], { name: "Click", bus: "in-ears" });
  assert.deepEqual([bass.bus, keys.bus, click.bus], ["FOH", "FOH", "in-ears"]);
  assert.deepEqual(click.route, [3, 4], "a mono track on a two-output bus plays on both");
  player.play();
  const before = player.render(BLOCK * 4);
  const clickLevel = before[2][BLOCK * 3];
  assert.ok(clickLevel > 0.25, `the click is on output 3 (${clickLevel})`);
  assert.equal(before[0][BLOCK * 3], 0.75, "FOH carries bass and keys");

  bass.solo = true;
  const soloed = player.render(BLOCK * 4);
  assert.equal(soloed[0][BLOCK * 3], 0.5, "keys silenced by the bass solo");
  assert.equal(soloed[2][BLOCK * 3], clickLevel, "the click untouched on output 3");
  assert.equal(soloed[3][BLOCK * 3], clickLevel, "and on output 4");

  player.fadeOut(0.5);
  const fading = player.render(RATE / 4); // halfway through the fade
  assert.ok(fading[0][RATE / 4 - 1] < 0.45, `FOH fades (${fading[0][RATE / 4 - 1]})`);
  assert.ok(
    fading[2].every((x) => x === clickLevel),
    "the in-ears keep full level through the fade",
  );
  assert.ok(fading[3].every((x) => x === clickLevel));
});

Deno.test("buses: player.bus(name).gain ramps that bus's outputs only; unknown names are refused", async () => {
  await using player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: BLOCK,
    buses: RIG,
  });
  const frames = RATE;
  player.addTrack([dc(0.5, frames), dc(0.5, frames)], { name: "Pad", bus: "FOH" });
  player.addTrack([dc(0.5, frames), dc(0.5, frames)], { name: "Guide", bus: "in-ears" });
  player.play();
  player.render(BLOCK);
  const inEars = player.bus("in-ears");
  assert.equal(inEars.protected, true);
  assert.deepEqual(inEars.outputs, [3, 4]);
  inEars.gainDb = -6;
  const ramp = player.render(BLOCK);
  for (let i = 1; i < BLOCK; i++) assert.ok(ramp[2][i] <= ramp[2][i - 1], "ramped down, no step");
  const [foh, , ear] = player.render(BLOCK);
  assert.ok(Math.abs(ear[0] - 0.5 * 10 ** (-6 / 20)) < 1e-6, `in-ears at -6 dB (${ear[0]})`);
  assert.equal(foh[0], 0.5, "FOH unchanged");
  assert.throws(() => player.bus("monitors"), (error: unknown) => {
    assert.ok(error instanceof StemplayError);
    assert.equal(error.code, "BUS");
    assert.match(error.message, /no bus named "monitors" \(buses: "FOH", "in-ears"\)/);
    return true;
  });
});

Deno.test("buses: on a 2-output device the in-ears have no outputs: their tracks are muted, never folded into FOH, and it is said loudly", async () => {
  await using player = await Player.open({ backend: "offline", channels: 2, blockFrames: BLOCK });
  assert.equal(player.bus("in-ears").available, false);
  const frames = RATE / 2;
  player.addTrack([dc(0.5, frames)], { name: "Click", bus: "in-ears" });
  player.addTrack([dc(0.25, frames), dc(0.25, frames)], { name: "Bass", bus: "FOH" });
  player.play();
  const [left, right] = player.render(BLOCK * 2);
  assert.equal(left[BLOCK], 0.25, "only the bass on output 1");
  assert.equal(right[BLOCK], 0.25, "only the bass on output 2");
  assert.deepEqual(player.busProblems, [
    'BUS "in-ears" HAS NO OUTPUTS: it needs outputs 3-4, the device has 1-2. MUTED: Click',
  ]);
});

Deno.test("buses: a folder song guesses in-ears from click, guide, cue and count in file names", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-buses-" });
  try {
    await writeStems(dir, [
      { file: "01 Click.wav", channels: 1 },
      { file: "02 Guide.wav", channels: 1 },
      { file: "03 Cues.wav", channels: 1 },
      { file: "04 Count.wav", channels: 1 },
      { file: "05 Bass.wav" },
      { file: "06 Keys.wav" },
    ]);
    await using player = await Player.open({ backend: "offline", channels: 4, buses: RIG });
    await player.loadSong(dir);
    assert.deepEqual(player.tracks.map((t) => [t.name, t.bus, t.busGuessed]), [
      ["01 Click", "in-ears", true],
      ["02 Guide", "in-ears", true],
      ["03 Cues", "in-ears", true],
      ["04 Count", "in-ears", true],
      ["05 Bass", "FOH", true],
      ["06 Keys", "FOH", true],
    ]);
    assert.deepEqual(player.tracks[0].route, [3, 4]);
    assert.deepEqual(player.tracks[4].route, [1, 2]);
    // A profile with other names: the first protected / unprotected bus.
    await using other = await Player.open({
      backend: "offline",
      channels: 4,
      buses: { mains: { outputs: [1, 2] }, iem: { outputs: [3, 4], protected: true } },
    });
    await other.loadSong(dir);
    assert.deepEqual(other.tracks.map((t) => t.bus), [
      "iem",
      "iem",
      "iem",
      "iem",
      "mains",
      "mains",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buses: song.json bus: named, checked against the profile, with a route besides it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-buses-" });
  try {
    await writeStems(dir, [{ file: "click.wav", channels: 1 }, { file: "bass.wav" }]);
    await using player = await Player.open({ backend: "offline", channels: 4, buses: RIG });
    await writeManifest(dir, {
      tracks: [{ file: "click.wav", bus: "in-ears", route: [4] }, { file: "bass.wav", bus: "FOH" }],
    });
    await player.loadSong(dir);
    assert.deepEqual(player.tracks.map((t) => [t.bus, t.route]), [["in-ears", [4]], ["FOH", [
      1,
      2,
    ]]]);

    await writeManifest(dir, { tracks: [{ file: "click.wav", bus: "ears" }] });
    await assert.rejects(player.loadSong(dir), (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "MANIFEST");
      assert.match(
        error.message,
        /tracks\[1\]\.bus: no bus "ears" in the rig profile \(buses: FOH, in-ears;/,
      );
      return true;
    });
    await writeManifest(dir, { tracks: [{ file: "click.wav", bus: "in-ears", route: [1] }] });
    await assert.rejects(
      player.loadSong(dir),
      /tracks\[1\]\.bus: route output 1 is not on bus "in-ears" \(outputs 3-4\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buses: a route-only track inside the in-ears' outputs is protected too; the generated click goes to the in-ears", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-buses-" });
  try {
    await writeStems(dir, [{ file: "guide.wav", channels: 1 }, { file: "bass.wav" }]);
    await writeManifest(dir, {
      tempo: 120,
      generateClick: true,
      tracks: [{ file: "guide.wav", route: [3] }, { file: "bass.wav", route: [1, 2] }],
    });
    await using player = await Player.open({ backend: "offline", channels: 4, buses: RIG });
    await player.loadSong(dir);
    assert.deepEqual(player.tracks.map((t) => [t.name, t.bus]), [
      ["guide", "in-ears"],
      ["bass", "FOH"],
      ["click", "in-ears"],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buses: a bad profile names the key", () => {
  const refused = (value: unknown, pattern: RegExp) =>
    assert.throws(() => checkBusProfile(value, "stemplay.json: buses"), (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "BUSES");
      assert.match(error.message, pattern);
      return true;
    });
  refused([1, 2], /stemplay\.json: buses: must be an object of bus names/);
  refused({ FOH: { outputs: [] } }, /buses\.FOH\.outputs: must be a list of output numbers/);
  refused(
    { FOH: { outputs: [1, 2] }, ears: { outputs: [2, 3] } },
    /buses\.ears\.outputs\[0\]: output 2 already belongs to bus "FOH"/,
  );
  refused({ FOH: { outputs: [1], protect: true } }, /buses\.FOH\.protect: is not a bus key/);
  refused(
    { FOH: { outputs: ["1"] } },
    /buses\.FOH\.outputs\[0\]: must be an output number from 1 to 32, got the string "1"/,
  );
});

Deno.test("buses: a count-in on a device without the in-ears is said to be muted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-buses-" });
  try {
    await writeStems(dir, [{ file: "bass.wav" }]);
    await writeManifest(dir, { tempo: 120, tracks: [{ file: "bass.wav", bus: "FOH" }] });
    await using player = await Player.open({ backend: "offline", channels: 2 });
    await player.loadSong(dir);
    assert.deepEqual(player.busProblems, []);
    player.countIn = 1;
    assert.deepEqual(player.busProblems, [
      'BUS "in-ears" HAS NO OUTPUTS: it needs outputs 3-4, the device has 1-2. MUTED: the count-in',
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
