/**
 * Attacks on the console's loop and solo (branch console2): the console's idea of "its own
 * audition" outlives the audition. HTTP on loopback, a real player (offline engine).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

const PIN = "90125783";

Deno.test("attack: console loop/solo/stop are refused once the show plays the song the console auditioned earlier", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-attack-console-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    const folder = await writeSineSong(dir, "Hymn", ["keys.wav", "bass.wav"]);
    const manifest = JSON.parse(await Deno.readTextFile(join(folder, "song.json")));
    manifest.markers = [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }];
    await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify(manifest));
    await writeSineSong(dir, "Other", ["pad.wav"]);
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
    // Soundcheck: the console auditions Hymn; the operator stops it from the show's side.
    assert.equal((await post("/api/audition", { id: "Hymn", at: 0 })).status, 200);
    player.render(4800);
    player.stop();
    player.render(256);
    // The show starts: its setlist opens on Hymn, and it plays.
    const setlist = join(dir, "show.json");
    await Deno.writeTextFile(setlist, JSON.stringify({ songs: ["Hymn", "Other"] }));
    await player.loadSetlist(setlist);
    await player.setlistReady();
    player.play();
    player.render(4800);
    assert.equal(player.state, "playing");
    // A click in the console (an old tab) must not touch the show.
    const solo = await post("/api/solo", { id: "Hymn", file: "keys.wav" });
    player.render(256);
    const soloed = player.tracks.filter((track) => track.solo).map((track) => track.name);
    const loop = await post("/api/loop", { id: "Hymn", section: 1, name: "Verse" });
    player.render(256);
    const looped = player.loopRange;
    const stop = await post("/api/stop", {});
    player.render(256);
    const state = player.state;
    console.log(
      `  solo ${solo.status} (soloed: ${soloed}), loop ${loop.status} (${
        JSON.stringify(looped)
      }),` +
        ` stop ${stop.status} (state: ${state})`,
    );
    assert.deepEqual(
      { solo: solo.status, soloed, loop: loop.status, looped, stop: stop.status, state },
      { solo: 423, soloed: [], loop: 423, looped: undefined, stop: 423, state: "playing" },
    );
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("attack: a refused /api/solo or /api/loop (no such stem or marker) changes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-attack-console-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    await writeSineSong(dir, "Hymn", ["keys.wav"]);
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
    // The show's song stands loaded, stopped, between songs.
    await player.loadSong(join(dir, "Show"));
    player.render(256);
    const solo = await post("/api/solo", { id: "Hymn", file: "../Show/pad.wav" });
    player.render(256);
    const afterSolo = { title: player.title, state: player.state };
    const loop = await post("/api/loop", { id: "Hymn", section: 7, name: "<img src=x>" });
    player.render(256);
    console.log(`  solo ${solo.status}: ${solo.body.error}; then ${JSON.stringify(afterSolo)}`);
    console.log(`  loop ${loop.status}: ${loop.body.error}; then ${player.title} ${player.state}`);
    assert.equal(solo.status, 400);
    assert.deepEqual(
      afterSolo,
      { title: "Show", state: "stopped" },
      "a refused solo changed the player",
    );
    assert.equal(loop.status, 400);
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("attack: console audition of a song at speed 0.5 plays from the page's time in the recording", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-attack-console-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    const folder = await writeSineSong(dir, "Slow", ["keys.wav"]);
    const manifest = JSON.parse(await Deno.readTextFile(join(folder, "song.json")));
    manifest.speed = 0.5; // set in the console's new Speed field
    manifest.markers = [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }];
    await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify(manifest));
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
    // "Play from here" with the cursor on the Verse marker (1 s on the page's waveform).
    const played = await post("/api/audition", { id: "Slow", at: 1 });
    assert.equal(played.status, 200, JSON.stringify(played.body));
    player.render(256); // offline: the seek and play are published by the next block
    const verse = player.markers.find((marker) => marker.name === "Verse")!;
    const at = (player.positionFrames - 256) / 48000;
    console.log(
      `  asked 1 s (the Verse); the player stands at ${at} s, its Verse at ${verse.at} s`,
    );
    assert.ok(Math.abs(at - verse.at) < 0.05, `played from ${at} s, the Verse is at ${verse.at} s`);
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
