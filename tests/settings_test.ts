/**
 * Latency profiles and the settings file (stemplay.json).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { StemplayError } from "../src/errors.ts";
import { profileBlockFrames, PROFILES } from "../src/engine/profiles.ts";
import { loadSettings, parseSettings, settingsToPlayerOptions } from "../src/cli/settings.ts";
import { streamingSettings } from "../src/sources/streaming.ts";
import { assertRejects } from "./support/rejects.ts";

/** Asserts that `fn` throws a StemplayError with `code` whose message contains every part. */
function assertError(fn: () => unknown, code: string, ...parts: string[]): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof StemplayError, `not a StemplayError: ${error}`);
    assert.equal(error.code, code, error.message);
    for (const part of parts) {
      assert.ok(error.message.includes(part), `"${part}" not in: ${error.message}`);
    }
    return true;
  });
}

// ---- profiles ----------------------------------------------------------------------------

Deno.test("profiles: the three profiles and their block sizes", () => {
  assert.deepEqual(Object.keys(PROFILES).sort(), ["balanced", "low-latency", "safe"]);
  assert.equal(profileBlockFrames("low-latency"), 256);
  assert.equal(profileBlockFrames("balanced"), 1024);
  assert.equal(profileBlockFrames("safe"), 2048);
});

Deno.test("profiles: an unknown profile is an error naming it and the known ones", () => {
  assertError(() => profileBlockFrames("fast"), "INVALID_ARGUMENT", '"fast"', "low-latency");
  assertError(() => profileBlockFrames(42), "INVALID_ARGUMENT", "42");
  // Inherited object keys are not profiles.
  assertError(() => profileBlockFrames("toString"), "INVALID_ARGUMENT", '"toString"');
});

Deno.test("profiles: Player.open({ profile }) sets the block size", async () => {
  for (const [profile, frames] of [["low-latency", 256], ["balanced", 1024], ["safe", 2048]]) {
    await using player = await Player.open({ backend: "offline", profile: profile as "safe" });
    assert.equal(player.blockFrames, frames, profile as string);
  }
});

Deno.test("profiles: an explicit blockFrames wins over the profile", async () => {
  await using player = await Player.open({
    backend: "offline",
    profile: "safe",
    blockFrames: 512,
  });
  assert.equal(player.blockFrames, 512);
});

Deno.test("profiles: Player.open with an unknown profile fails before opening anything", async () => {
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    Player.open({ backend: "offline", profile: "turbo" as any }),
    "INVALID_ARGUMENT",
    '"turbo"',
  );
});

// ---- settings ----------------------------------------------------------------------------

Deno.test("settings: a full, valid file", () => {
  const settings = parseSettings({
    monitoring: { latencyMonitor: true },
    audio: {
      profile: "low-latency",
      backend: "null",
      device: "Scarlett",
      sampleRate: 48000,
      channels: 4,
      blockFrames: 512,
      recovery: "paused",
    },
  }, "stemplay.json");
  assert.deepEqual(settings, {
    monitoring: { latencyMonitor: true },
    audio: {
      profile: "low-latency",
      backend: "null",
      device: "Scarlett",
      sampleRate: 48000,
      channels: 4,
      blockFrames: 512,
      recovery: "paused",
    },
    midi: {},
    timecode: {},
  });
  assert.deepEqual(settingsToPlayerOptions(settings), {
    latencyMonitor: true,
    profile: "low-latency",
    backend: "null",
    device: "Scarlett",
    sampleRate: 48000,
    channels: 4,
    blockFrames: 512,
    recovery: "paused",
  });
});

Deno.test("settings: a midi section with input and map", () => {
  const midi = {
    input: "jack",
    map: [
      { note: 60, action: "next" },
      { cc: 64, min: 64, action: "vamp" },
      { program: "any", action: "goto" },
      { note: 62, channel: 10, action: { type: "jump", marker: "Chorus", at: "bar" } },
    ],
  };
  assert.deepEqual(parseSettings({ midi }, "stemplay.json").midi, midi);
});

Deno.test("settings: timecode.ltc becomes Player.open's ltc", () => {
  const settings = parseSettings({ timecode: { ltc: { fps: 29.97, output: 8 } } }, "x.json");
  assert.deepEqual(settingsToPlayerOptions(settings), { ltc: { fps: 29.97, output: 8 } });
});

Deno.test("settings: an empty object is valid and sets nothing", () => {
  const settings = parseSettings({}, "x.json");
  assert.deepEqual(settings, { monitoring: {}, audio: {}, midi: {}, timecode: {} });
  assert.deepEqual(settingsToPlayerOptions(settings), {});
  assert.deepEqual(parseSettings({ audio: { device: 2 } }, "x.json").audio, { device: 2 });
});

Deno.test("settings: every bad key is named with its path and the problem", () => {
  const cases: [unknown, string[]][] = [
    [{ audio: { profile: "fast" } }, ["audio.profile", '"fast"', "low-latency"]],
    [{ audio: { profile: 3 } }, ["audio.profile", "3"]],
    [{ monitoring: { latencyMonitor: "yes" } }, ["monitoring.latencyMonitor", "true or false"]],
    [{ audio: { sampleRate: 44.1 } }, ["audio.sampleRate", "integer", "44.1"]],
    [{ audio: { sampleRate: 100 } }, ["audio.sampleRate", "100"]],
    [{ audio: { channels: 0 } }, ["audio.channels", "0"]],
    [{ audio: { blockFrames: "256" } }, ["audio.blockFrames", '"256"']],
    [{ audio: { backend: "" } }, ["audio.backend"]],
    [{ audio: { device: -1 } }, ["audio.device", "-1"]],
    [{ audio: { device: true } }, ["audio.device"]],
    [{ audio: { recovery: "later" } }, ["audio.recovery", '"later"', "in-time"]],
    [{ audio: [] }, ["audio", "object"]],
    [{ monitoring: null }, ["monitoring", "object"]],
    [{ audio: { profil: "safe" } }, ["audio.profil", "unknown key"]],
    [{ sound: {} }, ["sound", "unknown key"]],
    [{ midi: { input: "" } }, ["midi.input"]],
    [{ midi: { map: {} } }, ["midi.map", "array"]],
    [{ midi: { map: [{ note: 200, action: "next" }] } }, ["midi.map[0].note", "200"]],
    [{ midi: { map: [{ cc: 64, action: "vamp" }, { cc: 1, action: "jump" }] } }, [
      "midi.map[1].action",
      '"jump"',
    ]],
    [{ midi: { port: "x" } }, ["midi.port", "unknown key"]],
    [{ timecode: { ltc: { fps: 23.976, output: 1 } } }, ["timecode.ltc.fps", "23.976"]],
    [{ timecode: { ltc: 25 } }, ["timecode.ltc", "object"]],
    [{ timecode: { ltc: { fps: 25, output: 0 } } }, ["timecode.ltc.output", "0"]],
    [[], ["object"]],
    ["safe", ["object"]],
  ];
  for (const [value, parts] of cases) {
    assertError(() => parseSettings(value, "stemplay.json"), "SETTINGS", "stemplay.json", ...parts);
  }
});

Deno.test("settings: all the bad keys of a file are named at once", () => {
  assertError(
    () =>
      parseSettings(
        { audio: { profile: "fast", channels: 99 }, monitoring: { latencyMonitor: 1 } },
        "stemplay.json",
      ),
    "SETTINGS",
    "audio.profile",
    "audio.channels",
    "monitoring.latencyMonitor",
  );
});

Deno.test("settings: loadSettings reads a file, or stemplay.json in the working folder", async () => {
  const dir = await Deno.makeTempDir();
  const here = Deno.cwd();
  try {
    const path = join(dir, "custom.json");
    await Deno.writeTextFile(path, JSON.stringify({ audio: { profile: "balanced" } }));
    assert.deepEqual(await loadSettings(path), {
      monitoring: {},
      audio: { profile: "balanced" },
      midi: {},
      timecode: {},
    });

    Deno.chdir(dir);
    // No stemplay.json: the defaults, not an error.
    assert.deepEqual(await loadSettings(), { monitoring: {}, audio: {}, midi: {}, timecode: {} });
    await Deno.writeTextFile(
      join(dir, "stemplay.json"),
      JSON.stringify({ monitoring: { latencyMonitor: true } }),
    );
    assert.deepEqual(await loadSettings(), {
      monitoring: { latencyMonitor: true },
      audio: {},
      midi: {},
      timecode: {},
    });
  } finally {
    Deno.chdir(here);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("settings: a named file that is missing, broken or bad is an error with its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = join(dir, "missing.json");
    const error = await assertRejects(loadSettings(missing), "FILE", missing);
    assert.equal(error.path, missing);

    const broken = join(dir, "broken.json");
    await Deno.writeTextFile(broken, '{ "audio": { "profile": "safe", } }');
    assert.equal((await assertRejects(loadSettings(broken), "SETTINGS", "JSON")).path, broken);

    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(bad, JSON.stringify({ audio: { profile: "fast" } }));
    assert.equal((await assertRejects(loadSettings(bad), "SETTINGS", "audio.profile")).path, bad);

    await assertRejects(loadSettings(dir), "FILE", dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("settings: buses is the rig profile, checked, and passed to Player.open", () => {
  const buses = { FOH: { outputs: [1, 2] }, "in-ears": { outputs: [3, 4], protected: true } };
  const settings = parseSettings({ buses }, "stemplay.json");
  assert.deepEqual(settings.buses, {
    FOH: { outputs: [1, 2], protected: false },
    "in-ears": { outputs: [3, 4], protected: true },
  });
  assert.deepEqual(settingsToPlayerOptions(settings).buses, settings.buses);
  assert.throws(
    () =>
      parseSettings({ buses: { FOH: { outputs: [1, 2] }, ears: { outputs: [2] } } }, "rig.json"),
    (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "SETTINGS");
      assert.match(
        error.message,
        /rig\.json: buses\.ears\.outputs\[0\]: output 2 already belongs to bus "FOH"/,
      );
      return true;
    },
  );
});

// ---- streaming ---------------------------------------------------------------------------

Deno.test("settings: streaming is a section of look-ahead and head seconds, or false, passed to Player.open", () => {
  const section = parseSettings({ streaming: { lookAheadSeconds: 4, headSeconds: 0.5 } }, "x.json");
  assert.deepEqual(section.streaming, { lookAheadSeconds: 4, headSeconds: 0.5 });
  assert.deepEqual(settingsToPlayerOptions(section), {
    streaming: { lookAheadSeconds: 4, headSeconds: 0.5 },
  });
  // One key alone: the other keeps its default.
  assert.deepEqual(parseSettings({ streaming: { headSeconds: 2 } }, "x.json").streaming, {
    headSeconds: 2,
  });
  // false: decode whole files at load; true: stream with the defaults.
  const whole = parseSettings({ streaming: false }, "x.json");
  assert.equal(whole.streaming, false);
  assert.deepEqual(settingsToPlayerOptions(whole), { streaming: false });
  assert.equal(parseSettings({ streaming: true }, "x.json").streaming, true);
  // Absent: Player.open's default (streamed), nothing set.
  assert.equal(parseSettings({}, "x.json").streaming, undefined);
  assert.ok(!("streaming" in settingsToPlayerOptions(parseSettings({}, "x.json"))));
});

Deno.test("settings: streaming accepts exactly the seconds Player.open accepts", () => {
  const values = [0, 0.049, 0.05, 1, 29.9, 30, 30.01, 59.9, 60, 60.5, -1];
  for (const key of ["lookAheadSeconds", "headSeconds"] as const) {
    for (const seconds of values) {
      let player = true;
      try {
        streamingSettings({ [key]: seconds }, 48000);
      } catch {
        player = false;
      }
      let file = true;
      try {
        parseSettings({ streaming: { [key]: seconds } }, "x.json");
      } catch (error) {
        assert.ok(error instanceof StemplayError && error.code === "SETTINGS", String(error));
        assert.ok(error.message.includes(`streaming.${key}`), error.message);
        file = false;
      }
      assert.equal(file, player, `${key} ${seconds}: the file and Player.open disagree`);
    }
  }
});

Deno.test("settings: a bad streaming value is named by its path, and the input is left as it was", () => {
  const cases: [unknown, string[]][] = [
    [{ streaming: { lookAheadSeconds: 0 } }, [
      "streaming.lookAheadSeconds",
      "0.05 to 60",
      "got 0",
    ]],
    [{ streaming: { lookAheadSeconds: "2" } }, ["streaming.lookAheadSeconds", '"2"']],
    [{ streaming: { lookAheadSeconds: 61 } }, ["streaming.lookAheadSeconds", "61"]],
    [{ streaming: { headSeconds: 31 } }, ["streaming.headSeconds", "0.05 to 30", "31"]],
    [{ streaming: { headSeconds: null } }, ["streaming.headSeconds", "null"]],
    [{ streaming: { lookahead: 2 } }, [
      "streaming.lookahead",
      "unknown key",
      "lookAheadSeconds, headSeconds",
    ]],
    [{ streaming: "yes" }, ["streaming", "false", "object", '"yes"']],
    [{ streaming: null }, ["streaming", "object", "null"]],
    [{ streaming: [] }, ["streaming", "object"]],
  ];
  for (const [value, parts] of cases) {
    const before = structuredClone(value);
    assertError(() => parseSettings(value, "stemplay.json"), "SETTINGS", "stemplay.json", ...parts);
    assert.deepEqual(value, before, "the parsed value is not changed");
  }
  // Every bad key at once, with the other sections'.
  assertError(
    () =>
      parseSettings(
        { streaming: { lookAheadSeconds: 0.01, headSeconds: 99 }, audio: { channels: 0 } },
        "stemplay.json",
      ),
    "SETTINGS",
    "streaming.lookAheadSeconds",
    "streaming.headSeconds",
    "audio.channels",
  );
});

Deno.test("settings: a file with a bad streaming key is an error with its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = join(dir, "stemplay.json");
    await Deno.writeTextFile(bad, JSON.stringify({ streaming: { lookAheadSeconds: 0 } }));
    const error = await assertRejects(loadSettings(bad), "SETTINGS", "streaming.lookAheadSeconds");
    assert.equal(error.path, bad);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
