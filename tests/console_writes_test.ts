/**
 * The console's reads of what is not there and its writes against planted symlinks: a missing
 * setlist or song is a 404 with a JSON error (not a 500), and a symlink planted in the
 * library (at the file, or at the temporary file, between the checks and the rename) is
 * refused, with the file outside untouched. Real files, a real console on loopback.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, saveSong, serveConsole, StemplayError } from "../mod.ts";
import { saveChecked } from "../src/control/console_save.ts";
import { writeAtomic } from "../src/util/write_atomic.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

const PIN = "90125783";
const OUTSIDE_TEXT = '{"secret": true}\n';

async function withDirs(run: (library: string, outsideFile: string) => Promise<void>) {
  const library = await Deno.makeTempDir({ prefix: "stemplay-console-writes-" });
  const outside = await Deno.makeTempDir({ prefix: "stemplay-outside-" });
  try {
    const outsideFile = join(outside, "precious.json");
    await Deno.writeTextFile(outsideFile, OUTSIDE_TEXT);
    await run(library, outsideFile);
  } finally {
    await Deno.remove(library, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
}

Deno.test("console: a missing setlist or song is a 404; a linked song.json is not written through", async () => {
  await withDirs(async (library) => {
    const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
    const web = await serveConsole(player, { library, port: 0, pin: PIN });
    try {
      await writeSineSong(library, "Hymn", ["keys.wav"]);
      const { cookie } = await loginFrom(web.port, PIN);
      for (
        const [path, words] of [
          ["/api/setlist?id=nothing.json", /no setlist "nothing.json"/],
          ["/api/song?id=Nothing", /no song "Nothing"/],
        ] as const
      ) {
        const response = await fetch(`http://127.0.0.1:${web.port}${path}`, {
          headers: { cookie: cookie! },
        });
        assert.equal(response.status, 404, path);
        assert.match(response.headers.get("content-type") ?? "", /json/);
        const body = await response.json();
        assert.equal(body.ok, false);
        assert.match(body.error, words);
      }
      // A song.json linked to another song's (inside the library, so the path checks pass):
      // the save does not write through the link, and says so without the machine's paths.
      const other = await writeSineSong(library, "Other", ["pad.wav"]);
      const otherBytes = await Deno.readFile(join(other, "song.json"));
      await Deno.remove(join(library, "Hymn", "song.json"));
      await Deno.symlink(join(other, "song.json"), join(library, "Hymn", "song.json"));
      const read = await fetch(`http://127.0.0.1:${web.port}/api/song?id=Hymn`, {
        headers: { cookie: cookie! },
      });
      const { version } = await read.json();
      const base = `http://127.0.0.1:${web.port}`;
      const save = await fetch(`${base}/api/song`, {
        method: "POST",
        headers: { cookie: cookie!, origin: base, "content-type": "application/json" },
        body: JSON.stringify({
          id: "Hymn",
          ifVersion: version,
          value: { title: "Hymn", tracks: [{ file: "keys.wav" }] },
        }),
      });
      const refusal = await save.json();
      assert.equal(save.status, 400, JSON.stringify(refusal));
      assert.match(refusal.error, /^Hymn\/song.json is a symlink/);
      assert.ok(!refusal.error.includes(library), "no path of this machine");
      assert.deepEqual(await Deno.readFile(join(other, "song.json")), otherBytes);
      await Deno.remove(join(library, "Hymn", "song.json"));
      await Deno.writeTextFile(
        join(library, "Hymn", "song.json"),
        JSON.stringify({
          title: "Hymn",
          tracks: [{ file: "keys.wav" }],
        }),
      );
      // What is there still reads.
      const hymn = await fetch(`http://127.0.0.1:${web.port}/api/song?id=Hymn`, {
        headers: { cookie: cookie! },
      });
      assert.equal(hymn.status, 200);
      await hymn.body?.cancel();
    } finally {
      await web.close();
      await player.close();
    }
  });
});

Deno.test("console writes: a symlink planted at a setlist before the rename is refused", async () => {
  await withDirs(async (library, outsideFile) => {
    const setlist = join(library, "sunday.json");
    const value = { title: "Sunday", songs: [] };
    // Planted while the save validates (after the path checks, before the rename).
    await assert.rejects(
      saveChecked(setlist, value, "", async () => {
        await Deno.symlink(outsideFile, setlist);
      }),
      (error: unknown) =>
        error instanceof StemplayError && error.code === "INVALID_ARGUMENT" &&
        /symlink/.test(error.message),
    );
    assert.equal(await Deno.readTextFile(outsideFile), OUTSIDE_TEXT);
    assert.ok((await Deno.lstat(setlist)).isSymlink, "the link is left as it was");
    await Deno.remove(setlist);
    // The temporary file swapped for a link out: the rename would put the link in place.
    await assert.rejects(
      saveChecked(setlist, value, "", async (candidate) => {
        await Deno.remove(candidate);
        await Deno.symlink(outsideFile, candidate);
      }),
      StemplayError,
    );
    assert.equal(await Deno.readTextFile(outsideFile), OUTSIDE_TEXT);
    assert.equal(await Deno.lstat(setlist).catch(() => undefined), undefined, "nothing written");
    assert.deepEqual([...Deno.readDirSync(library)], [], "no temporary file left");
  });
});

Deno.test("console writes: saveSong with noFollow and writeAtomic refuse a symlink out", async () => {
  await withDirs(async (library, outsideFile) => {
    const folder = await writeSineSong(library, "Hymn", ["keys.wav"]);
    const manifest = join(folder, "song.json");
    await Deno.remove(manifest);
    await Deno.symlink(outsideFile, manifest);
    await assert.rejects(
      saveSong(manifest, { title: "Hymn", tracks: [{ file: "keys.wav" }] }, { noFollow: true }),
      (error: unknown) => error instanceof StemplayError && error.code === "INVALID_ARGUMENT",
    );
    await assert.rejects(
      writeAtomic(manifest, new TextEncoder().encode("{}\n"), { noFollow: true }),
      StemplayError,
    );
    assert.equal(await Deno.readTextFile(outsideFile), OUTSIDE_TEXT);
    assert.ok((await Deno.lstat(manifest)).isSymlink);
    // Without a link, the same save writes the file.
    await Deno.remove(manifest);
    await saveSong(manifest, { title: "Hymn", tracks: [{ file: "keys.wav" }] }, { noFollow: true });
    assert.equal(JSON.parse(await Deno.readTextFile(manifest)).title, "Hymn");
  });
});
