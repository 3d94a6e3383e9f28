/**
 * Checking rendered LTC with an independent decoder: libltc (Debian libltc-dev), through the
 * small C harness native/tests/ltc_decode.c, built here with cc.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

export const LTC_DECODER_SOURCE = fileURLToPath(
  new URL("../../native/tests/ltc_decode.c", import.meta.url),
);

/** One frame libltc decoded: where it sits in the stream and what it reads. */
export interface DecodedLtcFrame {
  start: number;
  end: number;
  hours: number;
  minutes: number;
  seconds: number;
  frames: number;
  drop: boolean;
}

let built: Promise<string> | undefined;

/** Builds the decoder once per test run (cc … -lltc). */
export function buildLtcDecoder(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-ltc-" });
    const binary = `${dir}/ltc_decode`;
    const output = await new Deno.Command("cc", {
      args: ["-O2", "-o", binary, LTC_DECODER_SOURCE, "-lltc"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(
        `cannot build the libltc decoder (apt-get install libltc-dev): ` +
          new TextDecoder().decode(output.stderr),
      );
    }
    return binary;
  })();
  return built;
}

/** Decodes mono float samples with libltc. */
export async function decodeLtc(
  samples: Float32Array,
  sampleRate: number,
  fps: number,
): Promise<DecodedLtcFrame[]> {
  const binary = await buildLtcDecoder();
  const path = await Deno.makeTempFile({ prefix: "stemplay-ltc-", suffix: ".f32" });
  try {
    await Deno.writeFile(
      path,
      new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
    );
    const output = await new Deno.Command(binary, {
      args: [path, String(sampleRate), String(fps)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
    return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean).map((line) => {
      const [start, end, hours, minutes, seconds, frames, drop] = line.split(" ").map(Number);
      return { start, end, hours, minutes, seconds, frames, drop: drop === 1 };
    });
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

/** The rate's exact fraction and labels. */
export function ltcRate(fps: number): { num: number; den: number; nominal: number; drop: boolean } {
  return fps === 29.97
    ? { num: 30000, den: 1001, nominal: 30, drop: true }
    : { num: fps, den: 1, nominal: fps, drop: false };
}

/** Frames since 00:00:00:00 that a label stands for (drop-frame labels skip 00 and 01 of every
 * minute but each tenth). */
export function labelToCount(fps: number, frame: DecodedLtcFrame): number {
  const { nominal, drop } = ltcRate(fps);
  const minutes = frame.hours * 60 + frame.minutes;
  const nondrop = ((minutes * 60) + frame.seconds) * nominal + frame.frames;
  return drop ? nondrop - 2 * (minutes - Math.floor(minutes / 10)) : nondrop;
}

/** Frames in one hour of labels. */
export function framesPerHour(fps: number): number {
  return fps === 29.97 ? 107892 : fps * 3600;
}

/** The label of a frame count, as "hh:mm:ss:ff" (";" before the frames for drop-frame). */
export function labelOf(frame: DecodedLtcFrame): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(frame.hours)}:${two(frame.minutes)}:${two(frame.seconds)}` +
    `${frame.drop ? ";" : ":"}${two(frame.frames)}`;
}

/** What {@linkcode verifyLtc} found. */
export interface LtcVerification {
  /** Decoded frames checked against the song position. */
  checked: number;
  /** Checked frames whose label, drop-frame bit or place disagree with the song position. */
  mismatches: string[];
  /** Frames every stretch of steady playback should hold that were not decoded. */
  missed: number;
  /** The song frames where the first missed LTC frames start. */
  missedAt: number[];
  /** Decoded frames that straddle a jump (a frame cut by a seam is expected to be lost). */
  seamFrames: number;
  /** The largest |decoded frame start - the song frame where that LTC frame starts|. */
  worstOffset: number;
}

/**
 * Checks decoded LTC against the song position. `positions[b]` is the song position the engine
 * published after render block b (blocks of `block` frames, from `startPosition`): a block that
 * moved by exactly `block` frames is steady playback; any other block holds a seam (jump, loop,
 * pause, end), and frames within `guard` of it are seam frames. Every other decoded frame must
 * read exactly the LTC frame of the song position where it starts, in hour `hour`.
 */
export function verifyLtc(
  decoded: DecodedLtcFrame[],
  options: {
    fps: number;
    sampleRate: number;
    hour: number;
    block: number;
    startPosition: number;
    positions: number[];
    guard: number;
  },
): LtcVerification {
  const { fps, sampleRate, hour, block, positions, guard } = options;
  const { num, den, drop } = ltcRate(fps);
  const frameOf = (position: number) => Math.floor(position * num / (sampleRate * den));
  const frameStart = (n: number) => Math.ceil(n * sampleRate * den / num);
  const steady: boolean[] = positions.map((p, b) =>
    p - (b === 0 ? options.startPosition : positions[b - 1]) === block
  );
  const renderFrames = positions.length * block;
  /** Song position of render frame r, if r is in steady playback at least `guard` from a seam. */
  const positionAt = (r: number): number | undefined => {
    // The recording's end counts as a seam: the decoder needs the next frame's first edge.
    if (r < 0 || r + guard >= renderFrames) return undefined;
    const first = Math.floor(Math.max(0, r - guard) / block);
    const last = Math.floor((r + guard) / block);
    for (let b = first; b <= last; b++) if (!steady[b]) return undefined;
    const b = Math.floor(r / block);
    return positions[b] - ((b + 1) * block - r);
  };

  const result: LtcVerification = {
    checked: 0,
    mismatches: [],
    missed: 0,
    missedAt: [],
    seamFrames: 0,
    worstOffset: 0,
  };
  const seen = new Set<number>(); // LTC frame numbers decoded, keyed by render start
  const day = framesPerHour(fps) * 24;
  for (const frame of decoded) {
    const atStart = positionAt(frame.start);
    const atEnd = positionAt(frame.end);
    if (
      atStart === undefined || atEnd === undefined || atEnd - atStart !== frame.end - frame.start
    ) {
      result.seamFrames++;
      continue;
    }
    result.checked++;
    // The LTC frame playing at the decoded frame's middle.
    const expected = frameOf(atStart + Math.floor((frame.end - frame.start) / 2));
    const read = ((labelToCount(fps, frame) - hour * framesPerHour(fps)) % day + day) % day;
    const offset = Math.abs(frameStart(read) - atStart);
    result.worstOffset = Math.max(result.worstOffset, offset);
    if (read !== expected || frame.drop !== drop || offset > sampleRate / 1000) {
      result.mismatches.push(
        `${labelOf(frame)} at render frame ${frame.start} (song frame ${atStart}): ` +
          `expected LTC frame ${expected} of hour ${hour}, read frame ${read}, offset ${offset}`,
      );
    }
    seen.add(frame.start - atStart + frameStart(read));
  }
  // Coverage: every LTC frame lying whole inside steady playback was decoded.
  let r = 0;
  while (r < renderFrames) {
    const position = positionAt(r);
    if (position === undefined) {
      r++;
      continue;
    }
    const n = frameOf(position);
    const start = frameStart(n);
    const renderStart = r - (position - start);
    const renderEnd = renderStart + frameStart(n + 1) - start - 1;
    if (
      start === position && positionAt(renderEnd) !== undefined &&
      positionAt(renderEnd)! - position === renderEnd - r && !seen.has(renderStart)
    ) {
      result.missed++;
      if (result.missedAt.length < 10) result.missedAt.push(start);
    }
    r += start === position ? frameStart(n + 1) - start : frameStart(n + 1) - position;
  }
  return result;
}
