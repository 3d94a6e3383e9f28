/**
 * The optional decoder: formats no native decoder covers (M4A/AAC, ALAC, Opus, CAF, WMA, and
 * Ogg Vorbis in a build without stb_vorbis) are decoded by ffmpeg, found at run time:
 * `$STEMPLAY_FFMPEG` when it is set, else `ffmpeg` on PATH. ffmpeg writes float32 WAV at the
 * file's own rate to a pipe; the samples become C-owned planar PCM and, when the engine runs at
 * another rate, go through the same resampler as a native decode (sp_pcm_resample).
 *
 * Without ffmpeg such a file is a StemplayError `FORMAT_UNAVAILABLE` naming the file, its
 * format and exactly what to install. Nothing is ever skipped.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { outPointer, unwrap } from "../native/native.ts";

/** How to install ffmpeg, for error messages. */
export const INSTALL_FFMPEG =
  "install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg), or set " +
  "STEMPLAY_FFMPEG to the path of an ffmpeg program";

/** What the optional decoder returns: C-owned planar PCM and what the file was. */
export interface OptionalDecode {
  pcm: Deno.PointerValue;
  channels: number;
  frames: number;
  /** The file's own rate. */
  sourceRate: number;
  /** The codec, as ffmpeg names it ("aac", "alac", "opus", "vorbis" …). */
  codec: string;
}

/** The ffmpeg to run: `$STEMPLAY_FFMPEG`, else `ffmpeg` (looked up on PATH when started). */
export function ffmpegProgram(): { program: string; fromEnv: boolean } {
  let explicit: string | undefined;
  try {
    explicit = Deno.env.get("STEMPLAY_FFMPEG") || undefined;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
  return explicit ? { program: explicit, fromEnv: true } : { program: "ffmpeg", fromEnv: false };
}

/** The error for a file whose format needs ffmpeg when ffmpeg cannot be started. */
function unavailable(path: string, format: string, why: string, cause?: unknown): StemplayError {
  return new StemplayError(
    "FORMAT_UNAVAILABLE",
    `cannot load ${path}: it is ${format}, which stemplay plays through ffmpeg, and ${why}. ` +
      `To play it, ${INSTALL_FFMPEG}; or convert it to WAV or FLAC.`,
    { path, cause },
  );
}

/**
 * Decodes `path` with ffmpeg to float32 and hands the samples to C, resampled to `sampleRate`
 * (0 keeps the file's rate) by stemplay's own resampler.
 *
 * @param format the container, as the native header check named it ("MP4/M4A", "Ogg Opus" …)
 * @throws {StemplayError} `FORMAT_UNAVAILABLE` when ffmpeg is missing; `DECODE` when ffmpeg
 *   cannot decode the file; `EMPTY` when it holds no audio; `PERMISSION` without --allow-run
 */
export async function decodeWithFfmpeg(
  native: Native,
  path: string,
  sampleRate: number,
  format: string,
  onProgress?: (loadedFrames: number, totalFrames: number) => void,
): Promise<OptionalDecode> {
  const { program, fromEnv } = ffmpegProgram();
  const args = [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-i",
    path,
    "-map",
    "0:a:0",
    "-vn",
    "-c:a",
    "pcm_f32le",
    "-f",
    "wav",
    "pipe:1",
  ];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw unavailable(
        path,
        format,
        fromEnv
          ? `STEMPLAY_FFMPEG=${program} does not exist`
          : "ffmpeg was not found on PATH (nor is STEMPLAY_FFMPEG set)",
        error,
      );
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new StemplayError(
        "PERMISSION",
        `cannot load ${path}: it is ${format}, which stemplay decodes with ffmpeg, and that ` +
          `needs --allow-run`,
        { path, cause: error },
      );
    }
    throw unavailable(path, format, `${program} could not be started (${error})`, error);
  }
  const stderr = new Response(child.stderr).text();
  const reader = new WavPipeReader(onProgress);
  for await (const chunk of child.stdout) reader.push(chunk);
  const status = await child.status;
  const log = await stderr;
  if (!status.success) {
    const tail = log.trimEnd().split("\n").slice(-6).join("\n");
    throw new StemplayError(
      "DECODE",
      `cannot load ${path}: ffmpeg could not decode it (${format}; exit ${status.code}):\n${tail}`,
      { path },
    );
  }
  const planar = reader.planar();
  if (planar === undefined || planar.frames === 0) {
    throw new StemplayError("EMPTY", `cannot load ${path}: the file holds no audio frames`, {
      path,
    });
  }
  const cell = new BigUint64Array(1);
  unwrap(
    native,
    native.sp_pcm_from_planar(planar.data, planar.channels, BigInt(planar.frames), cell),
    `load ${path}`,
    { path },
  );
  let pcm = outPointer(cell);
  let frames = planar.frames;
  if (sampleRate > 0 && planar.rate !== sampleRate) {
    const converted = await native.sp_pcm_resample(pcm, planar.rate, sampleRate, cell);
    native.sp_pcm_free(pcm);
    unwrap(native, converted, `resample ${path} from ${planar.rate} Hz`, { path });
    pcm = outPointer(cell);
    const info = new BigUint64Array(3);
    native.sp_pcm_info(pcm, info);
    frames = Number(info[0]);
  }
  const stream = /Stream #0:\d+[^:]*: Audio: ([A-Za-z0-9_]+)/.exec(log);
  return {
    pcm,
    channels: planar.channels,
    frames,
    sourceRate: planar.rate,
    codec: stream ? stream[1] : "unknown",
  };
}

/** Reads the float32 WAV that ffmpeg streams: the header (sizes unknown on a pipe), then
 * samples up to the end of the stream. */
class WavPipeReader {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #onProgress?: (loadedFrames: number, totalFrames: number) => void;

  constructor(onProgress?: (loadedFrames: number, totalFrames: number) => void) {
    this.#onProgress = onProgress;
  }

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    this.#onProgress?.(Math.floor(this.#bytes / 8), 0);
  }

  /** The samples as planar float32 and their rate, or undefined when no WAV header came. */
  planar(): { data: Float32Array; channels: number; frames: number; rate: number } | undefined {
    const all = new Uint8Array(this.#bytes);
    let offset = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    this.#chunks = [];
    const view = new DataView(all.buffer);
    if (all.length < 12 || String.fromCharCode(...all.subarray(0, 4)) !== "RIFF") return undefined;
    let at = 12;
    let channels = 0, rate = 0;
    while (at + 8 <= all.length) {
      const id = String.fromCharCode(...all.subarray(at, at + 4));
      const size = view.getUint32(at + 4, true);
      if (id === "fmt ") {
        channels = view.getUint16(at + 10, true);
        rate = view.getUint32(at + 12, true);
      }
      if (id === "data") {
        at += 8;
        break;
      }
      at += 8 + size + (size & 1);
    }
    if (channels === 0 || rate === 0) return undefined;
    const frames = Math.floor((all.length - at) / (4 * channels));
    const interleaved = new Float32Array(all.buffer.slice(at, at + frames * channels * 4));
    const data = new Float32Array(frames * channels);
    for (let c = 0; c < channels; c++) {
      const plane = data.subarray(c * frames, (c + 1) * frames);
      for (let i = 0; i < frames; i++) plane[i] = interleaved[i * channels + c];
    }
    return { data, channels, frames, rate };
  }
}
