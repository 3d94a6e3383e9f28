/**
 * Stage safety on the surfaces (issue 23): the master gain as an action (and OSC, and keys),
 * one confirm rule for destructive actions (the remote always, MIDI as a setting), the status
 * carrying the pending confirmation, OSC's bar/loop/next-section status and reply port, the
 * remote's stage lock and Cancel jump, and every action's message published with its surface.
 * Real parts: a null-device player, HTTP on loopback, liblo's oscsend/oscdump.
 */
import assert from "node:assert/strict";
import { Player, serveOsc, serveRemote, StemplayError } from "../mod.ts";
import { type ActionEvent, ControlSurface, dispatch } from "../src/control/surface.ts";
import { validateAction } from "../src/control/actions.ts";
import { MAX_GAIN } from "../src/engine/levels.ts";
import { ignoreWithout } from "./support/require_tool.ts";
import { OscDump, OscRelay, oscsend } from "./support/osc_tools.ts";
import { MARKERS, SONG_TITLES, withShow } from "./support/show_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

const PIN = "482913";

function refused(pattern: RegExp, code = "INVALID_ACTION") {
  return (error: unknown) =>
    error instanceof StemplayError && error.code === code && pattern.test(error.message);
}

async function playing(player: Player): Promise<void> {
  player.play();
  await waitFor("playing", () => player.state === "playing" && player.position > 0);
}

Deno.test("masterGain: sets the master gain in dB or linear, refused beyond +12 dB", async () => {
  await withShow({ backend: "null" }, async (player) => {
    const surface = ControlSurface.for(player);
    let result = await dispatch(player, { type: "masterGain", gainDb: -6 });
    assert.ok(Math.abs(player.masterGain - 0.501) < 0.001, String(player.masterGain));
    assert.equal(result.message, "master -6.0 dB");
    result = await dispatch(player, { type: "masterGain", gain: 1 });
    assert.equal(player.masterGain, 1);
    await dispatch(player, { type: "masterGain", stepDb: 1 });
    assert.equal(surface.status().master.gainDb.toFixed(1), "1.0");
    await dispatch(player, { type: "masterGain", gainDb: 12 });
    await dispatch(player, { type: "masterGain", stepDb: 1 }); // stays at the ceiling
    assert.equal(player.masterGain, MAX_GAIN);
    await assert.rejects(
      dispatch(player, { type: "masterGain", gainDb: 12.5 }),
      refused(/masterGain: "gainDb" must be a number at most \+12 dB, got number 12.5/),
    );
    await assert.rejects(
      dispatch(player, { type: "masterGain", gain: 5 }),
      refused(/masterGain: "gain" must be a number from 0 to 3.981/),
    );
    assert.throws(
      () => validateAction({ type: "masterGain", gain: 1, gainDb: 0 }),
      refused(/masterGain needs exactly one of "gain", "gainDb", "stepDb", got gain and gainDb/),
    );
    assert.equal(player.masterGain, MAX_GAIN);
    const status = surface.status();
    assert.equal(status.health.clipped, 0);
  });
});

Deno.test("confirm: a destructive action while playing needs a second press 150 ms to 2 s later", async () => {
  await withShow({ backend: "null" }, async (player) => {
    const surface = ControlSurface.for(player);
    const events: ActionEvent[] = [];
    const stop = surface.onAction((event) => events.push(event));
    await playing(player);
    // First tap: nothing happens, every screen says what the second will do.
    let result = await surface.dispatch({ type: "next" }, { source: "phone", confirmBy: "a" });
    assert.equal(result.pending, true);
    assert.equal(result.message, "tap again for next song");
    assert.equal(surface.status().notice, "phone: tap again for next song");
    assert.equal(player.setlist!.index, 0);
    // A bounce (at once) neither confirms nor re-arms.
    result = await surface.dispatch({ type: "next" }, { source: "phone", confirmBy: "a" });
    assert.equal(result.pending, true);
    assert.equal(player.setlist!.index, 0);
    // Another phone's tap is its own first tap.
    result = await surface.dispatch({ type: "next" }, { source: "phone", confirmBy: "b" });
    assert.equal(result.pending, true);
    await sleep(300);
    result = await surface.dispatch({ type: "next" }, { source: "phone", confirmBy: "a" });
    assert.equal(result.pending, undefined);
    assert.equal(player.setlist!.index, 1);
    assert.equal(surface.status().notice, undefined);
    assert.deepEqual(events.map((e) => [e.source, e.message, e.pending ?? false]), [
      ["phone", "tap again for next song", true],
      ["phone", "tap again for next song", true],
      ["phone", `song 2 of 2: ${SONG_TITLES[1]} (stopped; play starts it)`, false],
    ]);
    // Not playing: at once.
    result = await surface.dispatch({ type: "previous" }, { source: "phone", confirmBy: "a" });
    assert.equal(player.setlist!.index, 0);
    // A goto names the song; MIDI presses.
    await playing(player);
    result = await surface.dispatch({ type: "goto", song: "way maker" }, {
      source: "midi",
      confirmBy: "midi",
    });
    assert.equal(result.message, `press again to go to 2 ${SONG_TITLES[1]}`);
    result = await surface.dispatch({ type: "seek", to: "start" }, { confirmBy: "midi" });
    assert.equal(result.message, "press again to go back to the start");
    result = await surface.dispatch({ type: "stop" }, { confirmBy: "midi" });
    assert.equal(result.message, "press again to stop");
    // A surface without confirmBy (OSC, the API) runs at once.
    await surface.dispatch({ type: "stop" }, { source: "osc" });
    await waitFor("stopped", () => player.state === "stopped");
    assert.deepEqual(events.at(-1), { source: "osc", message: "stopped at the start" });
    await assert.rejects(surface.dispatch({ type: "jump", marker: 99 }, { source: "osc" }));
    assert.equal(events.at(-1)?.refused, true);
    assert.match(events.at(-1)!.message, /no marker 99/);
    stop();
  });
});

async function withRemote(fn: (player: Player, base: string, cookie: string) => Promise<void>) {
  await withShow({ backend: "null" }, async (player) => {
    const web = await serveRemote(player, { port: 0, hostname: "127.0.0.1", pin: PIN });
    try {
      const base = `http://127.0.0.1:${web.port}`;
      const response = await fetch(`${base}/?pin=${PIN}`, { redirect: "manual" });
      await response.body?.cancel();
      await fn(player, base, response.headers.get("set-cookie")!.split(";")[0]);
    } finally {
      await web.close();
    }
  });
}

async function post(base: string, cookie: string, path: string, body: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base, cookie },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("remote: Stop while playing takes a second tap; a bounce does not confirm", async () => {
  await withRemote(async (player, base, cookie) => {
    await playing(player);
    let answer = await post(base, cookie, "/action", { type: "stop" });
    assert.deepEqual(answer.body, { ok: true, message: "tap again to stop", pending: true });
    answer = await post(base, cookie, "/action", { type: "stop" }); // at once: a bounce
    assert.equal(answer.body.pending, true);
    assert.equal(player.state, "playing");
    await sleep(300);
    answer = await post(base, cookie, "/action", { type: "stop" });
    assert.equal(answer.body.ok, true);
    assert.equal(answer.body.pending, undefined);
    await waitFor("stopped", () => player.state === "stopped");
  });
});

Deno.test("remote: the stage lock leaves only the stage's actions until the PIN unlocks", async () => {
  await withRemote(async (player, base, cookie) => {
    assert.equal((await post(base, cookie, "/lock", {})).body.locked, true);
    let answer = await post(base, cookie, "/action", { type: "play" });
    assert.equal(answer.body.ok, true);
    answer = await post(base, cookie, "/action", { type: "jump", marker: 2 });
    assert.equal(answer.body.ok, true);
    for (
      const action of [{ type: "next" }, { type: "mute", track: 1 }, {
        type: "jump",
        marker: 2,
        at: "now",
      }]
    ) {
      answer = await post(base, cookie, "/action", action);
      assert.equal(answer.status, 423, JSON.stringify(action));
      assert.equal(answer.body.code, "LOCKED");
      assert.match(answer.body.error, /stage-locked: only Play, Pause, a jump at the bar/);
    }
    assert.equal(player.tracks[0].muted, false);
    answer = await post(base, cookie, "/unlock", { pin: "000000" });
    assert.equal(answer.status, 401);
    assert.match(answer.body.error, /wrong PIN \(9 tries left\)/);
    answer = await post(base, cookie, "/unlock", { pin: PIN });
    assert.deepEqual(answer.body, { ok: true, locked: false, message: "unlocked" });
    answer = await post(base, cookie, "/action", { type: "mute", track: 1 });
    assert.equal(answer.body.ok, true);
    assert.equal(player.tracks[0].muted, true);
    // Cancel jump is an action of the page too.
    answer = await post(base, cookie, "/action", { type: "cancelJump" });
    assert.equal(answer.body.ok, true);
    assert.equal(player.scheduledJump, undefined);
  });
});

function oscTest(name: string, fn: () => Promise<void>) {
  Deno.test({
    name,
    ignore: ignoreWithout("oscsend", name) || ignoreWithout("oscdump", name),
    fn,
  });
}

oscTest("osc: master gain, bus gain in dB, goto by title, and errors to a reply port", async () => {
  await withShow({ backend: "null" }, async (player) => {
    const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
    const dump = await OscDump.start();
    const relay = await OscRelay.start(osc.port, dump.port);
    const replies = await OscDump.start();
    try {
      await oscsend(osc.port, "/stemplay/master/gaindb", "f", "-6");
      await waitFor("master -6 dB", () => Math.abs(player.masterGain - 0.5012) < 0.001);
      await oscsend(osc.port, "/stemplay/master/gain", "f", "1");
      await waitFor("master unity", () => player.masterGain === 1);
      const bus = player.buses[0].name;
      await oscsend(osc.port, "/stemplay/bus/gaindb", "sf", bus, "-12");
      await waitFor("bus -12 dB", () => Math.abs(player.bus(bus).gainDb + 12) < 0.01);
      await oscsend(osc.port, "/stemplay/goto", "s", SONG_TITLES[1]);
      await waitFor("song 2 by title", () => player.setlist?.index === 1);
      // Errors through the relay still reach the sender.
      await oscsend(relay.port, "/stemplay/master/gaindb", "f", "13");
      await dump.waitFor(
        /^\/stemplay\/error s ".*masterGain: \\?"gainDb\\?" must be a number at most \+12 dB/,
      );
      // oscsend's own port listens to nothing: a reply subscription names where errors go.
      await oscsend(osc.port, "/stemplay/reply", "i", String(replies.port));
      await oscsend(osc.port, "/stemplay/goto", "s", "No Such Song");
      await replies.waitFor(/^\/stemplay\/error s ".*no song titled \\?"No Such Song\\?"/);
    } finally {
      await replies.stop();
      await relay.close();
      await dump.stop();
      await osc.close();
    }
  });
});

oscTest("osc: status carries bar, loop, next section and the pending confirmation", async () => {
  await withShow({ backend: "null" }, async (player) => {
    const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
    const dump = await OscDump.start();
    try {
      await oscsend(osc.port, "/stemplay/subscribe", "i", String(dump.port));
      await dump.waitFor(/^\/stemplay\/nextsection si "Verse" \d+$/);
      await dump.waitFor(/^\/stemplay\/bar s "1\.1"$/);
      await dump.waitFor(/^\/stemplay\/loop iffi 0 0(\.0+)? 0(\.0+)? 0$/);
      await dispatch(player, { type: "vamp", marker: 2 });
      await dump.waitFor(new RegExp(`^/stemplay/loop iffi 1 ${MARKERS[1].at}`));
      await playing(player);
      await ControlSurface.for(player).dispatch({ type: "stop" }, {
        source: "phone",
        confirmBy: "x",
      });
      await dump.waitFor(/^\/stemplay\/notice s "phone: tap again to stop"$/);
    } finally {
      await dump.stop();
      await osc.close();
    }
  });
});

Deno.test("seek: five relative seeks at once each count (from 30 s, five -5 s land on 5 s)", async () => {
  await using player = await Player.open({ backend: "null", sampleRate: 48000, blockFrames: 256 });
  player.addTrack([new Float32Array(40 * 48000).map((_, i) => 0.1 * Math.sin(i / 20))]);
  player.seek(30);
  await waitFor("at 30 s", () => Math.abs(player.position - 30) < 1e-6);
  // Five presses in one burst: the position the audio side publishes lags them all.
  await Promise.all(
    Array.from({ length: 5 }, () => dispatch(player, { type: "seek", by: -5 }, { source: "osc" })),
  );
  await waitFor("at 5 s", () => Math.abs(player.position - 5) < 1e-6);
  // Later, a relative seek starts from the position again (nothing is left remembered).
  await sleep(600);
  await dispatch(player, { type: "seek", by: 5 });
  await waitFor("at 10 s", () => Math.abs(player.position - 10) < 1e-6);
});
