/**
 * A setlist with several mistakes names them all in one SETLIST error, each with its key path.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSetlist, StemplayError } from "../mod.ts";
import { writeSineSong } from "./support/songs.ts";

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
