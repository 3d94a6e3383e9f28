/**
 * The console's routes without a browser: an audition goes through the real player, and the
 * song that is playing cannot be edited (its song.json stays byte-identical).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

async function post(port: number, cookie: string, path: string, body: unknown) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { cookie, origin: `http://127.0.0.1:${port}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** The version the page would send with a save (ifVersion is required). */
async function versionOf(port: number, cookie: string, id: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/api/song?id=${id}`, {
    headers: { cookie },
  });
  return (await response.json()).version;
}

Deno.test("console: an audition plays through the player; the playing song is not edited", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-http-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: "90125783" });
  try {
    await writeSineSong(dir, "Hymn", ["keys.wav", "bass.wav"]);
    await writeSineSong(dir, "Other", ["pad.wav"]);
    const { cookie } = await loginFrom(web.port, "90125783");
    const audition = await post(web.port, cookie!, "/api/audition", { id: "Hymn", at: 1 });
    assert.equal(audition.status, 200, JSON.stringify(audition.body));
    player.render(4800); // the offline engine moves when rendered
    assert.equal(player.state, "playing");
    assert.equal(player.title, "Hymn");
    assert.deepEqual(player.tracks.map((track) => track.name), ["keys", "bass"]);
    assert.ok(Math.abs(player.position - 1.1) < 0.01, `from 1 s, at ${player.position}`);

    const manifest = join(dir, "Hymn", "song.json");
    const before = await Deno.readFile(manifest);
    const value = {
      title: "Hymn",
      tracks: [{ file: "keys.wav", gainDb: -3 }, { file: "bass.wav" }],
    };
    const refused = await post(web.port, cookie!, "/api/song", {
      id: "Hymn",
      value,
      ifVersion: await versionOf(web.port, cookie!, "Hymn"),
    });
    assert.equal(refused.status, 423);
    assert.match(refused.body.error, /this song is playing/);
    assert.deepEqual(await Deno.readFile(manifest), before);
    // Another song may be edited meanwhile, and a second audition waits for the stop.
    const other = await post(web.port, cookie!, "/api/song", {
      id: "Other",
      value: { title: "Other", tracks: [{ file: "pad.wav", gainDb: -6 }] },
      ifVersion: await versionOf(web.port, cookie!, "Other"),
    });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    const second = await post(web.port, cookie!, "/api/audition", { id: "Other", at: 0 });
    assert.equal(second.status, 423);

    assert.equal((await post(web.port, cookie!, "/api/stop", {})).status, 200);
    player.render(256);
    assert.equal(player.state, "stopped");
    const saved = await post(web.port, cookie!, "/api/song", {
      id: "Hymn",
      value,
      ifVersion: await versionOf(web.port, cookie!, "Hymn"),
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
