/**
 * The console's loop and solo auditions over HTTP, on a real player (offline engine): refused
 * while the show plays (nothing of the show changes), a marker the song no longer has is
 * refused rather than looping the wrong section, and (from a review's attacks) a console whose
 * audition a show replaced touches nothing of the show, a refused request starts nothing, and
 * audition times are the recording's at any speed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { type ActionEvent, ControlSurface } from "../src/control/surface.ts";
import { consolePost } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

const PIN = "90125783";

// deno-lint-ignore no-explicit-any -- the console's JSON replies, read field by field
type Post = (path: string, body: unknown) => Promise<{ status: number; body: Record<string, any> }>;

/** A console on an offline player over a temporary library, logged in with the PIN. */
async function withConsole(fn: (player: Player, dir: string, post: Post) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-audition-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    await fn(player, dir, await consolePost(web.port, PIN));
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A song of sine stems with the markers Intro (0 s) and Verse (1 s), and `extra` keys. */
async function writeMarkedSong(dir: string, name: string, stems: string[], extra = {}) {
  const folder = await writeSineSong(dir, name, stems);
  const manifest = JSON.parse(await Deno.readTextFile(join(folder, "song.json")));
  manifest.markers = [{ name: "Intro", at: 0 }, { name: "Verse", at: 1 }];
  await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify({ ...manifest, ...extra }));
}

Deno.test("console: loop and solo are refused while the show plays, and on a stale marker", async () => {
  await withConsole(async (player, dir, post) => {
    await writeMarkedSong(dir, "Hymn", ["keys.wav", "bass.wav"]);
    await writeSineSong(dir, "Show", ["pad.wav"]);
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
  });
});

Deno.test("console: loop, solo and stop are refused once the show plays the song the console auditioned earlier", async () => {
  await withConsole(async (player, dir, post) => {
    await writeMarkedSong(dir, "Hymn", ["keys.wav", "bass.wav"]);
    await writeSineSong(dir, "Other", ["pad.wav"]);
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
  });
});

Deno.test("console: a refused /api/solo or /api/loop (no such stem or marker) changes nothing", async () => {
  await withConsole(async (player, dir, post) => {
    await writeSineSong(dir, "Hymn", ["keys.wav"]);
    await writeSineSong(dir, "Show", ["pad.wav"]);
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
  });
});

Deno.test("console: an audition of a song at speed 0.5 plays from the page's time in the recording", async () => {
  await withConsole(async (player, dir, post) => {
    await writeMarkedSong(dir, "Slow", ["keys.wav"], { speed: 0.5 });
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
  });
});

Deno.test("console: auditions go through the actions' queue, heard by every screen as the console's", async () => {
  await withConsole(async (player, dir, post) => {
    await writeMarkedSong(dir, "Hymn", ["keys.wav", "bass.wav"]);
    const heard: ActionEvent[] = [];
    const stop = ControlSurface.for(player).onAction((event) => heard.push(event));
    try {
      const steps: [string, unknown][] = [
        ["/api/audition", { id: "Hymn", at: 0.5 }],
        ["/api/loop", { id: "Hymn", section: 1, name: "Verse" }],
        ["/api/solo", { id: "Hymn", file: "bass.wav" }],
        ["/api/solo", { id: "Hymn", file: null }],
        ["/api/loop", { id: "Hymn", section: null }],
        ["/api/stop", {}],
      ];
      for (const [path, body] of steps) {
        const reply = await post(path, body);
        assert.equal(reply.status, 200, `${path}: ${JSON.stringify(reply.body)}`);
        player.render(2400);
      }
    } finally {
      stop();
    }
    console.log(heard.map((event) => `  ${event.source}: ${event.message}`).join("\n"));
    assert.ok(heard.every((event) => event.source === "console" && !event.refused));
    const said = heard.map((event) => event.message);
    const expected = [
      /^to 0:00\.5$/,
      /^playing$/,
      /^to 0:01\.0$/,
      /^vamp: looping 2 Verse/,
      /^bass soloed$/,
      /^bass unsoloed$/,
      /^left the loop$/,
      /^stopped at the start/,
    ];
    assert.equal(said.length, expected.length, said.join(" | "));
    expected.forEach((pattern, i) => assert.match(said[i], pattern));
    assert.equal(player.tracks.length, 0, "Stop audition unloads the song");
  });
});
