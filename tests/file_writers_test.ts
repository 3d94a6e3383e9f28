/**
 * Files the program writes (issue 28): MIDI learn rewrites the user's stemplay.json in a stable,
 * readable form (short arrays such as `[1, 2]` stay on one line), atomically (a temporary file
 * then a rename: no half-written file, no temporary left behind), through one helper.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { saveMidiMap } from "../src/control/midi_learn.ts";
import { formatJson } from "../src/util/json_format.ts";
import { writeTextAtomic } from "../src/util/write_atomic.ts";
import { writeDemoSong } from "../src/cli/demo_song.ts";
import { runCli } from "./support/cli.ts";

const USER_FILE = `{
  "audio": { "backend": "jack" },
  "buses": {
    "FOH": { "outputs": [1, 2] },
    "in-ears": { "outputs": [3, 4], "protected": true }
  },
  "midi": { "input": "jack", "map": [] }
}
`;

Deno.test("file writers: MIDI learn keeps [1, 2] on one line, and the rest of the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-writers-" });
  try {
    const path = join(dir, "stemplay.json");
    await Deno.writeTextFile(path, USER_FILE);
    await saveMidiMap(path, [{ cc: 64, channel: 4, min: 64, action: "togglePlay" }]);
    const text = await Deno.readTextFile(path);
    assert.equal(
      text,
      `{
  "audio": { "backend": "jack" },
  "buses": {
    "FOH": { "outputs": [1, 2] },
    "in-ears": { "outputs": [3, 4], "protected": true }
  },
  "midi": {
    "input": "jack",
    "map": [
      { "cc": 64, "channel": 4, "min": 64, "action": "togglePlay" }
    ]
  }
}
`,
    );
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), [
      "stemplay.json",
    ], "no temporary file is left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file writers: formatJson is stable and JSON.parse gives the value back", () => {
  const value = {
    title: "Song",
    tracks: [{ file: "click.wav", outputs: [3], gain: -3 }, { file: "a b.wav" }],
    empty: [],
    nested: { list: [[1, 2], [3, 4]] },
    long: Array.from({ length: 40 }, (_, i) => i * 1000),
  };
  const text = formatJson(value);
  assert.deepEqual(JSON.parse(text), value);
  assert.equal(formatJson(JSON.parse(text)), text, "formatting twice changes nothing");
  assert.match(text, /"outputs": \[3\]/);
  assert.match(text, /"empty": \[\]/);
  for (const line of text.split("\n")) assert.ok(line.length <= 100, `too long: ${line}`);
});

Deno.test("file writers: writeTextAtomic writes through a symlink and keeps the file's mode", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-writers-" });
  try {
    const real = join(dir, "real.json");
    const link = join(dir, "stemplay.json");
    await Deno.writeTextFile(real, "{}\n");
    await Deno.chmod(real, 0o600);
    await Deno.symlink(real, link);
    await writeTextAtomic(link, '{ "a": 1 }\n');
    assert.ok((await Deno.lstat(link)).isSymlink, "the link is still a link");
    assert.equal(await Deno.readTextFile(real), '{ "a": 1 }\n');
    assert.equal((await Deno.stat(real)).mode! & 0o777, 0o600);
    await writeTextAtomic(join(dir, "tool"), "#!/bin/sh\n", { mode: 0o755 });
    assert.equal((await Deno.stat(join(dir, "tool"))).mode! & 0o777, 0o755);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file writers: render replaces mix.wav by a rename, never by rewriting it in place", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-writers-" });
  try {
    await Deno.mkdir(join(dir, "song"));
    await writeDemoSong(join(dir, "song"));
    const mix = join(dir, "mix.wav");
    await Deno.writeTextFile(mix, "the mix of last week");
    const before = (await Deno.stat(mix)).ino;
    const run = await runCli(["render", "song", "-o", "mix.wav", "--bus", "FOH"], dir);
    assert.equal(run.code, 0, run.stderr);
    // A new file took the old one's name: until then the old mix was whole (a failed render
    // leaves it as it was).
    assert.notEqual((await Deno.stat(mix)).ino, before, "mix.wav was rewritten in place");
    assert.equal(new TextDecoder().decode((await Deno.readFile(mix)).subarray(0, 4)), "RIFF");
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort(),
      ["mix.wav", "song"],
      "no temporary file is left behind",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
