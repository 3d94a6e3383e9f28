/**
 * `stemplay init FOLDER` writes a song.json from a folder of stems, run as a user runs it: the
 * song it writes loads, its buses are guessed from the file names, its tempo is detected from
 * the click stem (detectTempo) or taken with the markers from a MIDI file (--midi), markers come
 * from a WAV stem's cue points, and an existing song.json is kept unless --force.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { draftSong, loadSongDescription, Player, saveSong } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { runCli } from "./support/cli.ts";
import { writeStems } from "./support/songs.ts";
import { midiWithTempoMap, wavWithMarkers } from "./support/daw_files.ts";

const RATE = 48000;

/** A click at 120 bpm from 0.5 s: a 5 ms burst on every beat, for 8 s. */
function click(): Float32Array {
  const samples = new Float32Array(8 * RATE);
  for (let at = 0.5 * RATE; at < samples.length; at += RATE / 2) {
    for (let k = 0; k < 240; k++) samples[at + k] = 0.5 * Math.sin(k / 3) * (1 - k / 240);
  }
  return samples;
}

async function withStems(fn: (folder: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const folder = join(dir, "Way Maker");
    await writeStems(folder, [
      { file: "Bass.wav", seconds: 8 },
      { file: "Keys.wav", seconds: 8 },
      { file: "Guide Vox.wav", seconds: 8 },
    ]);
    await Deno.writeFile(join(folder, "Click.wav"), encodeWav([click()], RATE, "s16"));
    await fn(folder);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("init: a folder of a click and stems gives a song that loads, buses guessed", async () => {
  await withStems(async (folder) => {
    const run = await runCli(["init", folder]);
    assert.equal(run.code, 0, run.stderr);
    const manifest = join(folder, "song.json");
    const text = await Deno.readTextFile(manifest);
    assert.ok(text.startsWith('{\n  "title": "Way Maker",'), text); // readable, 2-space
    const song = await loadSongDescription(folder);
    assert.equal(song.kind, "manifest");
    assert.deepEqual(
      song.tracks.map((t) => [t.options.name, t.options.bus]),
      [["Bass", "FOH"], ["Click", "in-ears"], ["Guide Vox", "in-ears"], ["Keys", "FOH"]],
    );
    // The tempo is detected from the click (120 bpm from 0.5 s, no accent: 4/4 from its first
    // beat), and the output says where it came from and how sure it is.
    assert.equal(song.tempo.length, 1, JSON.stringify(song.tempo));
    assert.ok(Math.abs(song.tempo[0].tempo - 120) <= 0.01, `tempo ${song.tempo[0].tempo}`);
    assert.ok(Math.abs(song.tempo[0].at - 0.5) <= 0.001, `firstBeat ${song.tempo[0].at}`);
    assert.deepEqual(song.tempo[0].timeSignature, [4, 4]);
    assert.match(run.stdout, /tempo 120 in 4\/4 detected from Click\.wav \(confidence/);
    // And it plays: the player loads it (offline) with its four tracks.
    const player = await Player.open({ backend: "offline", sampleRate: RATE, channels: 4 });
    try {
      await player.loadSong(folder);
      assert.equal(player.tracks.length, 4);
      assert.equal(player.title, "Way Maker");
    } finally {
      await player.close();
    }
  });
});

Deno.test("init: tempo map and markers from --midi; markers from a WAV stem's cue points", async () => {
  await withStems(async (folder) => {
    const midi = join(folder, "..", "map.mid");
    await Deno.writeFile(midi, midiWithTempoMap());
    const run = await runCli(["init", folder, "--midi", midi]);
    assert.equal(run.code, 0, run.stderr);
    const song = await loadSongDescription(folder);
    assert.equal(song.tempo[0].tempo, 120);
    assert.equal(song.tempo[1].at, 4);
    assert.deepEqual(song.tempo[1].timeSignature, [6, 8]);
    assert.deepEqual(song.markers.map((m) => m.name), ["Intro", "Verse", "Chorus"]);

    // Without --midi, markers come from the first WAV stem that has cue points.
    await Deno.writeFile(join(folder, "Pad.wav"), wavWithMarkers());
    const again = await runCli(["init", folder, "--force"]);
    assert.equal(again.code, 0, again.stderr);
    const cued = await loadSongDescription(folder);
    assert.deepEqual(cued.markers, [
      { name: "Intro", at: 0 },
      { name: "Verse 1", at: 0.5 },
      { name: "Marker 7", at: 0.75 },
    ]);
    assert.match(again.stdout, /3 markers from Pad\.wav/);
  });
});

Deno.test("init: an existing song.json is kept without --force; usage errors exit 2", async () => {
  await withStems(async (folder) => {
    const manifest = join(folder, "song.json");
    await Deno.writeTextFile(manifest, '{ "tracks": [{ "file": "Bass.wav" }] }\n');
    const before = await Deno.readFile(manifest);
    const refused = await runCli(["init", folder]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /song\.json already exists.*--force/);
    assert.deepEqual(await Deno.readFile(manifest), before);

    const forced = await runCli(["init", folder, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await loadSongDescription(folder)).tracks.length, 4);

    for (const args of [["init"], ["init", folder, "other"], ["init", folder, "--bpm", "120"]]) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /stemplay init/);
    }
    const help = await runCli(["init", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: stemplay init <folder>/);
  });
});

Deno.test("draftSong: a tempo detector is run on the click stem; its first entry becomes tempo", async () => {
  await withStems(async (folder) => {
    const heard: string[] = [];
    // Stands in for detectTempo (not on this branch): what it would report for this click.
    const detect = (path: string) => {
      heard.push(path);
      return Promise.resolve({
        bpm: 120,
        firstBeat: 0.5,
        timeSignature: [4, 4] as [number, number],
        tempoMap: [
          { at: 0.5, tempo: 120, timeSignature: [4, 4] as [number, number] },
          { at: 4.5, tempo: 90, timeSignature: [3, 4] as [number, number] },
        ],
        confidence: 0.97,
      });
    };
    const draft = await draftSong(folder, { detectTempo: detect });
    assert.deepEqual(heard, [join(folder, "Click.wav")]);
    assert.equal(draft.manifest.tempo, 120);
    assert.equal(draft.manifest.firstBeat, 0.5);
    assert.deepEqual(draft.manifest.tempoMap, [{ at: 4.5, tempo: 90, timeSignature: [3, 4] }]);
    assert.match(
      draft.notes[0],
      /tempo 120 in 4\/4 .*detected from Click\.wav \(confidence 0\.97\)/,
    );
    // The draft is a valid song: saved and loaded, its grid starts at the click's first beat.
    await saveSong(join(folder, "song.json"), draft.manifest);
    const song = await loadSongDescription(folder);
    assert.deepEqual(song.tempo.map((s) => s.at), [0.5, 4.5]);
  });
});

Deno.test("init: a click with no steady beat leaves the tempo out and says so; the song is written", async () => {
  await withStems(async (folder) => {
    await Deno.writeFile(
      join(folder, "Click.wav"),
      encodeWav([new Float32Array(RATE)], RATE, "s16"),
    );
    const run = await runCli(["init", folder, "--force"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /no tempo: no steady beat was heard in Click\.wav; give --midi/);
    assert.deepEqual((await loadSongDescription(folder)).tempo, []);
  });
});
