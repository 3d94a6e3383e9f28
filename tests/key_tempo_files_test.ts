/**
 * Key and tempo in files (issue 24): song.json's "transpose", "speed" and
 * `tracks[i].pitched`, a setlist entry's override, and the folder guess of `pitched`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSetlist, loadSongDescription, StemplayError } from "../mod.ts";
import { writeManifest, writeStems } from "./support/songs.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "stemplay-keytempo-files-" });
}

async function problems(load: () => Promise<unknown>, code: string): Promise<string[]> {
  try {
    await load();
  } catch (error) {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, code, error.message);
    return (error.problems ?? []).map((p) => `${p.keyPath}: ${p.message}`);
  }
  throw new Error("it loaded");
}

Deno.test("song.json transpose, speed and tracks[i].pitched are read", async () => {
  const dir = await tempDir();
  try {
    await writeStems(dir, [{ file: "keys.wav" }, { file: "kick.wav" }]);
    const manifest = await writeManifest(dir, {
      transpose: -2.5,
      speed: 0.9,
      tracks: [{ file: "keys.wav" }, { file: "kick.wav", pitched: false }],
    });
    const song = await loadSongDescription(manifest);
    assert.equal(song.transpose, -2.5);
    assert.equal(song.speed, 0.9);
    assert.deepEqual(song.tracks.map((t) => [t.options.name, t.pitched, t.pitchedGuessed]), [
      ["keys", true, false],
      ["kick", false, false],
    ]);
    // Absent: neutral.
    const plain = await loadSongDescription(
      await writeManifest(dir, { tracks: [{ file: "keys.wav" }] }),
    );
    assert.equal(plain.transpose, 0);
    assert.equal(plain.speed, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad transpose, speed and pitched in song.json are MANIFEST problems by key path", async () => {
  const dir = await tempDir();
  try {
    await writeStems(dir, [{ file: "keys.wav" }]);
    const manifest = await writeManifest(dir, {
      transpose: 13,
      speed: "fast",
      tracks: [{ file: "keys.wav", pitched: "no" }],
    });
    const found = await problems(() => loadSongDescription(manifest), "MANIFEST");
    assert.deepEqual(found.map((line) => line.split(":")[0]), [
      "transpose",
      "speed",
      "tracks[1].pitched",
    ]);
    assert.match(found[0], /out of range: use -12 … \+12 semitones/);
    assert.match(found[1], /tempo ratio/);
    for (const value of [0.49, 2.01, null]) {
      await writeManifest(dir, { speed: value, tracks: [{ file: "keys.wav" }] });
      const [line] = await problems(() => loadSongDescription(manifest), "MANIFEST");
      assert.match(line, /^speed: /);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder song guesses pitched: false for click, guide and percussion, marked as guessed", async () => {
  const dir = await tempDir();
  try {
    await writeStems(dir, [
      { file: "Bass.wav" },
      { file: "Click.wav" },
      { file: "Drums.wav" },
      { file: "Shaker.wav" },
      { file: "Vox.wav" },
    ]);
    const song = await loadSongDescription(dir);
    assert.equal(song.transpose, 0);
    assert.equal(song.speed, 1);
    assert.deepEqual(song.tracks.map((t) => [t.options.name, t.pitched, t.pitchedGuessed]), [
      ["Bass", true, true],
      ["Click", false, true],
      ["Drums", false, true],
      ["Shaker", false, true],
      ["Vox", true, true],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a setlist entry overrides the song's transpose and speed; bad values are SETLIST problems", async () => {
  const dir = await tempDir();
  try {
    const song = join(dir, "song");
    await writeStems(song, [{ file: "keys.wav" }]);
    await writeManifest(song, { transpose: 1, speed: 1.05, tracks: [{ file: "keys.wav" }] });
    const setlistPath = join(dir, "show.json");
    await Deno.writeTextFile(
      setlistPath,
      JSON.stringify({
        songs: ["song", { song: "song", transpose: -3 }, { song: "song", speed: 0.8 }],
      }),
    );
    const setlist = await loadSetlist(setlistPath);
    assert.deepEqual(
      setlist.songs.map((e) => [e.description.transpose, e.description.speed]),
      [[1, 1.05], [-3, 1.05], [1, 0.8]],
    );
    await Deno.writeTextFile(
      setlistPath,
      JSON.stringify({ songs: [{ song: "song", transpose: "up" }, { song: "song", speed: 3 }] }),
    );
    const found = await problems(() => loadSetlist(setlistPath), "SETLIST");
    assert.deepEqual(found.map((line) => line.split(":")[0]), [
      "songs[0].transpose",
      "songs[1].speed",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
