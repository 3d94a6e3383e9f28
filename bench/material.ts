/**
 * What the benches load and run: deterministic stereo stems, and tools run as baselines.
 *
 * @module
 */

import { join } from "node:path";
import { encodeWav } from "../src/sources/wav.ts";

/** A stereo stem of `seconds` at `rate`: a tone per channel (`frequency`, 3 Hz apart) of
 * amplitude `tone`, plus white noise of amplitude `noise` from `seed` (deterministic). */
export function stereoStem(options: {
  seconds: number;
  rate: number;
  frequency: number;
  tone: number;
  noise: number;
  seed: number;
}): Float32Array[] {
  const frames = options.seconds * options.rate;
  let seed = options.seed;
  return [0, 1].map((channel) => {
    const out = new Float32Array(frames);
    const step = 2 * Math.PI * (options.frequency + channel * 3) / options.rate;
    for (let i = 0; i < frames; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      out[i] = options.tone * Math.sin(step * i) + options.noise * (seed / 2 ** 32 - 0.5);
    }
    return out;
  });
}

/** Writes `stems` float WAV stems of `seconds` into `dir` (stem0.wav …: a tone 110 Hz × (n +
 * 2) each, a little noise) and returns their file names. */
export async function writeStereoStems(
  dir: string,
  stems: number,
  seconds: number,
  rate: number,
): Promise<string[]> {
  const files = [];
  for (let stem = 0; stem < stems; stem++) {
    const file = `stem${stem}.wav`;
    const audio = stereoStem({
      seconds,
      rate,
      frequency: 110 * (stem + 2),
      tone: 0.3,
      noise: 0.03,
      seed: stem + 1,
    });
    await Deno.writeFile(join(dir, file), encodeWav(audio, rate, "f32"));
    files.push(file);
  }
  return files;
}

/** Runs a program; its failure throws with its stderr. */
export async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
}
