/**
 * A key or tempo change while playing that cannot be made (issue 24, review): the old key
 * plays on, and the operator is told, on the surface they pressed and on every screen. Without
 * Rubber Band the press is refused at once (STRETCH_UNAVAILABLE); a change that fails while it
 * is prepared (a stem's file gone) is reported when it fails. Real Rubber Band (or its absence
 * in a child process), offline engine; nothing timed is asserted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type ActionEvent, ControlSurface, StemplayError } from "../mod.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;

Deno.test("without Rubber Band a key change while playing is refused at once, the old key plays on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-norb-" });
  try {
    const song = await writeToneSong(dir, {}, "song", 4);
    const script = `
      import { ControlSurface, Player } from "./mod.ts";
      const player = await Player.open({ backend: "offline", sampleRate: ${RATE}, channels: 4 });
      await player.loadSong(${JSON.stringify(song)});
      player.play();
      player.render(${RATE});
      const said = [];
      try {
        player.transpose = 2;
        said.push("setter: accepted");
      } catch (error) {
        said.push("setter: " + error.code + " " + error.message);
      }
      try {
        const result = await ControlSurface.for(player).dispatch({ type: "speed", ratio: 0.9 });
        said.push("action: " + result.message);
      } catch (error) {
        said.push("action: " + error.code);
      }
      await player.keyTempoReady().catch((error) => said.push("ready: " + error.code));
      said.push("after: " + player.state + " " + player.transpose + " " + player.speed);
      await player.close();
      console.log(said.join("\\n"));`;
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", script],
      cwd: new URL("../", import.meta.url),
      env: { STEMPLAY_RUBBERBAND: "/nonexistent/librubberband.so.2" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(run.stdout);
    const context = said + new TextDecoder().decode(run.stderr);
    console.log(said);
    assert.match(said, /^setter: STRETCH_UNAVAILABLE .*apt-get install librubberband2/m, context);
    assert.match(said, /^action: STRETCH_UNAVAILABLE$/m, context);
    assert.match(said, /^after: playing 0 1$/m, context);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key change that fails while it is prepared is reported to the operator; the old key plays on", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const song = await writeToneSong(dir, {}, "song", 4);
    await player.loadSong(song);
    player.play();
    player.render(RATE);
    const surface = ControlSurface.for(player);
    const events: ActionEvent[] = [];
    const stop = surface.onAction((event) => events.push(event));
    try {
      await Deno.remove(join(song, "keys.wav")); // the stick the stems came from is gone
      const result = await surface.dispatch({ type: "transpose", semitones: 2 }, {
        source: "osc",
      });
      console.log(`the action said: ${result.message}`);
      await assert.rejects(player.keyTempoReady(), StemplayError);
      // The failure reaches listeners on the next turns of the event loop.
      for (let i = 0; i < 10 && !events.some((e) => e.refused); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log(events);
      const reported = events.find((event) => event.refused);
      assert.ok(reported, "the failure is told to every screen (onAction)");
      assert.match(reported.message, /key/);
      assert.match(reported.message, /keys\.wav/);
      assert.match(surface.status().notice ?? "", /keys\.wav/, "the remote's notice shows it");
      assert.equal(player.transpose, 0, "the song keeps its key");
      assert.equal(player.state, "playing");
      const group = player.currentGroup;
      player.render(RATE / 10);
      assert.equal(player.currentGroup, group, "the old key plays on");
    } finally {
      stop();
    }
  });
});
