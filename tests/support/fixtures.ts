/**
 * Test audio: tones in every container the decoder must read, broken files for the bad-input
 * tests, and a frequency estimator to check what comes out.
 *
 * Everything is generated into a folder the caller owns (usually `Deno.makeTempDir()`);
 * nothing is committed. FLAC and MP3 need the `flac` (or `sox`) and `lame` programs: when one
 * is missing the matching path is `null`, and the test should call
 * {@linkcode requireTool} to fail or skip by the shared policy.
 *
 * @module
 */

import { join } from "node:path";
import { encodeWav } from "../../src/sources/wav.ts";
import { hasTool } from "./require_tool.ts";

export { requireTool } from "./require_tool.ts";

/** Options of {@linkcode tone}. */
export interface ToneOptions {
  /** Per-channel frequencies in Hz; channel k uses `channelFrequencies[k]` when it is given. */
  channelFrequencies?: number[];
}

/**
 * A sine tone, planar, starting at phase 0. Frames: `Math.round(seconds * sampleRate)`.
 *
 * @param frequency in Hz, for every channel without its own frequency
 * @param seconds the length
 * @param sampleRate frames per second
 * @param channels the number of channels
 * @param amplitude the peak, 0.5 (-6 dBFS) by default
 * @param options per-channel frequencies
 */
export function tone(
  frequency: number,
  seconds: number,
  sampleRate: number,
  channels: number,
  amplitude = 0.5,
  options: ToneOptions = {},
): Float32Array[] {
  const frames = Math.round(seconds * sampleRate);
  return Array.from({ length: channels }, (_, channel) => {
    const hz = options.channelFrequencies?.[channel] ?? frequency;
    const samples = new Float32Array(frames);
    const step = (2 * Math.PI * hz) / sampleRate;
    for (let frame = 0; frame < frames; frame++) {
      samples[frame] = amplitude * Math.sin(step * frame);
    }
    return samples;
  });
}

/** Options of {@linkcode writeToneFiles}. All have defaults. */
export interface ToneFileOptions extends ToneOptions {
  /** Hz; 440 by default. */
  frequency?: number;
  /** 1 by default. */
  seconds?: number;
  /** 48000 by default. */
  sampleRate?: number;
  /** 2 by default. MP3 is only made for 1 or 2 channels. */
  channels?: number;
  /** 0.5 by default. */
  amplitude?: number;
  /** The file name stem; "tone" by default. */
  name?: string;
}

/** What LAME recorded about the silence it added around the audio. */
export interface Mp3Info {
  /** The file. */
  path: string;
  /** Frames of silence the encoder put before the audio (LAME tag; 576 for LAME 3.100). */
  encoderDelay: number;
  /** Frames of padding after the audio (LAME tag). */
  padding: number;
  /**
   * Frames of extra output an MP3 decoder that ignores the LAME tag produces before the audio:
   * `encoderDelay + 529` (the 528 + 1 frames of the decoder's synthesis filter bank).
   * miniaudio 0.11.25 (dr_mp3) reads the LAME tag and removes exactly this many frames at the
   * start and `padding - 529` at the end, so it returns the original frame count.
   */
  leadingFrames: number;
}

/** The files {@linkcode writeToneFiles} made, all holding the same tone. */
export interface ToneFiles {
  /** The samples that were encoded. */
  source: Float32Array[];
  sampleRate: number;
  frames: number;
  wavS16: string;
  wavS24: string;
  wavF32: string;
  /** 16-bit FLAC, or null when neither `flac` nor `sox` is installed. */
  flac: string | null;
  /** 128 kbps CBR MP3, or null when `lame` is missing or there are more than 2 channels. */
  mp3: Mp3Info | null;
}

async function run(command: string, args: string[]) {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr);
    throw new Error(`${command} ${args.join(" ")} failed (${output.code}): ${stderr}`);
  }
}

/**
 * Writes one tone as WAV s16, s24 and f32, FLAC (16-bit) and MP3 (128 kbps CBR) into `dir`.
 *
 * @param dir an existing folder
 * @param options what to generate
 */
export async function writeToneFiles(
  dir: string,
  options: ToneFileOptions = {},
): Promise<ToneFiles> {
  const {
    frequency = 440,
    seconds = 1,
    sampleRate = 48000,
    channels = 2,
    amplitude = 0.5,
    name = "tone",
  } = options;
  const source = tone(frequency, seconds, sampleRate, channels, amplitude, options);
  const path = (suffix: string) => join(dir, `${name}${suffix}`);
  const wavS16 = path("_s16.wav");
  const wavS24 = path("_s24.wav");
  const wavF32 = path("_f32.wav");
  await Deno.writeFile(wavS16, encodeWav(source, sampleRate, "s16"));
  await Deno.writeFile(wavS24, encodeWav(source, sampleRate, "s24"));
  await Deno.writeFile(wavF32, encodeWav(source, sampleRate, "f32"));

  let flac: string | null = path(".flac");
  if (hasTool("flac")) {
    // --channel-map=none: our extensible files (more than 2 channels) carry channel mask 0.
    await run("flac", ["--silent", "--force", "--channel-map=none", "-o", flac, wavS16]);
  } else if (hasTool("sox")) {
    await run("sox", [wavS16, "-b", "16", flac]);
  } else {
    flac = null;
  }

  let mp3: Mp3Info | null = null;
  if (channels <= 2 && hasTool("lame")) {
    const mp3Path = path(".mp3");
    await run("lame", ["--silent", "-b", "128", "--cbr", wavS16, mp3Path]);
    const tag = readLameTag(await Deno.readFile(mp3Path));
    if (tag === null) throw new Error(`lame wrote ${mp3Path} without a LAME tag`);
    mp3 = { path: mp3Path, ...tag, leadingFrames: tag.encoderDelay + 529 };
  }
  return { source, sampleRate, frames: source[0].length, wavS16, wavS24, wavF32, flac, mp3 };
}

/**
 * Reads the encoder delay and padding from the LAME tag in the first (Xing/Info) frame of an
 * MP3, or returns null when there is none. The two 12-bit fields sit 21 bytes after "LAME".
 *
 * @param bytes the MP3 file
 */
export function readLameTag(bytes: Uint8Array): { encoderDelay: number; padding: number } | null {
  const limit = Math.min(bytes.length - 24, 4096);
  for (let i = 0; i < limit; i++) {
    if (
      bytes[i] === 0x4c && bytes[i + 1] === 0x41 && bytes[i + 2] === 0x4d && bytes[i + 3] === 0x45
    ) {
      const at = i + 21;
      return {
        encoderDelay: (bytes[at] << 4) | (bytes[at + 1] >> 4),
        padding: ((bytes[at + 1] & 0x0f) << 8) | bytes[at + 2],
      };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Broken and odd inputs

/** Offset of the first sample of a WAV file's data chunk. */
function wavDataStart(bytes: Uint8Array): { sizeOffset: number; start: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(offset, offset + 4));
    if (id === "data") return { sizeOffset: offset + 4, start: offset + 8 };
    const size = view.getUint32(offset + 4, true);
    offset += 8 + size + (size & 1);
  }
  throw new Error("no data chunk");
}

function isWavPath(path: string) {
  return /\.wav$/i.test(path);
}

function siblingPath(path: string, infix: string) {
  const dot = path.lastIndexOf(".");
  return dot > path.lastIndexOf("/")
    ? `${path.slice(0, dot)}.${infix}${path.slice(dot)}`
    : `${path}.${infix}`;
}

/**
 * Copies the first `bytes` bytes of `path` to a new file next to it (`x.truncated.wav`), so the
 * header stays and the data is cut short. The header still states the full length.
 *
 * @param path the file to cut
 * @param bytes how many bytes to keep; for a WAV file it must keep the whole header
 * @param outPath where to write; next to `path` by default
 * @returns the new file's path
 */
export async function truncate(path: string, bytes: number, outPath?: string): Promise<string> {
  const data = await Deno.readFile(path);
  if (bytes < 0 || bytes > data.length) {
    throw new RangeError(`cannot keep ${bytes} bytes of a ${data.length}-byte file`);
  }
  if (isWavPath(path) && bytes < wavDataStart(data).start) {
    throw new RangeError(`${bytes} bytes would cut into the header of ${path}`);
  }
  const out = outPath ?? siblingPath(path, "truncated");
  await Deno.writeFile(out, data.subarray(0, bytes));
  return out;
}

/**
 * Copies a WAV file with its data chunk (and RIFF) size raised by `extraBytes` (one second of
 * 48 kHz stereo s16 by default), so the header claims more than the file holds.
 *
 * @returns the new file's path (`x.claims-more.wav`)
 */
export async function withHeaderClaimingMore(
  wavPath: string,
  extraBytes = 192000,
  outPath?: string,
): Promise<string> {
  const data = await Deno.readFile(wavPath);
  const view = new DataView(data.buffer);
  const { sizeOffset } = wavDataStart(data);
  view.setUint32(sizeOffset, view.getUint32(sizeOffset, true) + extraBytes, true);
  view.setUint32(4, view.getUint32(4, true) + extraBytes, true);
  const out = outPath ?? siblingPath(wavPath, "claims-more");
  await Deno.writeFile(out, data);
  return out;
}

/**
 * Writes `n` pseudo-random bytes (mulberry32, so the same seed gives the same file) to `path`.
 * Give `path` an audio extension to check the decoder does not trust the name.
 *
 * @returns `path`
 */
export async function randomBytes(path: string, n: number, seed = 1): Promise<string> {
  const out = new Uint8Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  await Deno.writeFile(path, out);
  return path;
}

/** Writes an empty file. @returns `path` */
export async function emptyFile(path: string): Promise<string> {
  await Deno.writeFile(path, new Uint8Array(0));
  return path;
}

/** Writes a 0.1 s stereo s16 WAV whose header says 0 Hz (and 0 bytes/s). @returns `path` */
export async function wavWithZeroRate(path: string): Promise<string> {
  const bytes = encodeWav(tone(440, 0.1, 48000, 2), 48000, "s16");
  const view = new DataView(bytes.buffer);
  view.setUint32(24, 0, true); // sample rate
  view.setUint32(28, 0, true); // bytes per second
  await Deno.writeFile(path, bytes);
  return path;
}

/** Writes a valid 0.1 s, 48 kHz, 33-channel s16 WAV (more channels than stemplay takes). */
export async function wavWith33Channels(path: string): Promise<string> {
  await Deno.writeFile(path, encodeWav(tone(440, 0.1, 48000, 33), 48000, "s16"));
  return path;
}

/** Writes a valid stereo s16 WAV with a data chunk of 0 frames. @returns `path` */
export async function wavWithZeroFrames(path: string): Promise<string> {
  await Deno.writeFile(path, encodeWav([new Float32Array(0), new Float32Array(0)], 48000, "s16"));
  return path;
}

/** Creates a directory named like an audio file (e.g. `song.wav/`). @returns `path` */
export async function directoryNamedLikeFile(path: string): Promise<string> {
  await Deno.mkdir(path, { recursive: true });
  return path;
}

/** Paths of every bad input, as {@linkcode writeBadInputs} makes them. */
export interface BadInputs {
  /** A WAV cut mid-data (header intact, claims the full length). */
  truncatedWav: string;
  /** A WAV whose data chunk claims more bytes than the file holds. */
  claimsMoreWav: string;
  /** 4096 random bytes named `.wav`. */
  randomWav: string;
  /** 4096 random bytes named `.mp3`. */
  randomMp3: string;
  /** 4096 random bytes named `.flac`. */
  randomFlac: string;
  /** 0 bytes named `.wav`. */
  emptyWav: string;
  zeroRateWav: string;
  channels33Wav: string;
  zeroFramesWav: string;
  /** A directory named `folder.wav`. */
  directoryWav: string;
}

/**
 * Writes every bad input into `dir` (an existing folder).
 *
 * @param dir where to write
 */
export async function writeBadInputs(dir: string): Promise<BadInputs> {
  const good = join(dir, "good_s16.wav");
  await Deno.writeFile(good, encodeWav(tone(440, 0.5, 48000, 2), 48000, "s16"));
  return {
    truncatedWav: await truncate(good, 44 + 1000),
    claimsMoreWav: await withHeaderClaimingMore(good),
    randomWav: await randomBytes(join(dir, "random.wav"), 4096, 1),
    randomMp3: await randomBytes(join(dir, "random.mp3"), 4096, 2),
    randomFlac: await randomBytes(join(dir, "random.flac"), 4096, 3),
    emptyWav: await emptyFile(join(dir, "empty.wav")),
    zeroRateWav: await wavWithZeroRate(join(dir, "zero_rate.wav")),
    channels33Wav: await wavWith33Channels(join(dir, "channels33.wav")),
    zeroFramesWav: await wavWithZeroFrames(join(dir, "zero_frames.wav")),
    directoryWav: await directoryNamedLikeFile(join(dir, "folder.wav")),
  };
}

// ---------------------------------------------------------------------------------------------
// Analysis

/** In-place radix-2 FFT of (re, im); length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    const stepRe = Math.cos(angle);
    const stepIm = Math.sin(angle);
    const half = size >> 1;
    for (let start = 0; start < n; start += size) {
      let wRe = 1;
      let wIm = 0;
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const tRe = re[b] * wRe - im[b] * wIm;
        const tIm = re[b] * wIm + im[b] * wRe;
        re[b] = re[a] - tRe;
        im[b] = im[a] - tIm;
        re[a] += tRe;
        im[a] += tIm;
        const nextRe = wRe * stepRe - wIm * stepIm;
        wIm = wRe * stepIm + wIm * stepRe;
        wRe = nextRe;
      }
    }
  }
}

/**
 * The frequency of the strongest sinusoid in `samples`, in Hz: a Hann-windowed, zero-padded
 * FFT, the peak bin refined by a parabola through the log magnitudes of it and its neighbours
 * (exact for a Gaussian peak, within a few hundredths of a bin for Hann). Within 0.05 Hz on
 * 1 s of a clean tone; the DC bin is ignored.
 *
 * @param samples mono samples (at least a few periods)
 * @param sampleRate frames per second
 */
export function estimateFrequency(samples: Float32Array, sampleRate: number): number {
  const count = samples.length;
  if (count < 4) throw new RangeError("need at least 4 samples");
  let size = 1;
  while (size < count * 4) size <<= 1; // ×4 zero padding: finer bins for the parabola
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  let mean = 0;
  for (let i = 0; i < count; i++) mean += samples[i];
  mean /= count;
  for (let i = 0; i < count; i++) {
    re[i] = (samples[i] - mean) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (count - 1)));
  }
  fft(re, im);
  let peak = 2;
  let peakPower = -1;
  for (let bin = 2; bin < size / 2 - 1; bin++) {
    const power = re[bin] * re[bin] + im[bin] * im[bin];
    if (power > peakPower) {
      peakPower = power;
      peak = bin;
    }
  }
  const logPower = (bin: number) => Math.log(re[bin] * re[bin] + im[bin] * im[bin] + 1e-300);
  const left = logPower(peak - 1);
  const middle = logPower(peak);
  const right = logPower(peak + 1);
  const denominator = left - 2 * middle + right;
  const shift = denominator === 0 ? 0 : (0.5 * (left - right)) / denominator;
  return ((peak + shift) * sampleRate) / size;
}
