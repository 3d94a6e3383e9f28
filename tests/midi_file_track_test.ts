/**
 * MIDI-file tracks: a Standard MIDI File listed in song.json's tracks plays to MIDI out in sync
 * with the audio, on a real jackd recorded by jackd2's own `jack_midi_dump -a`: its notes at
 * their frames, again on the next pass of a loop, a note held across the loop seam and across
 * a jump ended there, and no note left on at the end. A SMPTE-timed file is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMidiOut, StemplayError } from "../mod.ts";
import { loadSongDescription } from "../src/songs/song.ts";
import { songMidi } from "../src/songs/midi_events.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { readLines } from "./support/midi_send.ts";
import { sleep, waitFor } from "./support/wait.ts";
import { beats, smf } from "./support/smf.ts";

const RATE = JACK_RATE;
async function writeSong(dir: string, mid: Uint8Array): Promise<string> {
  const tone = new Float32Array(20 * RATE).map((_, i) => 0.05 * Math.sin(i / 20));
  await Deno.writeFile(join(dir, "tone.wav"), encodeWav([tone], RATE, "f32"));
  await Deno.writeFile(join(dir, "lights.mid"), mid);
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      tracks: [{ file: "tone.wav", route: [1] }, { file: "lights.mid" }],
      tempo: 120,
      markers: [{ name: "J", at: 10 }],
    }),
  );
  return dir;
}

Deno.test("MIDI-file tracks: read from song.json's tracks, not played as audio", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-midifile-" });
  try {
    await writeSong(dir, smf([[beats(1), [0x99, 36, 100]], [beats(1.25), [0x89, 36, 0]]]));
    const song = await loadSongDescription(dir);
    assert.deepEqual(song.tracks.map((track) => track.options.name), ["tone"]);
    assert.deepEqual((await songMidi(song)).events, [
      { at: 1, bytes: [0x99, 36, 100] },
      { at: 1.25, bytes: [0x89, 36, 0] },
    ]);
    // SMPTE time (a negative division byte): refused, named.
    const smpte = smf([[0, [0x90, 1, 1]]]);
    smpte[12] = 0xe7; // -25 fps
    smpte[13] = 40;
    await Deno.writeFile(join(dir, "lights.mid"), smpte);
    await assert.rejects(
      async () => await songMidi(await loadSongDescription(dir)),
      (error) =>
        error instanceof StemplayError && error.code === "DECODE" && /SMPTE/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const name = "MIDI-file tracks on JACK: notes at their frames through a loop pass and a jump";
jackTest(name, ["jack_midi_dump"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-midifile-" });
  try {
    await writeSong(
      dir,
      smf([
        [beats(1), [0x99, 36, 100]],
        [beats(1.25), [0x89, 36, 0]],
        [beats(3), [0x99, 38, 90]], // held past the loop's end (4 s) and the jump
        [beats(6), [0x89, 38, 0]],
      ]),
    );
    const lines: string[] = [];
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      const dump = new Deno.Command("jack_midi_dump", {
        args: ["-a", "dump"],
        env: server.env,
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reading = (async () => {
        for await (const line of readLines(dump.stdout)) lines.push(line);
      })();
      try {
        await player.loadSong(dir);
        const out = await serveMidiOut(player, { clock: false });
        for (let i = 0; i < 100 && !(await server.ports()).includes("dump:input"); i++) {
          await sleep(50);
        }
        await server.connect(out.port, "dump:input");
        await sleep(200);
        player.loop(0.5, 4);
        player.play();
        // The second pass, past note 38's start: jump away while it is held.
        await waitFor("the second pass", () => out.sent.events >= 6);
        await waitFor("note 38 on again", () => out.sent.events >= 7);
        player.jump("J", { at: "now" });
        await waitFor("the jump", () => player.positionFrames >= 10.5 * RATE);
        player.stop();
        await sleep(300);
        await out.close();
      } finally {
        await player.close();
      }
      // Only now: a client killed while the engine runs can stall a --sync server's cycle
      // for its timeout, long enough for the engine's watchdog to call the device lost.
      dump.kill("SIGTERM");
      await dump.status;
      await reading;
    });
    const notes = lines.flatMap((line) => {
      const match = /^\s*(\d+)\s*:\s*((?:[0-9a-f]{2}\s*)+)/i.exec(line);
      return match ? [{ at: Number(match[1]), hex: match[2].trim().toLowerCase() }] : [];
    });
    console.log(`midi file: ${notes.map((n) => `${n.at}: ${n.hex}`).join(", ")}`);
    const t0 = notes[0].at - RATE; // the first note is at 1 s
    const seam = t0 + 4 * RATE; // the loop's end, back to 0.5 s
    assert.deepEqual(notes.slice(0, 7).map((n) => [n.at - t0, n.hex]), [
      [RATE, "99 24 64"],
      [1.25 * RATE, "89 24 00"],
      [3 * RATE, "99 26 5a"],
      [seam - t0, "89 26 00"], // held across the seam: ended there
      [seam - t0 + 0.5 * RATE, "99 24 64"], // the second pass
      [seam - t0 + 0.75 * RATE, "89 24 00"],
      [seam - t0 + 2.5 * RATE, "99 26 5a"],
    ]);
    assert.equal(notes[7].hex, "89 26 00", "note 38 ended by the jump");
    assert.equal(notes.length, 8, "nothing after the jump: no note on, none stuck");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
