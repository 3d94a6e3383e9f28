/**
 * The operator actions (src/control): each action validated with a message that names the
 * field, dispatched to a real offline player, and the status a remote reads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ACTION_TYPES,
  ControlSurface,
  dispatch,
  Player,
  StemplayError,
  validateAction,
} from "../mod.ts";
import { writeManifest, writeStems } from "./support/songs.ts";

const RATE = 48000;

async function withSong(fn: (player: Player, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-control-" });
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    blockFrames: 256,
  });
  try {
    await writeStems(dir, [
      { file: "click.wav", seconds: 16, channels: 1 },
      { file: "bass.wav", seconds: 16, frequency: 110 },
      { file: "keys.wav", seconds: 16, frequency: 660 },
    ]);
    await writeManifest(dir, {
      title: "Song",
      tempo: 120, // 2 s a bar in 4/4
      markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 4 }, { name: "Chorus", at: 8 }],
      tracks: [
        { file: "click.wav", name: "Click" },
        { file: "bass.wav", name: "Bass", gainDb: -6 },
        { file: "keys.wav", name: "Keys" },
      ],
    });
    await player.loadSong(join(dir, "song.json"));
    await fn(player, dir);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function refused(pattern: RegExp, code = "INVALID_ACTION") {
  return (error: unknown) => {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

Deno.test("control: malformed actions are refused, naming the field and what it should be", () => {
  assert.throws(() => validateAction("play"), refused(/must be an object with a "type"/));
  assert.throws(
    () => validateAction({ type: "dance" }),
    refused(/unknown action type the string "dance" \(known: play, /),
  );
  assert.throws(
    () => validateAction({ type: "play", loud: true }),
    refused(/play: unknown field "loud" \(it takes none\)/),
  );
  assert.throws(
    () => validateAction({ type: "jump", marker: 0 }),
    refused(/jump: "marker" must be a number from 1 \(as on the screen\) or a name, got number 0/),
  );
  assert.throws(
    () => validateAction({ type: "jump", marker: 2, at: "soon" }),
    refused(/"at" must be one of now, beat, bar, section/),
  );
  assert.throws(
    () => validateAction({ type: "trackGain", track: 1, gain: 1, gainDb: 0 }),
    refused(
      /trackGain needs exactly one of "gain", "gainDb", "stepDb", "reset", got gain and gainDb/,
    ),
  );
  assert.throws(
    () => validateAction({ type: "mute", track: 1, on: "yes" }),
    refused(/mute: "on" must be true or false, got the string "yes"/),
  );
  assert.throws(
    () => validateAction({ type: "countIn", bars: 1.5 }),
    refused(/whole number of bars/),
  );
  assert.throws(
    () => validateAction({ type: "fadeOut", seconds: -1 }),
    refused(/fadeOut: "seconds" must be a number from 0 to 600/),
  );
  assert.throws(
    () => validateAction({ type: "busGain", bus: "", gain: 1 }),
    refused(/busGain: "bus" must be a bus name/),
  );
  const jump = { type: "jump", marker: "Chorus", at: "bar" };
  assert.deepEqual(validateAction(jump), jump);
  assert.ok(ACTION_TYPES.includes("cancelJump"));
});

Deno.test("control: dispatch drives the player; refusals change nothing", async () => {
  await withSong(async (player) => {
    const surface = ControlSurface.for(player);
    assert.equal(ControlSurface.for(player), surface, "one surface per player");

    assert.equal((await dispatch(player, { type: "solo", track: 2 })).message, "Bass soloed");
    assert.equal(player.tracks[1].solo, true);
    assert.equal(
      (await dispatch(player, { type: "solo", track: "bass" })).message,
      "Bass unsoloed",
    );
    await dispatch(player, { type: "mute", track: 3, on: true });
    assert.equal(player.tracks[2].muted, true);

    await dispatch(player, { type: "trackGain", track: "Bass", stepDb: 1 });
    assert.ok(Math.abs(player.tracks[1].gainDb - -5) < 1e-9);
    await dispatch(player, { type: "trackGain", track: 2, gainDb: -20 });
    const reset = await dispatch(player, { type: "trackGain", track: 2, reset: true });
    assert.equal(reset.message, "Bass back to -6.0 dB");

    await assert.rejects(
      dispatch(player, { type: "mute", track: 9 }),
      refused(/no track 9 \(this song has 1 to 3\)/, "TRACK"),
    );
    await assert.rejects(
      dispatch(player, { type: "jump", marker: "Bridge" }),
      refused(/no marker "Bridge" \(markers: 1 Intro, 2 Verse, 3 Chorus\)/, "MARKER"),
    );
    await assert.rejects(
      dispatch(player, { type: "next" }),
      refused(/no setlist is loaded/, "SETLIST"),
    );

    // A jump on the next bar, seen in the status, then cancelled.
    player.play();
    player.render(RATE / 2); // 0.5 s: bar 1
    const armed = await dispatch(player, { type: "jump", marker: "Chorus", at: "bar" });
    assert.equal(armed.message, "jump to 3 Chorus at bar 2");
    let status = surface.status();
    assert.deepEqual(status.scheduledJump, { marker: { number: 3, name: "Chorus", at: 8 }, at: 2 });
    assert.equal((await dispatch(player, { type: "cancelJump" })).message, "jump cancelled");
    assert.equal(surface.status().scheduledJump, undefined);
    player.render(RATE * 2);
    assert.ok(player.position > 2.4 && player.position < 2.6, `played on, ${player.position}`);

    // Vamp the section the position is in (Intro, 0-4 s), then leave at its end.
    const vamp = await dispatch(player, { type: "vamp" });
    assert.match(vamp.message, /^vamp: looping 1 Intro 0:00\.0-0:04\.0/);
    assert.deepEqual(surface.status().loop, { start: 0, end: 4, leaving: false });
    await dispatch(player, { type: "exitLoop" });
    assert.deepEqual(surface.status().loop, { start: 0, end: 4, leaving: true }, "the last pass");
    player.render(RATE * 2);
    assert.equal(surface.status().loop, undefined, "past its end: over");

    status = surface.status();
    assert.equal(status.state, "playing");
    assert.equal(status.marker?.name, "Verse");
    assert.equal(status.nextMarker?.name, "Chorus");
    assert.equal(status.barsToNextSection, 2, `at ${status.barBeat}`);
    assert.ok(Math.abs(status.remaining - (16 - status.position)) < 1e-9);
    assert.deepEqual(status.tracks.map((t) => [t.number, t.name, t.muted]), [
      [1, "Click", false],
      [2, "Bass", false],
      [3, "Keys", true],
    ]);
    assert.equal(status.health.device, "ok");
    assert.deepEqual(status.song, { title: "Song" });
    assert.doesNotThrow(() => JSON.stringify(status));

    assert.equal(
      (await dispatch(player, { type: "countIn" })).message,
      "count-in on: 1 bar (plays when the song next starts from a stop)",
    );
    assert.equal((await dispatch(player, { type: "countIn", bars: 0 })).message, "count-in off");
    assert.equal((await dispatch(player, { type: "seek", to: "start" })).message, "to start");
    player.render(256); // offline, a request takes effect at the next block
    assert.equal(
      (await dispatch(player, { type: "locate", marker: "next" })).message,
      "marker Verse",
    );
    assert.match(
      (await dispatch(player, { type: "fadeOut", seconds: 1 })).message,
      /fading out over 1 s/,
    );
    await dispatch(player, { type: "stop" });
    player.render(512);
    assert.equal(player.state, "stopped");
  });
});
