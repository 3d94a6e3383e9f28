/**
 * The documents say what the code does (issue 28): claims that once disagreed with the code are
 * checked against it here, so they cannot drift back.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const read = (path: string) =>
  Deno.readTextFile(fileURLToPath(new URL(`../${path}`, import.meta.url)));

Deno.test("docs agree: clickRoute defaults to the in-ears bus, not outputs 1-2", async () => {
  const songs = await read("docs/songs.md");
  const row = songs.split("\n").find((line) => line.startsWith("| `clickRoute`"));
  assert.ok(row, "docs/songs.md has a clickRoute row");
  assert.doesNotMatch(row, /1-2/);
  assert.match(row, /in-ears/);
  const source = await read("src/songs/song_types.ts");
  const jsdoc = /\/\*\*([^]*?)\*\/\s*clickRoute\?: number\[\];/.exec(source);
  assert.ok(jsdoc, "src/songs/song_types.ts documents clickRoute");
  assert.doesNotMatch(jsdoc[1], /1-2/);
  assert.match(jsdoc[1], /in-ears/);
  // And the code does what they say: without clickRoute, the in-ears bus.
  const buses = await read("src/engine/buses.ts");
  assert.match(buses, /if \(clickRoute\) return \{ route: clickRoute \};\s*const inEars/);
});

Deno.test("docs agree: files are resampled by our own resampler, not miniaudio's", async () => {
  for (const path of ["README.md", "docs/songs.md", "docs/performance.md", "docs/monitor.md"]) {
    const text = (await read(path)).replace(/\s+/g, " ");
    assert.doesNotMatch(text, /resampled to the engine's rate by miniaudio/, path);
  }
  assert.match((await read("docs/songs.md")).replace(/\s+/g, " "), /native\/resample\.c/);
});
