/**
 * Spoken section cues: a voice saying each marker's name that ends on the downbeat one bar
 * before the marker, on the in-ear outputs only. Rendered offline on the default rig profile
 * (FOH on outputs 1-2, in-ears on 3-4) and measured. espeak-ng speaks (the real program);
 * without it on PATH the cues are off and the player says why; a folder of recorded words is
 * used instead of the voice when the song names one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { controlStatus, dispatch, Player, StemplayError } from "../mod.ts";
import { PlaySession } from "../src/cli/session.ts";
import { handleKey } from "../src/cli/keys.ts";
import { frameLines } from "../src/cli/screen.ts";
import { serveOsc } from "../src/control/osc.ts";
import { serveRemote } from "../src/control/remote.ts";
import { oscsend } from "./support/osc_tools.ts";
import { waitFor } from "./support/wait.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { writeManifest } from "./support/songs.ts";
import { parseSettings, settingsToPlayerOptions } from "../src/cli/settings.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

const RATE = 48000;
const BLOCK = 256;
/** 120 bpm in 4/4: a bar is 2 s. */
const BAR = 2 * RATE;
const MARKERS = [
  { name: "Intro", at: 0 },
  { name: "Verse 2", at: 8 },
  { name: "Chorus", at: 16 },
];
const SECONDS = 20;

/** A song folder with one silent FOH stem, tempo 120, the markers and `extra` keys. */
async function writeSong(dir: string, extra: Record<string, unknown>): Promise<string> {
  const folder = join(dir, "Song");
  await Deno.mkdir(folder, { recursive: true });
  await Deno.writeFile(
    join(folder, "music.wav"),
    encodeWav([new Float32Array(SECONDS * RATE)], RATE, "s16"),
  );
  await writeManifest(folder, {
    title: "Song",
    tempo: 120,
    markers: MARKERS,
    tracks: [{ file: "music.wav", bus: "FOH" }],
    ...extra,
  });
  return folder;
}

async function withPlayer(fn: (player: Player, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-spoken-" });
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: BLOCK,
  });
  try {
    await fn(player, dir);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The last frame in [from, to) louder than -60 dBFS on either channel, or -1. */
function lastSound(channels: Float32Array[], from: number, to: number): number {
  for (let i = to - 1; i >= from; i--) {
    if (channels.some((c) => Math.abs(c[i]) > 0.001)) return i;
  }
  return -1;
}

function firstSound(channels: Float32Array[], from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (channels.some((c) => Math.abs(c[i]) > 0.001)) return i;
  }
  return -1;
}

/** Plays the loaded song from the top and renders all of it. */
function renderSong(player: Player): Float32Array[] {
  player.play();
  return player.render(SECONDS * RATE);
}

/** Each cue ends within one block of the bar line before its marker; nothing on FOH. */
function assertCuesEndOnTheBarBefore(out: Float32Array[]): void {
  const inEars = [out[2], out[3]];
  for (const marker of MARKERS.slice(1)) {
    const barBefore = marker.at * RATE - BAR;
    const end = lastSound(inEars, barBefore - BAR, marker.at * RATE);
    const start = firstSound(inEars, barBefore - BAR, marker.at * RATE);
    console.log(
      `${marker.name}: cue from ${start} to ${end}, bar line ${barBefore} ` +
        `(end ${end - barBefore} frames from it)`,
    );
    assert.ok(start >= 0, `no cue before ${marker.name}`);
    assert.ok(end - start > 0.1 * RATE, `the cue before ${marker.name} is too short`);
    assert.ok(Math.abs(end - barBefore) <= BLOCK, `${marker.name}: ends at ${end}`);
  }
  // Before the first cue (Intro is at 0 s: no bar before it) the in-ears are silent.
  assert.equal(firstSound(inEars, 0, 2 * RATE), -1, "a cue for a marker at the song's top");
  const foh = [out[0], out[1]];
  assert.equal(firstSound(foh, 0, SECONDS * RATE), -1, "a spoken cue reached FOH");
}

const SPEAKS =
  "spoken cues: espeak-ng says each section, ending on the bar line before it, in the in-ears only";
Deno.test({ name: SPEAKS, ignore: ignoreWithout("espeak-ng", SPEAKS) }, async () => {
  requireTool("espeak-ng", SPEAKS);
  await withPlayer(async (player, dir) => {
    const folder = await writeSong(dir, { spokenCues: { enabled: true, gainDb: 0 } });
    const started = performance.now();
    await player.loadSong(folder);
    console.log(`loaded with 2 spoken cues in ${(performance.now() - started).toFixed(0)} ms`);
    const cue = player.tracks.find((t) => t.name === "spoken cues");
    assert.ok(cue, `tracks: ${player.tracks.map((t) => t.name)}`);
    assert.equal(cue.bus, "in-ears");
    assert.deepEqual(player.busProblems, []);
    assertCuesEndOnTheBarBefore(renderSong(player));
  });
});

Deno.test("spoken cues: a folder of recorded words is used, matched by name", async () => {
  await withPlayer(async (player, dir) => {
    const folder = await writeSong(dir, { spokenCues: { folder: "cues" } });
    await Deno.mkdir(join(folder, "cues"));
    // "Verse 2" is found as verse-2.wav, "Chorus" as CHORUS.wav: a 0.4 s tone each, at 44.1 kHz.
    const word = new Float32Array(Math.round(0.4 * 44100)).map((_, i) => 0.3 * Math.sin(i / 9));
    for (const name of ["verse-2.wav", "CHORUS.wav"]) {
      await Deno.writeFile(join(folder, "cues", name), encodeWav([word], 44100, "s16"));
    }
    // PATH without espeak-ng: the recorded words alone must do.
    const path = Deno.env.get("PATH") ?? "";
    Deno.env.set("PATH", dir);
    try {
      await player.loadSong(folder);
    } finally {
      Deno.env.set("PATH", path);
    }
    assert.deepEqual(player.busProblems, []);
    assertCuesEndOnTheBarBefore(renderSong(player));
  });
});

Deno.test("spoken cues: without espeak-ng on PATH they are off and the player says why", async () => {
  await withPlayer(async (player, dir) => {
    const folder = await writeSong(dir, { spokenCues: { enabled: true } });
    const path = Deno.env.get("PATH") ?? "";
    Deno.env.set("PATH", dir); // a folder with no espeak-ng in it
    try {
      await player.loadSong(folder);
    } finally {
      Deno.env.set("PATH", path);
    }
    assert.deepEqual(player.tracks.map((t) => t.name), ["music"]);
    const said = player.busProblems.join("\n");
    assert.match(said, /spoken cues are off/);
    assert.match(said, /espeak-ng/);
    const out = renderSong(player);
    assert.equal(firstSound([out[2], out[3]], 0, SECONDS * RATE), -1);
  });
});

Deno.test("spoken cues: bad keys are MANIFEST errors naming the key", async () => {
  const cases: [unknown, string, Record<string, unknown>?][] = [
    ["yes", "spokenCues"],
    [{ enabled: 1 }, "spokenCues.enabled"],
    [{ gainDb: 20 }, "spokenCues.gainDb"],
    [{ gainDb: "-6" }, "spokenCues.gainDb"],
    [{ countIn: "no" }, "spokenCues.countIn"],
    [{ loud: true }, "spokenCues.loud"],
    [{ folder: 3 }, "spokenCues.folder"],
    [{ voice: "" }, "spokenCues.voice"],
    [{ enabled: true }, "spokenCues", { tempo: undefined }],
  ];
  await withPlayer(async (player, dir) => {
    for (const [value, key, extra] of cases) {
      const folder = await writeSong(dir, { spokenCues: value, ...extra });
      await assert.rejects(
        player.loadSong(folder),
        (e) =>
          e instanceof StemplayError && e.code === "MANIFEST" && e.message.includes(`${key}:`) ||
          e instanceof StemplayError && e.code === "MANIFEST" && e.message.includes(`${key} `),
        `${JSON.stringify(value)} should be refused at ${key}`,
      );
    }
  });
});

Deno.test("spoken cues: the README lists them", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  assert.match(readme, /[Ss]poken (section )?cues/);
  assert.match(readme, /spokenCues/);
});

Deno.test("spoken cues: stemplay.json's spokenCues applies to every song, a song's own keys win", async () => {
  const settings = parseSettings(
    { spokenCues: { gainDb: -3, folder: "words" } },
    "show/stemplay.json",
  );
  assert.deepEqual(settings.spokenCues, { gainDb: -3, folder: join("show", "words") });
  assert.deepEqual(settingsToPlayerOptions(settings).spokenCues, settings.spokenCues);
  assert.throws(
    () => parseSettings({ spokenCues: { gainDb: 13, speak: 1 } }, "stemplay.json"),
    (e) =>
      e instanceof StemplayError && e.code === "SETTINGS" &&
      e.message.includes("spokenCues.gainDb: must be a number of dB") &&
      e.message.includes("spokenCues.speak: unknown key"),
  );
  await assert.rejects(
    Player.open({ backend: "offline", spokenCues: { countIn: "yes" } as never }),
    (e) =>
      e instanceof StemplayError && e.code === "INVALID_ARGUMENT" &&
      /spokenCues\.countIn/.test(e.message),
  );
  const dir = await Deno.makeTempDir({ prefix: "stemplay-spoken-" });
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 4,
    blockFrames: BLOCK,
    spokenCues: { gainDb: -3, folder: join(dir, "words") },
  });
  try {
    await Deno.mkdir(join(dir, "words"));
    const word = new Float32Array(RATE / 4).fill(0.25);
    for (const name of ["Verse 2.wav", "chorus.wav"]) {
      await Deno.writeFile(join(dir, "words", name), encodeWav([word], RATE, "s16"));
    }
    await player.loadSong(await writeSong(dir, {}));
    const cue = player.tracks.find((t) => t.name === "spoken cues");
    assert.ok(cue, `tracks: ${player.tracks.map((t) => t.name)}`);
    assert.ok(Math.abs(cue.gainDb - -3) < 1e-9, `gainDb ${cue.gainDb}`);
    await player.loadSong(await writeSong(dir, { spokenCues: { enabled: false } }));
    assert.deepEqual(player.tracks.map((t) => t.name), ["music"]);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spoken cues: countIn says each count-in beat's number, starting on its beat, in the in-ears", async () => {
  await withPlayer(async (player, dir) => {
    const folder = await writeSong(dir, { spokenCues: { countIn: true, folder: "cues" } });
    await Deno.mkdir(join(folder, "cues"));
    // "one" … "four": 0.3 s tones, from beat 1's to beat 4's pitch.
    for (const [i, name] of ["one", "two", "three", "four"].entries()) {
      const word = new Float32Array(0.3 * RATE).map((_, k) => 0.2 * Math.sin(k * (i + 1) / 20));
      await Deno.writeFile(join(folder, "cues", `${name}.wav`), encodeWav([word], RATE, "f32"));
    }
    await player.loadSong(folder);
    player.countIn = 1;
    await dispatch(player, { type: "play" });
    const out = player.render(3 * RATE);
    const inEars = [out[2], out[3]];
    const beat = RATE / 2;
    for (let k = 0; k < 4; k++) {
      // Past the click (30 ms), the word still sounds; it started on the beat, not before.
      const from = k * beat + 0.05 * RATE;
      assert.ok(firstSound(inEars, from, from + 100) >= 0, `no word on count-in beat ${k + 1}`);
      assert.equal(lastSound(inEars, k * beat + 0.31 * RATE, (k + 1) * beat), -1, `beat ${k + 1}`);
    }
    assert.equal(firstSound([out[0], out[1]], 0, 2 * RATE), -1, "the count-in reached FOH");
  });
});

Deno.test("spoken cues: the a key, the remote and OSC (the mute action by name) turn them off and on; the screen shows why they are off", async () => {
  await withPlayer(async (player, dir) => {
    const folder = await writeSong(dir, { spokenCues: { folder: "cues" } });
    await Deno.mkdir(join(folder, "cues"));
    const word = new Float32Array(RATE / 4).fill(0.25);
    for (const name of ["verse 2.wav", "chorus.wav"]) {
      await Deno.writeFile(join(folder, "cues", name), encodeWav([word], RATE, "s16"));
    }
    await player.loadSong(folder);
    const session = new PlaySession(player, { title: "Song", markers: player.markers });
    try {
      await handleKey(session, "a");
      assert.match(session.message, /spoken cues/);
      const status = controlStatus(player);
      const row = status.tracks.find((t) => t.name === "spoken cues");
      assert.equal(row?.muted, true, JSON.stringify(status.tracks));
      const muted = renderSong(player);
      assert.equal(firstSound([muted[2], muted[3]], 0, SECONDS * RATE), -1, "muted cues sound");
      player.stop();
      // The remote and OSC send the same action, naming the track.
      await dispatch(player, { type: "mute", track: "spoken cues", on: false });
      assert.equal(
        controlStatus(player).tracks.find((t) => t.name === "spoken cues")?.muted,
        false,
      );
    } finally {
      session.close();
    }
    // A song whose cues are off for want of espeak-ng: the key and the screen say why.
    const path = Deno.env.get("PATH") ?? "";
    Deno.env.set("PATH", dir);
    try {
      await player.loadSong(await writeSong(dir, { spokenCues: { enabled: true } }));
    } finally {
      Deno.env.set("PATH", path);
    }
    const off = new PlaySession(player, { title: "Song", markers: player.markers });
    try {
      assert.ok(frameLines(off, 200).some((line) => line.includes("spoken cues are off")));
      await handleKey(off, "a");
      assert.match(off.message, /spoken cues are off: espeak-ng was not found/);
    } finally {
      off.close();
    }
  });
});

const OSC_TOGGLE = "spoken cues: OSC (oscsend) turns them off and on";
Deno.test({ name: OSC_TOGGLE, ignore: ignoreWithout("oscsend", OSC_TOGGLE) }, async () => {
  requireTool("oscsend", OSC_TOGGLE);
  const dir = await Deno.makeTempDir({ prefix: "stemplay-spoken-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, channels: 4 });
  try {
    const folder = await writeSong(dir, { spokenCues: { folder: "cues" } });
    await Deno.mkdir(join(folder, "cues"));
    const word = new Float32Array(RATE / 4).fill(0.25);
    for (const name of ["verse 2.wav", "chorus.wav"]) {
      await Deno.writeFile(join(folder, "cues", name), encodeWav([word], RATE, "s16"));
    }
    await player.loadSong(folder);
    const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
    try {
      const cues = () => controlStatus(player).tracks.find((t) => t.name === "spoken cues");
      assert.equal(cues()?.muted, false);
      await oscsend(osc.port, "/stemplay/track/mute", "si", "spoken cues", "1");
      await waitFor("the cues muted", () => cues()?.muted === true);
      await oscsend(osc.port, "/stemplay/track/mute", "s", "spoken cues");
      await waitFor("the cues back on", () => cues()?.muted === false);
    } finally {
      await osc.close();
    }
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spoken cues: a recorded word that cannot be read turns the cues off with its error; the song loads", async () => {
  await withPlayer(async (player, dir) => {
    const folder = await writeSong(dir, { spokenCues: { folder: "cues" } });
    await Deno.mkdir(join(folder, "cues"));
    await Deno.writeTextFile(join(folder, "cues", "chorus.wav"), "RIFF, but not a WAV file");
    await Deno.writeFile(
      join(folder, "cues", "verse 2.wav"),
      encodeWav([new Float32Array(RATE / 4).fill(0.25)], RATE, "s16"),
    );
    await player.loadSong(folder);
    assert.deepEqual(player.tracks.map((t) => t.name), ["music"]);
    assert.match(player.busProblems.join("\n"), /spoken cues are off: the word "Chorus"/);
  });
});

Deno.test("spoken cues: the remote's track button (the page's mute action) turns them off and on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-spoken-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, channels: 4 });
  const pin = "246813";
  try {
    const folder = await writeSong(dir, { spokenCues: { folder: "cues" } });
    await Deno.mkdir(join(folder, "cues"));
    const word = new Float32Array(RATE / 4).fill(0.25);
    for (const name of ["verse 2.wav", "chorus.wav"]) {
      await Deno.writeFile(join(folder, "cues", name), encodeWav([word], RATE, "s16"));
    }
    await player.loadSong(folder);
    const web = await serveRemote(player, { port: 0, hostname: "127.0.0.1", pin });
    try {
      const base = `http://127.0.0.1:${web.port}`;
      const login = await fetch(`${base}/?pin=${pin}`, { redirect: "manual" });
      await login.body?.cancel();
      const cookie = login.headers.get("set-cookie")!.split(";")[0];
      const cues = () => controlStatus(player).tracks.find((t) => t.name === "spoken cues")!;
      // What web/remote.js sends for a track's button: its number, and the state it asks for.
      for (const on of [true, false]) {
        const response = await fetch(`${base}/action`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: base, cookie },
          body: JSON.stringify({ type: "mute", track: cues().number, on }),
        });
        await response.body?.cancel();
        assert.equal(response.status, 200);
        await waitFor(`the cues ${on ? "muted" : "back on"}`, () => cues().muted === on);
      }
    } finally {
      await web.close();
    }
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
