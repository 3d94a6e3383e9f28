/**
 * The song.json conveniences: markers in bars and beats landing on the bar's frame (with one
 * tempo and with a tempo map), `"include": "folder"`, and `"tempoUnit"` for compound meters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSongDescription, type Player, StemplayError } from "../mod.ts";
import { writeManifest, writeStems } from "./support/songs.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";

const RATE = 44100;

/** The frame the player jumps to for `marker`, through the real show path: the position after
 * the same jump-and-render as for the marker "Zero" (at 0 s), less that one's. */
function jumpFrame(player: Player, marker: string): number {
  const landing = (name: string) => {
    player.seekFrames(0);
    player.play();
    player.render(4096);
    player.jump(name, { at: "now" });
    player.render(4096);
    player.pause();
    player.render(4096);
    return player.positionFrames;
  };
  return landing(marker) - landing("Zero");
}

async function manifestError(manifest: string): Promise<StemplayError> {
  try {
    await loadSongDescription(manifest);
  } catch (error) {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, "MANIFEST", error.message);
    return error;
  }
  throw new Error("the manifest loaded");
}

Deno.test("markers in bars land on the bar's frame (72 bpm, first downbeat at 0.25 s)", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const folder = await writeStems(join(dir, "song"), [{ file: "a.wav", seconds: 30 }]);
    await writeManifest(folder, {
      tempo: 72,
      firstBeat: 0.25,
      tracks: [{ file: "a.wav" }],
      markers: [
        { name: "Zero", at: 0 },
        { name: "Top", at: "1.1" },
        { name: "Verse", at: "5.1" },
        { name: "Push", at: "9.3" },
      ],
    });
    await player.loadSong(folder);
    // A beat at 72 bpm is 36750 frames at 44.1 kHz; the first downbeat is frame 11025.
    const beat = (k: number) => 11025 + k * 36750;
    assert.equal(jumpFrame(player, "Top"), beat(0));
    assert.equal(jumpFrame(player, "Verse"), beat(16)); // marker worked out by hand: 13.583 s
    assert.equal(jumpFrame(player, "Push"), beat(34));
  });
});

Deno.test("markers in bars land on the bar's frame across a tempo map, pickup in bar 0", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const folder = await writeStems(join(dir, "song"), [{ file: "a.wav", seconds: 20 }]);
    await writeManifest(folder, {
      tempo: 60,
      firstBeat: 1.25,
      tempoMap: [{ at: 9.25, tempo: 90, timeSignature: [3, 4] }],
      tracks: [{ file: "a.wav" }],
      markers: [
        { name: "Zero", at: 0 },
        { name: "Pickup", at: "0.4" },
        { name: "Two", at: "2.3" },
        { name: "Change", at: "3.1" },
        { name: "Five", at: "5.2" },
      ],
    });
    await player.loadSong(folder);
    assert.equal(jumpFrame(player, "Pickup"), 11025); // 1.25 s - one beat at 60
    assert.equal(jumpFrame(player, "Two"), 1.25 * RATE + 6 * RATE);
    assert.equal(jumpFrame(player, "Change"), 9.25 * RATE); // bars 1-2 at 60, bar 3 at 90
    assert.equal(jumpFrame(player, "Five"), 9.25 * RATE + 7 * 29400); // 2/3 s a beat
  });
});

Deno.test("markers in bars: wrong beats, no tempo and bad text are named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await writeStems(dir, [{ file: "a.wav" }]);
    const manifest = await writeManifest(folder, {
      tempo: 120,
      timeSignature: [3, 4],
      tracks: [{ file: "a.wav" }],
      markers: [{ name: "A", at: "2.4" }, { name: "B", at: "1:30" }, { name: "C", at: "0.1" }],
    });
    const error = await manifestError(manifest);
    assert.deepEqual(error.problems?.map((p) => p.keyPath), [
      "markers[1].at",
      "markers[2].at",
      "markers[3].at",
    ]);
    assert.match(error.problems![0].message, /bar 2 has beats 1 to 3, not 4/);
    assert.match(error.problems![1].message, /must be seconds .* or a bar and beat/);
    assert.match(error.problems![2].message, /bar 0 beat 1 \(the pickup\) would be/);
    await writeManifest(folder, {
      tracks: [{ file: "a.wav" }],
      markers: [{ name: "A", at: "2.1" }],
    });
    const noTempo = await manifestError(manifest);
    assert.match(noTempo.message, /markers\[1\]\.at: .*needs the song's tempo/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('"include": "folder" takes the folder\'s files, with exclude and per-file settings', async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await writeStems(dir, [
      { file: "keys.wav" },
      { file: "Click.wav" },
      { file: "bass.wav" },
      { file: "guide.wav" },
    ]);
    await Deno.writeTextFile(join(folder, "notes.txt"), "not audio");
    const manifest = await writeManifest(folder, {
      include: "folder",
      exclude: ["guide.wav"],
      tracks: [{ file: "bass.wav", name: "Bass", gainDb: -6 }],
    });
    const song = await loadSongDescription(manifest);
    assert.deepEqual(song.tracks.map((t) => t.options.name), ["Bass", "Click", "keys"]);
    assert.equal(song.tracks[0].options.gainDb, -6);
    assert.equal(song.tracks[1].options.bus, "in-ears"); // guessed, as for a folder
    assert.equal(song.tracks[2].file, join(folder, "keys.wav"));
    await writeManifest(folder, { include: "folder", exclude: ["drums.wav"] });
    const error = await manifestError(manifest);
    assert.match(
      error.message,
      /exclude\[0\]: drums\.wav is not an audio file of the song's folder/,
    );
    await writeManifest(folder, { include: "all" });
    assert.match((await manifestError(manifest)).message, /include: must be "folder"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('"tempoUnit": "dotted-quarter" counts a compound meter\'s felt beat; without it, a warning', async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await writeStems(dir, [{ file: "a.wav" }]);
    const manifest = await writeManifest(folder, {
      tempo: 50,
      tempoUnit: "dotted-quarter",
      timeSignature: [6, 8],
      tracks: [{ file: "a.wav" }],
      markers: [{ name: "Two", at: "2.1" }],
    });
    const song = await loadSongDescription(manifest);
    assert.equal(song.tempo[0].tempo, 150); // eighths a minute, as the grid counts
    assert.ok(Math.abs(song.markers[0].at - 2.4) < 1e-12); // a 6/8 bar at 50 dotted quarters
    assert.equal(song.warnings, undefined);
    await writeManifest(folder, { tempo: 50, timeSignature: [6, 8], tracks: [{ file: "a.wav" }] });
    const flagged = await loadSongDescription(manifest);
    assert.equal(flagged.warnings?.length, 1);
    assert.equal(flagged.warnings![0].keyPath, "tempo");
    assert.match(flagged.warnings![0].message, /7\.2 s bar/);
    assert.match(flagged.warnings![0].message, /"tempoUnit": "dotted-quarter"/);
    assert.match(flagged.warnings![0].message, /under 80 eighths a minute/); // the rule
    await writeManifest(folder, { tempo: 150, timeSignature: [6, 8], tracks: [{ file: "a.wav" }] });
    assert.equal((await loadSongDescription(manifest)).warnings, undefined);
    await writeManifest(folder, { tempo: 50, tempoUnit: "dotted", tracks: [{ file: "a.wav" }] });
    assert.match((await manifestError(manifest)).message, /tempoUnit: must be one of "beat"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
