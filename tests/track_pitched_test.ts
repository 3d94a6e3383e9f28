/**
 * `track.pitched` on a loaded track (issue 24): `player.tracks` report the song's flags and the
 * folder guess; the setter takes a boolean only; at another transpose, setting it prepares the
 * song again as a key change does (the stem then keeps its key), and the flag stays through
 * later key changes of the same song; while playing, the switch is crossfaded. Real Rubber
 * Band, offline engine; nothing timed is asserted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Player, StemplayError } from "../mod.ts";
import { controlStatus, dispatch } from "../src/control/surface.ts";
import { frameLines } from "../src/cli/screen.ts";
import { PlaySession } from "../src/cli/session.ts";
import { RETIME_CROSSFADE_SECONDS } from "../src/songs/retime.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { estimateFrequency } from "./support/fixtures.ts";
import { writeManifest } from "./support/songs.ts";
import { serveOsc } from "../src/control/osc.ts";
import { oscsend } from "./support/osc_tools.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { waitFor } from "./support/wait.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { cents, clicks, harmonicTone, middle } from "./support/stretch_signals.ts";

const RATE = 48_000;
const BLOCK = 960;
const CROSSFADE = Math.round(RETIME_CROSSFADE_SECONDS * RATE);
const SECONDS = 4;

/** A song of two stems, "keys" (a 220 Hz harmonic tone on output 1, pitched unless said) and
 * "perc" (clicks on output 2, pitched: false), with `manifest`'s keys. */
async function writeSong(dir: string, manifest: Record<string, unknown> = {}): Promise<string> {
  const folder = join(dir, "song");
  await Deno.mkdir(folder, { recursive: true });
  await Deno.writeFile(
    join(folder, "keys.wav"),
    encodeWav([harmonicTone(220, SECONDS)], RATE, "f32"),
  );
  await Deno.writeFile(
    join(folder, "perc.wav"),
    encodeWav([clicks(SECONDS, 0.25, 0.5)], RATE, "f32"),
  );
  await writeManifest(folder, {
    tempo: 120,
    generateClick: true,
    clickRoute: [3],
    tracks: [
      { file: "keys.wav", route: [1] },
      { file: "perc.wav", route: [2], pitched: false },
    ],
    ...manifest,
  });
  return folder;
}

function track(player: Player, name: string) {
  const found = player.tracks.find((t) => t.name === name);
  assert.ok(found, `track ${name} (have ${player.tracks.map((t) => t.name).join(", ")})`);
  return found;
}

/** Output `channel`, `frames` frames played from the start. */
function play(player: Player, frames: number, channel = 0): Float32Array {
  player.seekFrames(0);
  player.play();
  const out = new Float32Array(frames);
  for (let at = 0; at < frames; at += 4800) {
    out.set(player.render(Math.min(4800, frames - at))[channel], at);
  }
  player.pause();
  player.render(4800);
  return out;
}

/** Cents of the tone on output 1 against `expected` Hz. */
function toneCents(player: Player, expected: number): number {
  const out = play(player, 3 * RATE);
  return cents(estimateFrequency(middle(out, 1), RATE), expected);
}

function largestStep(samples: Float32Array): number {
  let largest = 0;
  for (let i = 1; i < samples.length; i++) {
    largest = Math.max(largest, Math.abs(samples[i] - samples[i - 1]));
  }
  return largest;
}

function peak(samples: Float32Array): number {
  return samples.reduce((largest, sample) => Math.max(largest, Math.abs(sample)), 0);
}

const UP_2 = 220 * Math.pow(2, 2 / 12);

Deno.test("player.tracks report the song's pitched flags, the folder guess, generated and hand-added tracks", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeSong(dir));
    assert.equal(track(player, "keys").pitched, true, "absent in song.json: true");
    assert.equal(track(player, "perc").pitched, false, "song.json's pitched: false");
    assert.equal(track(player, "keys").pitchedGuessed, false);
    assert.equal(track(player, "perc").pitchedGuessed, false);
    // The generated click is generated at the tempo, never shifted: it keeps its key.
    assert.equal(track(player, "click").pitched, false);
    const added = player.addTrack([new Float32Array(RATE)], { name: "by hand" });
    assert.equal(added.pitched, true, "a track added by hand");
    const status = controlStatus(player).tracks;
    assert.deepEqual(
      status.map((t) => [t.name, t.pitched, t.pitchedGuessed]),
      [["keys", true, false], ["perc", false, false], ["click", false, false], [
        "by hand",
        true,
        false,
      ]],
    );
    const rows = frameLines(new PlaySession(player, { title: "x", markers: [] }), 120);
    assert.ok(rows.some((row) => /\bperc \(keeps key\) /.test(row)), rows.join("\n"));
    assert.ok(!rows.some((row) => /keys \(keeps/.test(row)), rows.join("\n"));

    // A folder song guesses from the names, and says it guessed.
    const folder = join(dir, "folder");
    await Deno.mkdir(folder);
    await Deno.writeFile(
      join(folder, "Kick.wav"),
      encodeWav([new Float32Array(RATE)], RATE, "f32"),
    );
    await Deno.writeFile(
      join(folder, "Piano.wav"),
      encodeWav([new Float32Array(RATE)], RATE, "f32"),
    );
    await player.loadSong(folder);
    assert.equal(track(player, "Kick").pitched, false);
    assert.equal(track(player, "Kick").pitchedGuessed, true);
    assert.equal(track(player, "Piano").pitched, true);
    assert.equal(track(player, "Piano").pitchedGuessed, true);
    // The play screen marks the guess as it marks a guessed bus ("in-ears?").
    const guessed = frameLines(new PlaySession(player, { title: "x", markers: [] }), 120);
    assert.ok(guessed.some((row) => row.includes("Kick (keeps key?)")), guessed.join("\n"));
  });
});

Deno.test("track.pitched takes a boolean only, and refuses tracks with no song to prepare again", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeSong(dir, { transpose: 2 }));
    const keys = track(player, "keys");
    const group = player.currentGroup;
    for (const bad of ["false", 0, null, undefined, 1]) {
      assert.throws(
        () => (keys as unknown as Record<string, unknown>).pitched = bad,
        (error: unknown) => error instanceof StemplayError && error.code === "INVALID_ARGUMENT",
        String(bad),
      );
    }
    assert.equal(keys.pitched, true, "nothing changed");
    assert.equal(player.keyTempoPreparing, false);
    keys.pitched = true; // the value it has: nothing to do
    assert.equal(player.keyTempoPreparing, false);
    assert.equal(player.currentGroup, group);
    const added = player.addTrack([new Float32Array(RATE)], { name: "by hand" });
    assert.throws(
      () => added.pitched = false,
      (error: unknown) => error instanceof StemplayError && error.code === "UNSUPPORTED",
    );
    assert.equal(added.pitched, true);
    assert.throws(
      () => track(player, "click").pitched = true,
      (error: unknown) => error instanceof StemplayError && error.code === "UNSUPPORTED",
    );
    // The operator action: a bad value is INVALID_ACTION and changes nothing.
    await assert.rejects(
      dispatch(player, { type: "pitched", track: "keys", pitched: "no" }),
      (error: unknown) => error instanceof StemplayError && error.code === "INVALID_ACTION",
    );
    assert.equal(keys.pitched, true);
    assert.equal(player.keyTempoPreparing, false);
  });
});

Deno.test("at transpose 0 pitched is only recorded, and a later key change keeps the stem's key", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeSong(dir));
    const group = player.currentGroup;
    track(player, "keys").pitched = false;
    assert.equal(track(player, "keys").pitched, false, "recorded at once");
    assert.equal(player.keyTempoPreparing, false, "nothing to render at transpose 0");
    assert.equal(player.currentGroup, group, "the same song plays");
    player.transpose = 2;
    await player.keyTempoReady();
    assert.equal(track(player, "keys").pitched, false, "the new tracks carry it");
    const error = toneCents(player, 220);
    console.log(`  keys unpitched at +2: ${error.toFixed(3)} cents from 220 Hz`);
    assert.ok(Math.abs(error) < 2, `${error} cents`);
  });
});

Deno.test("at transpose +2, pitched = false while stopped renders the stem at its recorded key, and it stays through key changes until a song change", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const song = await writeSong(dir, { transpose: 2 });
    await player.loadSong(song);
    const before = toneCents(player, UP_2);
    console.log(`  pitched at +2: ${before.toFixed(3)} cents from ${UP_2.toFixed(2)} Hz`);
    assert.ok(Math.abs(before) < 2);
    const group = player.currentGroup;
    const result = await dispatch(player, { type: "pitched", track: "keys", pitched: false });
    console.log(`  action: ${result.message}`);
    assert.equal(track(player, "keys").pitched, false, "the getter has it at once");
    assert.equal(player.keyTempoPreparing, true, "the song is prepared again");
    assert.throws(
      () => player.play(),
      (error: unknown) => error instanceof StemplayError && error.code === "BUSY",
    );
    await player.keyTempoReady();
    assert.notEqual(player.currentGroup, group, "the song prepared again plays");
    assert.equal(track(player, "keys").pitched, false);
    assert.equal(track(player, "keys").pitchedGuessed, false);
    assert.equal(track(player, "perc").pitched, false);
    const kept = toneCents(player, 220);
    console.log(`  unpitched at +2: ${kept.toFixed(3)} cents from 220 Hz`);
    assert.ok(Math.abs(kept) < 2, `${kept} cents`);

    player.transpose = -3;
    await player.keyTempoReady();
    assert.equal(track(player, "keys").pitched, false, "kept through a key change");
    const still = toneCents(player, 220);
    console.log(`  unpitched at -3: ${still.toFixed(3)} cents from 220 Hz`);
    assert.ok(Math.abs(still) < 2, `${still} cents`);

    track(player, "keys").pitched = true; // back: on the new key again
    await player.keyTempoReady();
    const back = toneCents(player, 220 * Math.pow(2, -3 / 12));
    console.log(`  pitched again at -3: ${back.toFixed(3)} cents`);
    assert.ok(Math.abs(back) < 2, `${back} cents`);

    track(player, "keys").pitched = false;
    await player.keyTempoReady();
    await player.loadSong(song); // a song change: the song's own flags again
    assert.equal(track(player, "keys").pitched, true);
    assert.equal(player.transpose, 2);
  });
});

Deno.test("at transpose +2, pitched = false while playing is crossfaded in: no step larger than the material's, then the recorded key", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeSong(dir, { transpose: 2 }));
    const group = player.currentGroup;
    const before = 1.5 * RATE;
    const frames = before + 2 * RATE;
    const out = new Float32Array(frames);
    player.play();
    for (let done = 0; done < frames; done += BLOCK) {
      if (done === before) {
        track(player, "keys").pitched = false;
        assert.equal(player.state, "playing", "the old key plays on while it is prepared");
        await player.keyTempoReady();
      }
      out.set(player.render(BLOCK)[0], done);
    }
    assert.equal(player.state, "playing");
    assert.notEqual(player.currentGroup, group, "switched while playing");
    // The material's own step: the tone at +2 before the change, and the stem's new render
    // (Rubber Band at pitch 1) once the crossfade is over.
    const shifted = out.subarray(RATE / 2, before);
    const kept = out.subarray(before + RATE / 5);
    const material = Math.max(largestStep(shifted), largestStep(kept));
    const slope = (peak(shifted) + peak(kept)) / CROSSFADE;
    const around = out.subarray(before - RATE / 10);
    const step = largestStep(around);
    const where = around.findIndex((x, i) => i > 0 && Math.abs(x - around[i - 1]) === step);
    console.log(`  largest step at ${where - RATE / 10} frames from the call`);
    console.log(
      `  largest step ${step.toFixed(5)}, material's ${material.toFixed(5)} (+ the ` +
        `crossfade's slope ${slope.toFixed(5)})`,
    );
    assert.ok(step <= material + slope, `step ${step} > material's ${material}`);
    const after = cents(estimateFrequency(out.subarray(frames - RATE, frames), RATE), 220);
    console.log(`  after the switch: ${after.toFixed(3)} cents from 220 Hz`);
    assert.ok(Math.abs(after) < 2, `${after} cents`);
  });
});

Deno.test("a pitched change that fails while it is prepared leaves the flag and the sound as they were", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const song = await writeSong(dir, { transpose: 2 });
    await player.loadSong(song);
    const group = player.currentGroup;
    await Deno.remove(join(song, "keys.wav")); // the song cannot be prepared again
    track(player, "keys").pitched = false;
    await assert.rejects(player.keyTempoReady(), StemplayError);
    assert.equal(player.currentGroup, group, "the song plays on as it was");
    assert.equal(track(player, "keys").pitched, true, "the flag of the sound that plays");
    assert.equal(player.transpose, 2);
    const error = toneCents(player, UP_2);
    assert.ok(Math.abs(error) < 2, `${error} cents`);
  });
});

const OSC_TEST = "OSC /stemplay/track/pitched sets and toggles a stem's flag (oscsend)";
Deno.test({
  name: OSC_TEST,
  ignore: ignoreWithout("oscsend", OSC_TEST),
  async fn() {
    requireTool("oscsend", OSC_TEST);
    await withOfflinePlayer(RATE, async (player, dir) => {
      await player.loadSong(await writeSong(dir));
      const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
      try {
        await oscsend(osc.port, "/stemplay/track/pitched", "si", "keys", "0");
        await waitFor("keys unpitched", () => !track(player, "keys").pitched);
        await oscsend(osc.port, "/stemplay/track/pitched", "i", "2"); // toggles perc
        await waitFor("perc pitched", () => track(player, "perc").pitched);
        assert.equal(track(player, "keys").pitched, false);
      } finally {
        await osc.close();
      }
    });
  },
});
