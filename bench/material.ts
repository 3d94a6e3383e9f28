/**
 * What the benches load and run: deterministic stereo stems, and tools run as baselines.
 *
 * @module
 */

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

/** Runs a program; its failure throws with its stderr. */
export async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
}
