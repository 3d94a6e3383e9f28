/**
 * saveSong: validates with the loader's own checks, writes song.json atomically as
 * 2-space-indented JSON, resolves to a version; a stale `ifVersion` is STALE and a bad
 * manifest is MANIFEST with every problem, and in both cases the file is byte-identical after.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSongDescription, saveSong, songVersion, StemplayError } from "../mod.ts";
import { writeSineSong } from "./support/songs.ts";

async function withSong(fn: (manifest: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await writeSineSong(dir, "Song", ["click.wav", "bass.wav", "keys.wav"]);
    await fn(join(folder, "song.json"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function refused(promise: Promise<unknown>, code: string): Promise<StemplayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  throw new Error(`no ${code} error`);
}

Deno.test("saveSong: writes readable JSON atomically and resolves to the file's version", async () => {
  await withSong(async (manifest) => {
    const song = {
      title: "Song",
      tempo: 120,
      tracks: [{ file: "click.wav", bus: "in-ears" }, { file: "bass.wav", gainDb: -3 }],
      markers: [{ name: "Verse", at: "2.1" }],
    };
    const { version } = await saveSong(manifest, song);
    const text = await Deno.readTextFile(manifest);
    assert.equal(text, JSON.stringify(song, null, 2) + "\n");
    assert.equal(version, await songVersion(manifest));
    const description = await loadSongDescription(manifest);
    assert.deepEqual(description.tracks.map((t) => t.options.name), ["click", "bass"]);
    assert.equal(description.markers[0].at, 2); // bar 2 at 120 bpm 4/4
    // No temporary file is left beside it.
    const names = [...Deno.readDirSync(join(manifest, ".."))].map((e) => e.name).sort();
    assert.deepEqual(names, ["bass.wav", "click.wav", "keys.wav", "song.json"]);
  });
});

Deno.test("saveSong: a stale ifVersion is STALE and the file is left as it was", async () => {
  await withSong(async (manifest) => {
    const first = await songVersion(manifest);
    const { version: second } = await saveSong(manifest, {
      title: "A",
      tracks: [{ file: "bass.wav" }],
    }, { ifVersion: first });
    assert.notEqual(second, first);
    const before = await Deno.readFile(manifest);
    const error = await refused(
      saveSong(manifest, { title: "B", tracks: [{ file: "keys.wav" }] }, { ifVersion: first }),
      "STALE",
    );
    assert.match(error.message, /changed/);
    assert.deepEqual(await Deno.readFile(manifest), before);
    // With the current version it saves.
    await saveSong(manifest, { title: "B", tracks: [{ file: "keys.wav" }] }, { ifVersion: second });
    assert.equal((await loadSongDescription(manifest)).title, "B");
  });
});

Deno.test("saveSong: three mistakes are one MANIFEST error with all three; the file is byte-identical", async () => {
  await withSong(async (manifest) => {
    const before = await Deno.readFile(manifest);
    const error = await refused(
      saveSong(manifest, {
        title: "Song",
        tempo: 120,
        tracks: [{ file: "bass.wav", gainDb: 40 }, { file: "gone.wav" }],
        markers: [{ name: "Chorus", at: "3.9" }],
      }),
      "MANIFEST",
    );
    assert.deepEqual(error.problems?.map((p) => p.keyPath), [
      "tracks[1].gainDb",
      "markers[1].at",
      "tracks[2].file",
    ]);
    for (const problem of error.problems ?? []) {
      assert.ok(error.message.includes(`${problem.keyPath}: ${problem.message}`), error.message);
    }
    assert.match(error.message, /3 problems/);
    assert.deepEqual(await Deno.readFile(manifest), before);
  });
});

Deno.test("loading a song.json with three mistakes reports all three at once", async () => {
  await withSong(async (manifest) => {
    await Deno.writeTextFile(
      manifest,
      JSON.stringify({
        bpm: 72,
        tracks: [{ file: "bass.wav", pan: 3 }, { file: "keys.wav" }],
        markers: [{ name: "Intro", at: "0:00" }],
      }),
    );
    const error = await refused(loadSongDescription(manifest), "MANIFEST");
    assert.deepEqual(error.problems, [
      { keyPath: "bpm", message: error.problems?.[0].message },
      { keyPath: "tracks[1].pan", message: "must be from -1 to 1, got 3" },
      { keyPath: "markers[1].at", message: error.problems?.[2].message },
    ]);
    assert.match(error.problems?.[0].message ?? "", /unknown key \(allowed here: title/);
    assert.match(error.problems?.[2].message ?? "", /"17\.1"/);
    assert.match(error.message, /bpm: unknown key[^]*tracks\[1\]\.pan[^]*markers\[1\]\.at/);
  });
});
