/**
 * Two song changes at once (issue 21, item 2), on the null backend so the audio side really
 * runs: an OSC `/stemplay/next` from the real `oscsend` and an API `dispatch` next, together,
 * thirty times. Every surface's actions go through one ordered queue, so both answer, the
 * setlist lands two songs on, and neither the engine's track slots nor the open files grow.
 * Also: a song change whose audio side never answers ends with TIMEOUT and frees what it
 * loaded; the queue's bound refuses with BUSY (over OSC: an /stemplay/error reply seen by the
 * real `oscdump`); direct `player.goto` and `next` calls are serialised.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dispatch, Player, serveOsc, StemplayError } from "../mod.ts";
import { MAX_QUEUED_ACTIONS } from "../src/control/action_queue.ts";
import { ControlSurface } from "../src/control/surface.ts";
import { writeManifest, writeStems } from "./support/songs.ts";
import { freeUdpPort, OscDump, OscRelay, oscsend } from "./support/osc_tools.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { waitFor } from "./support/wait.ts";

const RATE = 48000;
const RACES = 30;

async function writeSetlist(dir: string, songs: number): Promise<string> {
  const entries = [];
  for (let i = 1; i <= songs; i++) {
    const folder = join(dir, `song${i}`);
    await writeStems(folder, [
      { file: "bass.wav", seconds: 4, frequency: 110 * i },
      { file: "keys.wav", seconds: 4, frequency: 220 * i },
      { file: "pads.wav", seconds: 4, frequency: 330 * i },
    ]);
    await writeManifest(folder, {
      title: `Song ${i}`,
      tempo: 120,
      tracks: [{ file: "bass.wav" }, { file: "keys.wav" }, { file: "pads.wav" }],
    });
    entries.push({ song: `song${i}` });
  }
  const path = join(dir, "setlist.json");
  await Deno.writeTextFile(path, JSON.stringify({ title: "Race", songs: entries }));
  return path;
}

function openFiles(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

/** Track slots holding a streamed stem, as the engine counts them. */
function slotsInUse(player: Player): number {
  return player.streamStats.streams;
}

const raceName =
  "setlist race: OSC next and API next at once, 30 times: both answer, nothing leaks";
Deno.test({ name: raceName, ignore: ignoreWithout("oscsend", raceName) }, async () => {
  requireTool("oscsend", raceName);
  const dir = await Deno.makeTempDir({ prefix: "stemplay-race-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, blockFrames: 256 });
  const osc = await serveOsc(player, { port: await freeUdpPort(), hostname: "127.0.0.1" });
  try {
    await player.loadSetlist(await writeSetlist(dir, 4));
    await player.setlistReady();
    const slotsBefore = slotsInUse(player);
    const filesBefore = openFiles();
    for (let race = 0; race < RACES; race++) {
      const [, viaApi] = await Promise.all([
        oscsend(osc.port, "/stemplay/next"),
        dispatch(player, { type: "next" }),
      ]);
      assert.match(viaApi.message, /^song [23] of 4/);
      await waitFor(`race ${race}: the OSC next`, () => player.setlist?.index === 2, 20000);
      assert.equal(osc.errors, 0, `race ${race}: OSC answered an error`);
      await dispatch(player, { type: "goto", song: 1 });
      await player.setlistReady();
    }
    // Dropped slots are freed by the reader thread once the callback has left them.
    await waitFor("dropped slots to be freed", () => slotsInUse(player) <= slotsBefore, 20000);
    const slotsAfter = slotsInUse(player);
    const filesAfter = openFiles();
    console.log(
      `after ${RACES} races: slots in use ${slotsBefore} -> ${slotsAfter}, ` +
        `open files ${filesBefore} -> ${filesAfter}`,
    );
    assert.equal(player.setlist?.index, 0);
    assert.equal(slotsAfter, slotsBefore, "track slots leaked");
    assert.ok(filesAfter <= filesBefore, `open files grew: ${filesBefore} -> ${filesAfter}`);
  } finally {
    await osc.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setlist race: direct player.goto and next calls are serialised, in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-race-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, blockFrames: 256 });
  try {
    await player.loadSetlist(await writeSetlist(dir, 4));
    await player.setlistReady();
    const slotsBefore = slotsInUse(player);
    for (let race = 0; race < 10; race++) {
      await Promise.all([player.goto(2), player.goto(3), player.goto(1)]);
      assert.equal(player.setlist?.index, 1);
      assert.equal(player.title, "Song 2");
      await player.goto(0);
      await player.setlistReady();
      // Two nexts at once move two songs: each counts from where the one before it landed.
      await Promise.all([player.next(), player.next()]);
      assert.equal(player.setlist?.index, 2);
      await player.goto(0);
      await player.setlistReady();
    }
    await waitFor("dropped slots to be freed", () => slotsInUse(player) <= slotsBefore, 20000);
    assert.equal(slotsInUse(player), slotsBefore, "track slots leaked");
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("action queue: more than 64 actions waiting are refused with BUSY, in order otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-race-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, blockFrames: 256 });
  try {
    await player.loadSetlist(await writeSetlist(dir, 2));
    const surface = ControlSurface.for(player);
    const accepted = [];
    for (let i = 0; i < MAX_QUEUED_ACTIONS; i++) {
      accepted.push(surface.dispatch({ type: "goto", song: (i % 2) + 1 }));
    }
    await assert.rejects(surface.dispatch({ type: "next" }), (error: unknown) => {
      assert.ok(error instanceof StemplayError, String(error));
      assert.equal(error.code, "BUSY");
      assert.match(error.message, /64 actions are waiting/);
      return true;
    });
    const results = await Promise.all(accepted);
    assert.equal(results.length, MAX_QUEUED_ACTIONS);
    assert.equal(player.setlist?.index, 1, "the last goto (song 2) ran last");
    // The queue drained: it takes actions again.
    assert.match((await surface.dispatch({ type: "previous" })).message, /^song 1 of 2/);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setlist: a song change the audio side never answers ends with TIMEOUT and frees what it loaded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-race-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, blockFrames: 256 });
  try {
    await player.loadSetlist(await writeSetlist(dir, 3));
    await player.setlistReady();
    const slotsBefore = slotsInUse(player);
    // The wait can never complete: right behind the setlist's switch, in the same command ring,
    // another switch replaces its group (what a second song change used to do), so the callback
    // never publishes the group the first one waits for.
    const native = player.native as {
      sp_transport_switch: typeof player.native.sp_transport_switch;
    };
    const original = native.sp_transport_switch;
    let replaced = false;
    native.sp_transport_switch = (engine, group, frame) => {
      const result = original(engine, group, frame);
      if (!replaced) {
        replaced = true;
        original(engine, 9999, 0n); // a group no song is in
      }
      return result;
    };
    try {
      await assert.rejects(player.goto(1), (error: unknown) => {
        assert.ok(error instanceof StemplayError, String(error));
        assert.equal(error.code, "TIMEOUT");
        assert.match(error.message, /cannot switch songs: the audio side did not take/);
        return true;
      });
    } finally {
      native.sp_transport_switch = original;
    }
    assert.ok(replaced);
    assert.equal(player.setlist?.index, 0, "the song that played is still the current one");
    assert.equal(player.title, "Song 1");
    // What it loaded is freed (and the current song's next prepared again).
    await player.setlistReady();
    await waitFor("the freed song's slots", () => slotsInUse(player) <= slotsBefore, 20000);
    assert.equal(slotsInUse(player), slotsBefore);
    // The setlist still moves, to the song prepared again.
    await player.goto(1);
    assert.equal(player.title, "Song 2");
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

const busyName =
  "action queue: a full queue is answered over OSC with /stemplay/error, and the show goes on";
Deno.test({ name: busyName, ignore: ignoreWithout("oscdump", busyName) }, async () => {
  requireTool("oscsend", busyName);
  requireTool("oscdump", busyName);
  const dir = await Deno.makeTempDir({ prefix: "stemplay-race-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, blockFrames: 256 });
  const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
  const dump = await OscDump.start();
  const relay = await OscRelay.start(osc.port, dump.port);
  try {
    await player.loadSetlist(await writeSetlist(dir, 2));
    // Song changes wait at a gate: the first one runs (and waits), 63 more wait behind it.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => open = resolve);
    const goto = player.goto.bind(player);
    player.goto = async (index: number) => {
      await gate;
      await goto(index);
    };
    const accepted = Array.from(
      { length: MAX_QUEUED_ACTIONS },
      (_, i) => dispatch(player, { type: "goto", song: (i % 2) + 1 }),
    );
    await oscsend(relay.port, "/stemplay/next");
    // The reply names the song a song change would have gone to (the OSC surface's rule).
    await dump.waitFor(
      /^\/stemplay\/error s "\/stemplay\/next: (song \d+ "[^"]*": )?too many actions at once/,
    );
    assert.equal(osc.errors, 1);
    open();
    await Promise.all(accepted);
    assert.equal(player.setlist?.index, 1);
    await oscsend(relay.port, "/stemplay/previous"); // the queue takes actions again
    await waitFor("the OSC previous", () => player.setlist?.index === 0);
    assert.equal(osc.errors, 1);
  } finally {
    await relay.close();
    await dump.stop();
    await osc.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setlist: during a song change, the title and the setlist position change together", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-switch-" });
  const player = await Player.open({ backend: "null", sampleRate: RATE, channels: 2 });
  try {
    await player.loadSetlist(await writeSetlist(dir, 3));
    const torn: string[] = [];
    const look = () => {
      const setlist = player.setlist!;
      const entry = setlist.songs[setlist.index].title;
      if (entry !== player.title) {
        torn.push(`song ${setlist.index + 1} "${entry}" playing "${player.title}"`);
      }
    };
    for (const index of [1, 2, 0]) {
      let done = false;
      const change = player.goto(index).finally(() => done = true);
      // What a sync feed or a remote reads between two of the change's steps.
      while (!done) {
        look();
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await change;
      look();
    }
    assert.deepEqual(torn, [], "a torn read: a sync follower would take it for another song");
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
