/**
 * Every bad input to loadSong gets a StemplayError with a code and a path, and the song that
 * was playing stays exactly as it was: same tracks, same memory, same state and position, and
 * it still sounds. Each bad file sits in a song next to a good file, so the good file's decode
 * (which runs in parallel) must be freed too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cpSync } from "node:fs";
import type { Player } from "../src/player/player.ts";
import { StemplayError } from "../src/errors.ts";
import { openLibrary } from "../ffi/library.ts";
import {
  emptyFile,
  randomBytes,
  requireTool,
  tone,
  truncate,
  wavWith33Channels,
  wavWithZeroFrames,
  wavWithZeroRate,
  withHeaderClaimingMore,
  writeToneFiles,
} from "./support/fixtures.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { assertUntouched, playerPlayingOldSong, snapshot, writeStems } from "./support/songs.ts";

/** Loads `song` into a player playing another song; expects `code`, `path` and `message`. */
async function expectRefused(
  player: Player,
  song: string,
  code: string,
  path: string,
  message?: RegExp,
): Promise<StemplayError> {
  const before = snapshot(player);
  let caught: unknown;
  try {
    await player.loadSong(song);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StemplayError, `${song}: expected ${code}, got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.path, path, caught.message);
  if (message) assert.match(caught.message, message);
  assertUntouched(player, before);
  return caught;
}

/** A folder song holding a good stem and `bad` (written by `write` at the path given). */
async function songWith(
  dir: string,
  name: string,
  write: (path: string) => Promise<unknown>,
): Promise<{ folder: string; bad: string }> {
  const folder = await writeStems(join(dir, `song-${name}`), [{ file: "a good.wav", seconds: 2 }]);
  const bad = join(folder, name);
  await write(bad);
  return { folder, bad };
}

Deno.test("bad audio files: each code names the file, the old song plays on", async (t) => {
  const dir = await Deno.makeTempDir();
  const player = await playerPlayingOldSong(dir);
  try {
    const tones = await writeToneFiles(dir, { seconds: 1, name: "src" });
    const half = async (source: string) => (await Deno.stat(source)).size >> 1;
    const cases: [string, (path: string) => Promise<unknown>, string, RegExp][] = [
      ["empty.wav", (p) => emptyFile(p), "EMPTY", /empty/],
      [
        "random.wav",
        (p) => randomBytes(p, 4096, 1),
        "DECODE",
        /not an audio file stemplay can read/,
      ],
      [
        "random.flac",
        (p) => randomBytes(p, 4096, 2),
        "DECODE",
        /not an audio file stemplay can read/,
      ],
      [
        "random.mp3",
        (p) => randomBytes(p, 4096, 3),
        "DECODE",
        /not an audio file stemplay can read/,
      ],
      [
        "truncated.wav",
        async (p) => truncate(tones.wavS16, await half(tones.wavS16), p),
        "TRUNCATED",
        /promises 192000 bytes of audio, the file holds 95978/,
      ],
      [
        "claims-more.wav",
        (p) => withHeaderClaimingMore(tones.wavS16, 192000, p),
        "TRUNCATED",
        /promises 384000 bytes/,
      ],
      ["zero-frames.wav", (p) => wavWithZeroFrames(p), "EMPTY", /no audio frames/],
      ["zero-rate.wav", (p) => wavWithZeroRate(p), "FORMAT", /sample rate 0 Hz/],
      [
        "absurd-rate.wav",
        async (p) => {
          const bytes = encodeWav(tone(440, 0.1, 48000, 2), 48000, "s16");
          new DataView(bytes.buffer).setUint32(24, 4_000_000_000, true);
          await Deno.writeFile(p, bytes);
        },
        "FORMAT",
        /sample rate 4000000000 Hz/,
      ],
      ["33-channels.wav", (p) => wavWith33Channels(p), "FORMAT", /33 channels/],
      ["folder.wav", (p) => Deno.mkdir(p), "IS_DIRECTORY", /is a folder/],
    ];
    if (requireTool("flac", "truncated and 0 Hz FLAC") && tones.flac) {
      const flac = tones.flac;
      cases.push(
        [
          "truncated.flac",
          async (p) => truncate(flac, await half(flac), p),
          "TRUNCATED",
          /promises 48000 frames/,
        ],
        ["cut-in-metadata.flac", (p) => truncate(flac, 100, p), "TRUNCATED", /FLAC metadata/],
        [
          "zero-rate.flac",
          async (p) => {
            const bytes = await Deno.readFile(flac);
            bytes[18] = 0; // STREAMINFO: 20 bits of sample rate from byte 18
            bytes[19] = 0;
            bytes[20] &= 0x0f;
            await Deno.writeFile(p, bytes);
          },
          "FORMAT",
          /sample rate 0 Hz/,
        ],
      );
    }
    if (requireTool("lame", "truncated MP3") && tones.mp3) {
      const mp3 = tones.mp3.path;
      cases.push([
        "truncated.mp3",
        async (p) => truncate(mp3, await half(mp3), p),
        "TRUNCATED",
        /promises 48000 frames/,
      ]);
    }
    for (const [name, write, code, message] of cases) {
      await t.step(`${name}: ${code}`, async () => {
        const { folder, bad } = await songWith(dir, name, write);
        await expectRefused(player, folder, code, bad, message);
      });
    }
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad songs: missing, not a song, empty folder, duplicate names, full track table", async (t) => {
  const dir = await Deno.makeTempDir();
  const player = await playerPlayingOldSong(dir); // capacity 8, 2 in use
  try {
    await t.step("a missing song", async () => {
      const missing = join(dir, "no such song");
      await expectRefused(player, missing, "FILE_NOT_FOUND", missing, /no such song/);
    });
    await t.step("an audio file given as a song", async () => {
      const file = join(await writeStems(join(dir, "one"), [{ file: "x.wav" }]), "x.wav");
      await expectRefused(player, file, "NOT_A_SONG", file, /player\.load/);
    });
    await t.step("a folder without audio", async () => {
      const empty = join(dir, "empty");
      await Deno.mkdir(empty);
      await Deno.writeTextFile(join(empty, "readme.txt"), "no audio here");
      await expectRefused(player, empty, "EMPTY", empty, /holds no audio files \(\.wav .*\.wma\)/);
    });
    await t.step("two files that would be the same track", async () => {
      const folder = await writeStems(join(dir, "dup"), [{ file: "Bass.flac" }, {
        file: "bass.wav",
      }]);
      const error = await expectRefused(player, folder, "DUPLICATE_NAME", join(folder, "bass.wav"));
      assert.match(error.message, /Bass\.flac/);
    });
    await t.step("more tracks than the free slots", async () => {
      const stems = Array.from({ length: 7 }, (_, k) => ({ file: `s${k}.wav`, seconds: 0.2 }));
      const folder = await writeStems(join(dir, "big"), stems);
      await expectRefused(player, folder, "CAPACITY", join(folder, "s6.wav"), /slots are in use/);
    });
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a manifest that is not JSON: MANIFEST naming the file, position, line and column", async () => {
  const dir = await Deno.makeTempDir();
  const player = await playerPlayingOldSong(dir);
  try {
    const folder = await writeStems(join(dir, "new"), [{ file: "good.wav" }]);
    const manifest = join(folder, "song.json");
    await Deno.writeTextFile(manifest, '{\n  "tracks": [\n    { "file": "good.wav", }\n  ]\n}\n');
    const error = await expectRefused(player, manifest, "MANIFEST", manifest);
    assert.ok(error.message.startsWith(`${manifest} is not valid JSON`), error.message);
    // V8 names the line and column itself; other engines get them added.
    assert.match(error.message, /Expected double-quoted property name in JSON at position 42/);
    assert.match(error.message, /line 3,? column 27/);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

type Manifest = Record<string, unknown> & { tracks: Record<string, unknown>[] };

Deno.test("every kind of manifest schema error is MANIFEST naming the key path", async (t) => {
  const dir = await Deno.makeTempDir();
  const player = await playerPlayingOldSong(dir); // 4 outputs
  try {
    const folder = await writeStems(join(dir, "new"), [
      { file: "good.wav", seconds: 1 },
      { file: "other.wav", seconds: 1, channels: 1 },
    ]);
    await Deno.mkdir(join(folder, "sub.wav"));
    await Deno.writeTextFile(join(folder, "notes.txt"), "text");
    const base = (): Manifest => ({
      title: "New",
      tracks: [{ file: "good.wav" }, { file: "other.wav" }],
      markers: [{ name: "Verse", at: 0.5 }],
    });
    const cases: [string, (m: Manifest) => unknown, RegExp][] = [
      ["not an object", () => [1, 2], /song\.json: must be an object, got an array/],
      [
        "unknown key",
        (m) => ({ ...m, bpm: 120 }),
        /: bpm: unknown key \(allowed here: title, sampleRate/,
      ],
      ["unknown track key", (m) => (m.tracks[1].volume = 3, m), /tracks\[2\]\.volume: unknown key/],
      [
        "title not a string",
        (m) => ({ ...m, title: 7 }),
        /title: must be a non-empty string, got number 7/,
      ],
      [
        "sampleRate 0",
        (m) => ({ ...m, sampleRate: 0 }),
        /sampleRate: must be from 8000 to 768000 Hz, got 0/,
      ],
      [
        "sampleRate fraction",
        (m) => ({ ...m, sampleRate: 44100.5 }),
        /sampleRate: must be a whole number/,
      ],
      ["tracks missing", (m) => ({ title: m.title }), /tracks: is missing/],
      [
        "tracks not an array",
        (m) => ({ ...m, tracks: {} }),
        /tracks: must be an array, got an object/,
      ],
      ["tracks empty", (m) => ({ ...m, tracks: [] }), /tracks: needs at least 1 entry/],
      [
        "track not an object",
        (m) => (m.tracks[0] = "good.wav" as never, m),
        /tracks\[1\]: must be an object, got the string "good\.wav"/,
      ],
      ["file missing", (m) => (m.tracks[1] = { name: "x" }, m), /tracks\[2\]\.file: is missing/],
      [
        "file not a string",
        (m) => (m.tracks[0].file = 3, m),
        /tracks\[1\]\.file: must be a non-empty string/,
      ],
      [
        "file not there",
        (m) => (m.tracks[1].file = "gone.wav", m),
        /tracks\[2\]\.file: no such file: .*gone\.wav/,
      ],
      [
        "file a folder",
        (m) => (m.tracks[1].file = "sub.wav", m),
        /tracks\[2\]\.file: .*sub\.wav is a folder/,
      ],
      [
        "file not audio",
        (m) => (m.tracks[1].file = "notes.txt", m),
        /tracks\[2\]\.file: .*notes\.txt is not an audio file \(\.wav .*\)/,
      ],
      [
        "name empty",
        (m) => (m.tracks[0].name = "", m),
        /tracks\[1\]\.name: must be a non-empty string/,
      ],
      [
        "gainDb a string",
        (m) => (m.tracks[0].gainDb = "-3", m),
        /tracks\[1\]\.gainDb: must be a number, got the string "-3"/,
      ],
      [
        "gainDb too loud",
        (m) => (m.tracks[0].gainDb = 80, m),
        /tracks\[1\]\.gainDb: must be from -200 to \+12 dB .*got 80/,
      ],
      [
        "gain and gainDb",
        (m) => (Object.assign(m.tracks[0], { gain: 1, gainDb: 0 }), m),
        /tracks\[1\]\.gain: give gainDb or gain, not both/,
      ],
      [
        "gain negative",
        (m) => (m.tracks[0].gain = -1, m),
        /tracks\[1\]\.gain: must be from 0 to 3\.981 \(-inf to \+12 dB\)/,
      ],
      [
        "pan out of range",
        (m) => (m.tracks[1].pan = 2, m),
        /tracks\[2\]\.pan: must be from -1 to 1, got 2/,
      ],
      [
        "muted not boolean",
        (m) => (m.tracks[0].muted = "yes", m),
        /tracks\[1\]\.muted: must be true or false/,
      ],
      [
        "solo not boolean",
        (m) => (m.tracks[0].solo = 1, m),
        /tracks\[1\]\.solo: must be true or false, got number 1/,
      ],
      [
        "route beyond the device",
        (m) => (m.tracks[1].route = [5], m),
        /tracks\[2\]\.route\[0\]: output 5 does not exist: the device has outputs 1 to 4/,
      ],
      [
        "route second beyond",
        (m) => (m.tracks[0].route = [1, 9], m),
        /tracks\[1\]\.route\[1\]: output 9 does not exist/,
      ],
      [
        "route not whole",
        (m) => (m.tracks[0].route = [1, 1.5], m),
        /tracks\[1\]\.route\[1\]: must be a whole number/,
      ],
      [
        "route zero",
        (m) => (m.tracks[0].route = [0, 1], m),
        /tracks\[1\]\.route\[0\]: must be from 1 to 4, got 0/,
      ],
      [
        "route repeats",
        (m) => (m.tracks[0].route = [2, 2], m),
        /tracks\[1\]\.route\[1\]: repeats output 2/,
      ],
      [
        "route empty",
        (m) => (m.tracks[0].route = [], m),
        /tracks\[1\]\.route: needs at least 1 entry/,
      ],
      [
        "route and routeGains",
        (m) => (Object.assign(m.tracks[1], { route: [1], routeGains: [[1, 0, 0, 0]] }), m),
        /tracks\[2\]\.routeGains: give route or routeGains, not both/,
      ],
      [
        "routeGains row short",
        (m) => (m.tracks[1].routeGains = [[1, 0]], m),
        /tracks\[2\]\.routeGains\[0\]: needs 4 gains \(one per device output\), got 2/,
      ],
      [
        "routeGains not a number",
        (m) => (m.tracks[0].routeGains = [[1, 0, 0, 0], [0, 1, "x", 0]], m),
        /tracks\[1\]\.routeGains\[1\]\[2\]: must be a number/,
      ],
      [
        "duplicate names",
        (m) => (m.tracks[0].name = "Keys", m.tracks[1].name = "keys", m),
        /tracks\[2\]\.name: the name "keys" is already used by tracks\[1\]/,
      ],
      [
        "duplicate files",
        (m) => (m.tracks[1].file = "good.wav", m),
        /tracks\[2\]\.file: the name "good" is already used by tracks\[1\]/,
      ],
      ["markers not an array", (m) => ({ ...m, markers: "intro" }), /markers: must be an array/],
      [
        "marker without time",
        (m) => ({ ...m, markers: [{ name: "Intro" }] }),
        /markers\[1\]\.at: is missing/,
      ],
      [
        "marker time negative",
        (m) => ({ ...m, markers: [{ name: "A", at: 0 }, { name: "B", at: -1 }] }),
        /markers\[2\]\.at: must be from 0/,
      ],
      [
        "marker unknown key",
        (m) => ({ ...m, markers: [{ name: "A", at: 1, bar: 4 }] }),
        /markers\[1\]\.bar: unknown key/,
      ],
      // Checked once the files are decoded: everything decoded is freed again.
      [
        "marker past the end",
        (m) => ({ ...m, markers: [{ name: "Outro", at: 100 }] }),
        /markers\[1\]\.at: 100 s is past the end of the song \(1\.000 s\)/,
      ],
      [
        "route shape for the file",
        (m) => (m.tracks[0].route = [1, 2, 3], m),
        /tracks\[1\]\.route: a 2-channel track routed to 3 outputs needs routeGains .*has 2 channels/,
      ],
      [
        "routeGains rows for the file",
        (m) => (m.tracks[1].routeGains = [[1, 0, 0, 0], [0, 1, 0, 0]], m),
        /tracks\[2\]\.routeGains: routeGains needs 1 rows/,
      ],
    ];
    const manifest = join(folder, "song.json");
    for (const [name, mutate, message] of cases) {
      await t.step(name, async () => {
        await Deno.writeTextFile(manifest, JSON.stringify(mutate(base())));
        const error = await expectRefused(player, manifest, "MANIFEST", manifest, message);
        assert.ok(error.message.startsWith(`${manifest}: `), error.message);
      });
    }
    // The unmutated manifest loads: the refusals above came from the mutations.
    await Deno.writeTextFile(manifest, JSON.stringify(base()));
    await player.loadSong(manifest);
    assert.equal(player.title, "New");
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

function writeTone(path: string): Promise<void> {
  return Deno.writeFile(path, encodeWav(tone(440, 0.5, 48000, 2), 48000, "s16"));
}

Deno.test("an unreadable file (as the nobody user; root reads anything): PERMISSION", async () => {
  if (Deno.uid() !== 0) {
    // Not root: chmod alone makes the file unreadable to this very process.
    const dir = await Deno.makeTempDir();
    const player = await playerPlayingOldSong(dir);
    try {
      const { folder, bad } = await songWith(dir, "locked.wav", writeTone);
      await Deno.chmod(bad, 0o000);
      await expectRefused(player, folder, "PERMISSION", bad, /cannot open/);
    } finally {
      await player.close();
      await Deno.remove(dir, { recursive: true });
    }
    return;
  }
  // As root, chmod 000 stops nobody from reading but root: run the check as `nobody`.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.chmod(dir, 0o755);
    const { folder, bad } = await songWith(dir, "locked.wav", writeTone);
    await Deno.chmod(bad, 0o000);
    const library = join(dir, "libstemplay.so");
    await Deno.copyFile((await openLibrary()).path, library);
    await Deno.chmod(library, 0o755);
    const denoDir = join(dir, "deno-dir");
    await Deno.mkdir(denoDir, { mode: 0o777 });
    await Deno.chmod(denoDir, 0o777);
    // nobody may not be able to reach this Deno (npx keeps it under root's home) or this
    // checkout: give it copies of both in the world-readable temporary folder.
    const deno = join(dir, "deno");
    await Deno.copyFile(Deno.execPath(), deno);
    await Deno.chmod(deno, 0o755);
    const sources = join(dir, "sources");
    const root = new URL("../", import.meta.url).pathname;
    for (const part of ["deno.json", "mod.ts", "src", "ffi", "tests/support"]) {
      cpSync(join(root, part), join(sources, part), { recursive: true });
    }
    await new Deno.Command("chmod", { args: ["-R", "a+rX", sources] }).output();
    const child = join(sources, "tests/support/unreadable_song_child.ts");
    const output = await new Deno.Command("runuser", {
      args: ["-u", "nobody", "--", deno, "run", "-A", "--no-lock", child, dir, folder],
      env: { DENO_DIR: denoDir, STEMPLAY_LIB: library, HOME: dir, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, `child failed:\n${stdout}\n${stderr}`);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.equal(result.uid, 65534);
    assert.equal(result.code, "PERMISSION", result.message);
    assert.equal(result.path, bad);
    assert.match(result.message, /cannot open .*locked\.wav for reading/);
    assert.equal(result.untouched, true, result.untouchedError);
    // The same folder loads as root: the mode bits were the only problem.
    const player = await playerPlayingOldSong(join(dir, "root"));
    try {
      await player.loadSong(folder);
      assert.deepEqual(player.tracks.map((track) => track.name), ["a good", "locked"]);
    } finally {
      await player.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
