/**
 * Recording the engine's audio and a MIDI port on one JACK timeline: native/tests/jack_capture.c
 * (an independent JACK client, built here with cc), and reading back a "ramp" song whose
 * samples encode their own frame index, so the song frame playing at any capture frame is known.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The ramp's scale: sample i of the ramp song is (i + 1) / RAMP_SCALE. */
export const RAMP_SCALE = 2 ** 21;

/** Builds the capture client (cc … -l:libjack.so.0); usage: `capture OUT.f32 SECONDS`. */
export async function buildJackCapture(): Promise<string> {
  const source = fileURLToPath(new URL("../../native/tests/jack_capture.c", import.meta.url));
  const binary = join(await Deno.makeTempDir({ prefix: "stemplay-capture-" }), "jack_capture");
  const output = await new Deno.Command("cc", {
    args: ["-O2", "-o", binary, source, "-l:libjack.so.0"],
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return binary;
}

/** `frames` of the ramp (sample i reads (i + 1) / RAMP_SCALE). */
export function rampSamples(frames: number): Float32Array {
  const samples = new Float32Array(frames);
  for (let i = 0; i < samples.length; i++) samples[i] = (i + 1) / RAMP_SCALE;
  return samples;
}

/** Song frame playing at capture frame t, read from the ramp; undefined in silence or fades. */
export function rampFrameAt(audio: Float32Array, t: number): number | undefined {
  const scaled = audio[t] * RAMP_SCALE;
  if (!(scaled >= 1) || Math.abs(scaled - Math.round(scaled)) > 1e-3) return undefined;
  const frame = Math.round(scaled) - 1;
  // Part of a clean run (not a crossfade that happens to land near an integer).
  const next = audio[t + 1] * RAMP_SCALE;
  return Math.abs(next - scaled - 1) < 1e-3 ? frame : undefined;
}

/** One MIDI event of a capture: its capture frame and bytes. */
export interface CapturedEvent {
  at: number;
  bytes: number[];
}

/** Parses the capture's stdout lines ("FRAME HEX HEX …"). */
export function parseCapturedEvents(lines: string[]): CapturedEvent[] {
  return lines.map((line) => {
    const [frame, ...data] = line.split(" ");
    return { at: Number(frame), bytes: data.map((b) => parseInt(b, 16)) };
  });
}
