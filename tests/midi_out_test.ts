/**
 * MIDI clock out on JACK, checked by two independent clients on a real jackd:
 * - jackd2's own `jack_midi_dump -a` records the clock: at 120 bpm and 48 kHz the ticks are
 *   exactly 1,000 frames apart (0 frames of jitter against the ideal frames counted from Start,
 *   and from each Song Position Pointer after a jump); Start, Stop, Continue and the pointer
 *   come on play, a seek, a bar jump, a pause and a resume.
 * - native/tests/jack_capture.c records the engine's first output and the MIDI port on one
 *   timeline; the song's samples encode their own frame index, so every tick is checked to
 *   arrive on the frame of its audio: song frame k * 1000 (0 frames off), then with
 *   `offsetMs` the same shifted by exactly the offset, later and earlier.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMidiOut, serveOsc, StemplayError } from "../mod.ts";
import { readStatus } from "../src/control/status.ts";
import { oscsend } from "./support/osc_tools.ts";
import { clockSegments } from "../src/control/midi_out.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { JACK_PERIOD, JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import {
  buildJackCapture,
  rampFrameAt,
  startAudioMidiCapture,
  writeRampSong,
} from "./support/jack_capture.ts";
import { type DumpEvent as Event, dumpPort, hex, stopDump } from "./support/midi_dump.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = JACK_RATE;
const TICK = 1000; // frames per clock tick at 120 bpm, 48 kHz
const B_SECONDS = 16; // bar 9 at 120 bpm in 4/4
const SEEK_SECONDS = 5.25; // between ticks: tick 252 falls on 5.25 s exactly

/** The song.json keys of the 30 s ramp song (samples (frame + 1) / 2^21) at 120 bpm. */
const RAMP_SONG = {
  tempo: 120,
  markers: [{ name: "B", at: B_SECONDS }],
  midiEvents: [
    { at: "start", program: 5, bank: 2, channel: 1 },
    { marker: "B", cc: 64, value: 127, channel: 1 },
    { at: 1, note: 60, velocity: 100, duration: 0.5, channel: 10 },
    { at: 1.8, note: 62, velocity: 90, duration: 10, channel: 10 }, // ended by the seek
  ],
};

Deno.test("clockSegments: 24 ticks to the quarter note, first ticks counted across segments", () => {
  const cells = clockSegments([
    { at: 0.5, tempo: 120, timeSignature: [4, 4] },
    { at: 2.5, tempo: 72, timeSignature: [6, 8] },
  ]);
  assert.deepEqual(Array.from(cells), [0.5, 60 / 120 / 24, 0, 2.5, 60 / 72 * 2 / 24, 96]);
});

const name = "MIDI clock on JACK: exact ticks, Start/Stop/Continue/SPP, on the frame of the audio";
jackTest(name, ["cc", "jack_midi_dump", "oscsend"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-midiout-" });
  try {
    const folder = await writeRampSong(dir, 30, RAMP_SONG);
    const capture = await buildJackCapture();
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      try {
        await assert.rejects(
          () => serveMidiOut(player, { offsetMs: 5000 }),
          (error) => error instanceof StemplayError && error.code === "INVALID_ARGUMENT",
        );
        await player.loadSong(folder);
        const out = await serveMidiOut(player, { clock: true });
        assert.equal(out.port, "stemplay:midi_out", "the engine's own JACK client");
        await assert.rejects(
          () => serveMidiOut(player),
          (error) => error instanceof StemplayError && error.code === "MIDI_OUTPUT",
        );
        const dump = await dumpPort(server, out.port);

        // 1. Play from the start, seek, jump to a bar, pause, resume.
        await sleep(200);
        player.play();
        await waitFor("2 s of playback", () => player.positionFrames >= 2 * RATE);
        player.seek(SEEK_SECONDS);
        await waitFor("the seek", () => player.positionFrames >= (SEEK_SECONDS + 1) * RATE);
        player.jump("B", { at: "now" });
        await waitFor("the jump", () => player.positionFrames >= (B_SECONDS + 1) * RATE);
        player.pause();
        await sleep(400);
        player.play();
        await waitFor(
          "1 s after the resume",
          () => player.positionFrames >= (B_SECONDS + 2.5) * RATE,
        );
        player.stop();
        await sleep(300);
        const sent = out.sent;
        console.log(`midi out: sent ${JSON.stringify(sent)}`);
        assert.equal(sent.dropped, 0);

        // The surfaces: OSC (liblo's oscsend) toggles the clock; the status shows it, the
        // port and the last song message sent (the CC at B).
        const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
        try {
          assert.deepEqual(readStatus(player).midiOut, {
            port: out.port,
            clock: true,
            lastEvent: "B0 40 7F",
            lastSent: "cc 64 = 127 ch 1 at 0:16.0",
          });
          await oscsend(osc.port, "/stemplay/midiclock", "i", "0");
          await waitFor("the clock off", () => !out.clock);
          assert.equal(readStatus(player).midiOut?.clock, false);
          await oscsend(osc.port, "/stemplay/midiclock");
          await waitFor("the clock toggled on", () => out.clock);
        } finally {
          await osc.close();
        }

        // 2. Against the audio, with offsets 0, +10 ms, -10 ms.
        const offsets: [number, Event[], Float32Array][] = [];
        for (const offsetMs of [0, 10, -10]) {
          await out.close();
          const shifted = await serveMidiOut(player, { offsetMs });
          const audioPath = join(dir, `audio${offsetMs}.f32`);
          const recording = await startAudioMidiCapture(
            capture,
            server,
            audioPath,
            4,
            [shifted.port.replace(/:midi_out$/, ":playback0")],
            shifted.port,
          );
          player.seekFrames(0);
          player.play();
          await waitFor("1.5 s of playback", () => player.positionFrames >= 1.5 * RATE);
          player.jump("B", { at: "now" });
          const captured = await recording.finish();
          player.stop();
          await sleep(200);
          const bytes = await Deno.readFile(audioPath);
          const events = captured.map((line) => {
            const [frame, ...data] = line.split(" ");
            return { at: Number(frame), bytes: data.map((b) => parseInt(b, 16)) };
          });
          offsets.push([offsetMs, events, new Float32Array(bytes.buffer, 0, bytes.length / 4)]);
          await shifted.close();
        }
        // The player first: a client killed while the engine runs can stall a --sync
        // server's cycle for its timeout, long enough for the watchdog to call it lost.
        await player.close();
        const events = await stopDump(dump);
        await sleep(100);

        // --- the dump: Start, ticks 1000 apart, SPP on the seek and the jump, Stop, SPP +
        // Continue on the resume, Stop.
        const messages = events.filter((e) => e.bytes[0] !== 0xf8);
        console.log(
          `midi out: ${events.length} events in the dump; messages: ` +
            messages.map((e) => `${e.at}: ${hex(e)}`).join(", "),
        );
        const first = messages;
        const start = first[0].at;
        const expect = (index: number, bytes: string, at: number | undefined, what: string) => {
          assert.equal(hex(first[index]), bytes, what);
          if (at !== undefined) assert.equal(first[index].at, at, `${what}: its frame`);
        };
        expect(0, "fa", undefined, "Start on the first downbeat");
        expect(1, "b0 00 00", start, "bank 2 (MSB) with Start");
        expect(2, "b0 20 02", start, "bank 2 (LSB)");
        expect(3, "c0 05", start, "program 5");
        expect(4, "99 3c 64", start + RATE, "note 60 at 1 s");
        expect(5, "89 3c 00", start + 1.5 * RATE, "its end after 0.5 s");
        expect(6, "99 3e 5a", start + 1.8 * RATE, "note 62 at 1.8 s");
        expect(7, "89 3e 00", undefined, "note 62 ended by the seek");
        expect(
          8,
          `f2 ${(SEEK_SECONDS * 8).toString(16).padStart(2, "0")} 00`,
          first[7].at,
          "SPP on the seek",
        );
        expect(
          9,
          `f2 ${(B_SECONDS * 8 & 127).toString(16).padStart(2, "0")} 01`,
          undefined,
          "SPP on the jump",
        );
        expect(10, "b0 40 7f", first[9].at, "the CC at marker B, on the jump's frame");
        expect(11, "fc", undefined, "Stop on pause");
        assert.equal(first[12].bytes[0], 0xf2, "SPP on the resume");
        const resumedAt = first[12].bytes[1] | (first[12].bytes[2] << 7);
        assert.ok(resumedAt >= B_SECONDS * 8 + 8, `resumed at sixteenth ${resumedAt}`);
        expect(13, "fb", first[12].at, "Continue on the resume");
        expect(14, "fc", undefined, "Stop on stop");
        assert.equal(messages.length, 15, "nothing else (the later runs have their own port)");

        // Jitter: ticks counted from Start, and from each pointer after it.
        let origin = -1, count = 0, worst = 0, ticks = 0;
        const secondStart = events.findIndex((e, i) => i > 0 && e.bytes[0] === 0xfa);
        for (const event of secondStart < 0 ? events : events.slice(0, secondStart)) {
          if (event.bytes[0] === 0xfa || event.bytes[0] === 0xf2 || event.bytes[0] === 0xfc) {
            origin = -1;
            continue;
          }
          if (event.bytes[0] !== 0xf8) continue;
          if (origin < 0) {
            origin = event.at;
            count = 0;
          }
          const jitter = Math.abs(event.at - (origin + count * TICK));
          worst = Math.max(worst, jitter);
          count++;
          ticks++;
        }
        console.log(`midi out: clock jitter over ${ticks} ticks: max ${worst} frames`);
        assert.ok(ticks > 200, `only ${ticks} ticks`);
        assert.equal(worst, 0, "every tick exactly 1,000 frames after the one before");

        // --- the captures: each tick on the frame of its audio, shifted by the offset.
        for (const [offsetMs, events, audio] of offsets) {
          const shift = Math.round(offsetMs * RATE / 1000);
          let checked = 0, off = 0;
          for (const event of events.filter((e) => e.bytes[0] === 0xf8)) {
            const song = rampFrameAt(audio, event.at);
            if (song === undefined || song < TICK) continue; // see Start for the first
            const error = song - shift - Math.round((song - shift) / TICK) * TICK;
            off = Math.max(off, Math.abs(error));
            checked++;
          }
          const start = events.find((e) => e.bytes[0] === 0xfa);
          assert.ok(start, `offset ${offsetMs}: no Start`);
          // Start goes with the tick of the first downbeat: song frame 0 + the shift (at the
          // song's first frame when that is earlier: nothing plays before it).
          const startSong = rampFrameAt(audio, start.at + 10);
          assert.equal(startSong, Math.max(0, shift) + 10, `offset ${offsetMs}: Start's frame`);
          // The program change with Start; the CC at B on the frame where B's audio begins
          // (read past the jump's fade-in and taken back), shifted by the offset.
          const program = events.find((e) => e.bytes[0] === 0xb0 && e.bytes[1] === 0);
          assert.equal(program?.at, start.at, `offset ${offsetMs}: the program change's frame`);
          const cc = events.find((e) => e.bytes[0] === 0xb0 && e.bytes[1] === 64);
          assert.ok(cc, `offset ${offsetMs}: no CC at B`);
          let bAudio: number | undefined;
          for (let t = cc.at - 2 * JACK_PERIOD; t < cc.at + 4000 && bAudio === undefined; t++) {
            const song = rampFrameAt(audio, t + 600);
            if (song !== undefined && song - 600 >= B_SECONDS * RATE - 600) {
              bAudio = t + 600 - (song - B_SECONDS * RATE);
            }
          }
          assert.ok(bAudio !== undefined, `offset ${offsetMs}: B's audio not found`);
          assert.equal(
            cc.at - bAudio,
            Math.max(0, shift),
            `offset ${offsetMs}: the CC at B against B's audio`,
          );
          console.log(
            `midi out: offset ${offsetMs} ms: ${checked} ticks checked against the audio, ` +
              `worst ${off} frames off`,
          );
          assert.ok(checked > 50, `offset ${offsetMs}: only ${checked} ticks checked`);
          assert.equal(off, 0, `offset ${offsetMs}: ticks on the frame of their audio`);
        }
      } finally {
        await player.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

{
  const name = "MIDI out refuses a song's tempo map it cannot play, by error, not in silence";
  jackTest(name, [], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-midiout-map-" });
    try {
      // A DAW's tempo ramp exported one segment a beat: 5,000 segments (the most is 4,096).
      const folder = join(dir, "ramp");
      await Deno.mkdir(folder);
      await Deno.writeFile(
        join(folder, "a.wav"),
        encodeWav([new Float32Array(RATE).fill(0.01)], RATE, "f32"),
      );
      const tempoMap = Array.from({ length: 5000 }, (_, i) => ({ at: i * 0.5, tempo: 120 }));
      await Deno.writeTextFile(
        join(folder, "song.json"),
        JSON.stringify({ tracks: [{ file: "a.wav", route: [1] }], tempoMap }),
      );
      await withJackServer(async () => {
        const player = await openJackPlayer();
        try {
          await player.loadSong(folder);
          await assert.rejects(
            () => serveMidiOut(player),
            (error) =>
              error instanceof StemplayError && error.code === "MIDI_OUTPUT" &&
              /at most 4096 tempo segments per song, got 5000/.test(error.message),
          );
        } finally {
          await player.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
