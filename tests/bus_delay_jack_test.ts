/**
 * Bus delay on a real jackd (issue 26, "Offsets: measured, not assumed"), recorded by an
 * independent client, native/tests/jack_capture.c, on one timeline with the MIDI out port:
 * - the song has one one-frame impulse on FOH (0.5, output 1) and one on the in-ears (0.25,
 *   output 3), both on the frame of marker "Hit"; both outputs go into the capture's one audio
 *   input (JACK sums them), so the capture shows the in-ears' impulse and, exactly
 *   round(D × 48000 / 1000) frames later, FOH's;
 * - the CC a `midiEvents` entry sends at "Hit" lands on the undelayed (in-ears) impulse's frame
 *   with `offsetMs` 0: a bus delay moves that bus's audio only (docs/bus_delay.md); with
 *   `offsetMs` equal to the delay it lands on the delayed (FOH) impulse's frame.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMidiOut } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import {
  buildJackCapture,
  parseCapturedEvents,
  startAudioMidiCapture,
} from "./support/jack_capture.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = JACK_RATE;
const HIT_SECONDS = 1;

/** A 3 s song: a one-frame impulse at the "Hit" marker, 0.5 on FOH, 0.25 on the in-ears. */
async function writeImpulseSong(dir: string): Promise<string> {
  const folder = join(dir, "impulse");
  await Deno.mkdir(folder);
  for (const [file, level] of [["foh.wav", 0.5], ["ears.wav", 0.25]] as const) {
    const samples = new Float32Array(3 * RATE);
    samples[HIT_SECONDS * RATE] = level;
    await Deno.writeFile(join(folder, file), encodeWav([samples], RATE, "f32"));
  }
  await Deno.writeTextFile(
    join(folder, "song.json"),
    JSON.stringify({
      tracks: [
        { file: "foh.wav", bus: "FOH", route: [1] },
        { file: "ears.wav", bus: "in-ears", route: [3] },
      ],
      tempo: 120,
      markers: [{ name: "Hit", at: HIT_SECONDS }],
      midiEvents: [{ marker: "Hit", cc: 64, value: 127, channel: 1 }],
    }),
  );
  return folder;
}

/** Capture frames holding a non-zero sample, with the sample. */
function impulses(audio: Float32Array): [number, number][] {
  const found: [number, number][] = [];
  audio.forEach((x, t) => {
    if (x !== 0) found.push([t, x]);
  });
  return found;
}

const name =
  "bus delay on JACK: FOH lands exactly the delay after the in-ears; MIDI keeps its own offset";
jackTest(name, ["cc"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-busdelay-" });
  try {
    const folder = await writeImpulseSong(dir);
    const capture = await buildJackCapture();
    await withJackServer(async (server) => {
      const player = await openJackPlayer({
        buses: {
          FOH: { outputs: [1, 2], delayMs: 10 },
          "in-ears": { outputs: [3, 4], protected: true },
        },
      });
      try {
        await player.loadSong(folder);
        const runs: { delayMs: number; offsetMs: number }[] = [
          { delayMs: 10, offsetMs: 0 },
          { delayMs: 12.34, offsetMs: 12.34 },
        ];
        for (const { delayMs, offsetMs } of runs) {
          // Set while stopped: its crossfade runs in silence.
          player.bus("FOH").delayMs = delayMs;
          await sleep(100);
          const out = await serveMidiOut(player, { offsetMs });
          const audioPath = join(dir, `audio${delayMs}.f32`);
          const client = out.port.replace(/:midi_out$/, "");
          const recording = await startAudioMidiCapture(
            capture,
            server,
            audioPath,
            3,
            [`${client}:playback0`, `${client}:playback2`],
            out.port,
          );
          player.seekFrames(0);
          player.play();
          await waitFor(
            "past the hit",
            () => player.positionFrames >= (HIT_SECONDS + 0.2) * RATE,
          );
          const captured = await recording.finish();
          player.stop();
          await sleep(200);
          await out.close();
          const bytes = await Deno.readFile(audioPath);
          const audio = new Float32Array(bytes.buffer, 0, bytes.length / 4);
          const events = parseCapturedEvents(captured).filter((e) => e.bytes[0] === 0xb0);
          const found = impulses(audio);
          const shift = Math.round(delayMs * RATE / 1000);
          console.log(
            `bus delay ${delayMs} ms (${shift} frames), MIDI offset ${offsetMs} ms: impulses ` +
              `${JSON.stringify(found)}, CC at ${events.map((e) => e.at).join(", ")}`,
          );
          assert.deepEqual(
            found.map(([, x]) => x),
            [0.25, 0.5],
            "the in-ears' impulse, then FOH's",
          );
          const [[ears], [foh]] = found;
          assert.equal(foh - ears, shift, `FOH exactly ${shift} frames after the in-ears`);
          assert.equal(events.length, 1, "one CC at the marker");
          assert.equal(
            events[0].at,
            ears + Math.round(offsetMs * RATE / 1000),
            "the CC on its audio's undelayed frame plus the MIDI offset",
          );
        }
      } finally {
        await player.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
