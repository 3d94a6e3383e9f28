/**
 * The console's Stop audition and test-signal stop, over real HTTP on a real (offline)
 * player, when what the player holds is the show's, stopped: before the show starts, or
 * between two songs of its setlist. The console stops and unloads only its own audition or
 * test signal: the show's song and setlist stay loaded (nothing heard ends, the next play still
 * plays the show).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { consolePost } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

const PIN = "90125783";

Deno.test("console: Stop audition and the test signal's stop leave the show's stopped setlist loaded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-stop-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    await writeSineSong(dir, "Hymn", ["keys.wav"]);
    await writeSineSong(dir, "Opener", ["pad.wav"]);
    await writeSineSong(dir, "Closer", ["bass.wav"]);
    const post = await consolePost(web.port, PIN);
    // Soundcheck: the console auditions Hymn, and stops it.
    assert.equal((await post("/api/audition", { id: "Hymn", at: 0 })).status, 200);
    player.render(4800);
    assert.equal((await post("/api/stop", {})).status, 200);
    assert.equal(player.title, "", "the console's own audition is stopped and unloaded");
    // The show's setlist is loaded, stopped on its first song: the show is about to start.
    await Deno.writeTextFile(
      join(dir, "show.json"),
      JSON.stringify({ songs: ["Opener", "Closer"] }),
    );
    await player.loadSetlist(join(dir, "show.json"));
    await player.setlistReady();
    player.render(256);
    // An old tab presses Stop audition, then the test signal's stop.
    const stop = await post("/api/stop", {});
    const afterStop = { title: player.title, setlist: player.setlist?.index };
    const signal = await post("/api/test-signal", { stop: true });
    const afterSignal = { title: player.title, setlist: player.setlist?.index };
    console.log(
      `  stop ${stop.status} (${stop.body.error ?? "ok"}): ${JSON.stringify(afterStop)}; ` +
        `test-signal stop ${signal.status} (${signal.body.error ?? "ok"}): ${
          JSON.stringify(afterSignal)
        }`,
    );
    assert.deepEqual(afterStop, { title: "Opener", setlist: 0 }, "Stop audition kept the show");
    assert.deepEqual(afterSignal, { title: "Opener", setlist: 0 }, "the signal's stop kept it");
    assert.equal(stop.status, 423);
    assert.equal(signal.status, 423);
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("console: a test signal stopped early does not stop the show started after it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-stop-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    await writeSineSong(dir, "Opener", ["pad.wav"]);
    const post = await consolePost(web.port, PIN);
    // Line check: the test signal (3 s), stopped early; the show starts right away.
    assert.equal((await post("/api/test-signal", { output: 1 })).status, 200);
    player.render(4800);
    assert.equal((await post("/api/test-signal", { stop: true })).status, 200);
    await player.loadSong(join(dir, "Opener"));
    player.play();
    player.render(4800);
    // Past the test signal's own end (3 s): its timer must not stop what plays now.
    await new Promise((resolve) => setTimeout(resolve, 3600));
    const after = { title: player.title, playing: player.playingOrAsked };
    console.log(`  after the test signal's time: ${JSON.stringify(after)}`);
    assert.deepEqual(after, { title: "Opener", playing: true });
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
