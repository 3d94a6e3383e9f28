/**
 * The console's loop and solo auditions over HTTP, on a real player (offline engine): refused
 * while the show plays (nothing of the show changes), and a marker the song no longer has is
 * refused rather than looping the wrong section.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

const PIN = "90125783";

Deno.test("console: loop and solo are refused while the show plays, and on a stale marker", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-audition-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    const folder = await writeSineSong(dir, "Hymn", ["keys.wav", "bass.wav"]);
    const manifest = JSON.parse(await Deno.readTextFile(join(folder, "song.json")));
    manifest.markers = [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }];
    await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify(manifest));
    await writeSineSong(dir, "Show", ["pad.wav"]);
    const { cookie } = await loginFrom(web.port, PIN);
    const base = `http://127.0.0.1:${web.port}`;
    const post = async (path: string, body: unknown) => {
      const response = await fetch(base + path, {
        method: "POST",
        headers: { cookie: cookie!, origin: base, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    // The show plays: the console neither loops nor solos anything.
    await player.loadSong(join(dir, "Show"));
    player.play();
    player.render(4800);
    const loop = await post("/api/loop", { id: "Hymn", section: 1, name: "Verse" });
    assert.equal(loop.status, 423, JSON.stringify(loop.body));
    const solo = await post("/api/solo", { id: "Hymn", file: "keys.wav" });
    assert.equal(solo.status, 423, JSON.stringify(solo.body));
    assert.equal(player.title, "Show");
    assert.equal(player.loopRange, undefined);
    assert.ok(player.tracks.every((track) => !track.solo));
    player.stop();
    player.render(256);
    // Stopped: the console's audition loops the Verse (to the song's end) and solos a stem.
    const looped = await post("/api/loop", { id: "Hymn", section: 1, name: "Verse" });
    assert.equal(looped.status, 200, JSON.stringify(looped.body));
    assert.deepEqual(looped.body.loop, { start: 1, end: 2 });
    assert.deepEqual(player.loopRange, { start: 1, end: 2 });
    const soloed = await post("/api/solo", { id: "Hymn", file: "bass.wav" });
    assert.equal(soloed.status, 200, JSON.stringify(soloed.body));
    assert.equal(soloed.body.solo, "bass.wav");
    assert.deepEqual(player.tracks.map((track) => track.solo), [false, true]);
    // A marker the song does not have (renamed since the page read it): refused.
    const stale = await post("/api/loop", { id: "Hymn", section: 1, name: "Chorus" });
    assert.equal(stale.status, 400, JSON.stringify(stale.body));
    assert.match(stale.body.error, /reload the song/);
    assert.deepEqual(player.loopRange, { start: 1, end: 2 });
    assert.equal((await post("/api/stop", {})).status, 200);
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
