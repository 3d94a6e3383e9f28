/**
 * A setlist or a settings file with several mistakes names them all in one error, each with its
 * key path in `problems`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSetlist, StemplayError } from "../mod.ts";
import { writeSineSong } from "./support/songs.ts";
import { parseSettings } from "../src/cli/settings.ts";
import { checkMidiMap } from "../src/control/midi_map.ts";

Deno.test("a setlist with three mistakes reports all three at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSineSong(dir, "one", ["a.wav"]);
    await writeSineSong(dir, "two", ["a.wav"]);
    const path = join(dir, "setlist.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        title: "Sunday",
        songs: [
          { song: "one", countIn: 40 },
          { song: "two", transition: "fade" },
          { song: "one", encore: true },
        ],
      }),
    );
    const error = await loadSetlist(path).then(
      () => assert.fail("the setlist loaded"),
      (error) => error,
    );
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, "SETLIST");
    assert.deepEqual(error.problems?.map((p) => p.keyPath), [
      "songs[0].countIn",
      "songs[1].transition",
      "songs[2].encore",
    ]);
    assert.match(error.message, /3 problems/);
    assert.match(error.message, /songs\[2\]\.encore: unknown key \(known: song, transition/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stemplay.json: every problem in SETTINGS's problems, by key path", () => {
  const error = (() => {
    try {
      parseSettings(
        { audio: { blockFrames: 3, backend: 7 }, colour: "blue" },
        "stemplay.json",
      );
    } catch (error) {
      return error;
    }
    assert.fail("the settings parsed");
  })();
  assert.ok(error instanceof StemplayError, String(error));
  assert.equal(error.code, "SETTINGS");
  assert.deepEqual(error.problems?.map((p) => p.keyPath), [
    "audio.blockFrames",
    "audio.backend",
    "colour",
  ]);
  for (const problem of error.problems ?? []) {
    assert.ok(error.message.includes(`${problem.keyPath}: ${problem.message}`), error.message);
  }
});

Deno.test("MIDI maps: every problem in MIDI_MAP's problems, by key path", () => {
  assert.throws(
    () => checkMidiMap([{ note: 200, action: "next" }, { cc: 7, action: "next", colour: 1 }]),
    (error: unknown) => {
      assert.ok(error instanceof StemplayError, String(error));
      assert.equal(error.code, "MIDI_MAP");
      assert.deepEqual(error.problems?.map((p) => p.keyPath), ["map[0].note", "map[1].colour"]);
      return true;
    },
  );
});
