/**
 * Peaks of PCM WAV files read straight from their data chunk (native/peaks_wav.c) are the
 * decoder's, bit for bit: the oracle is the same call with STEMPLAY_PEAKS_DECODER=1, which
 * sends every file through miniaudio's decoder as before.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadNative } from "../src/native/native.ts";
import { type FilePeaks, filePeaks } from "../src/sources/peaks.ts";
import { encodeWav, type WavFormat } from "../src/sources/wav.ts";
import { wavChunks, withChunks } from "./support/chunks.ts";

const RATE = 48000;
const FRAMES = 10007; // odd, and not a multiple of any read block

/** Noise with full-scale edges, silence, -0 (and NaN for float files) in every channel. */
function signal(channels: number, float: boolean): Float32Array[] {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: channels }, (_, c) => {
    const x = new Float32Array(FRAMES);
    for (let i = 0; i < FRAMES; i++) x[i] = (random() * 2 - 1) * (0.2 + 0.8 * ((i >> 9) & 1));
    x[100 + c] = 1;
    x[200 + c] = -1;
    x.fill(0, 3000, 3500);
    x[3100] = -0;
    if (float) x[4000 + c] = NaN;
    return x;
  });
}

async function peaks(
  path: string,
  points: number,
  start: number,
  end: number,
  decoder: boolean,
): Promise<FilePeaks> {
  if (decoder) Deno.env.set("STEMPLAY_PEAKS_DECODER", "1");
  else Deno.env.delete("STEMPLAY_PEAKS_DECODER");
  try {
    return await filePeaks(await loadNative(), path, points, start, end);
  } finally {
    Deno.env.delete("STEMPLAY_PEAKS_DECODER");
  }
}

function bits(p: FilePeaks): unknown {
  return {
    rate: p.sampleRate,
    frames: p.frames,
    channels: p.channels.map((c) => [
      Array.from(new Uint32Array(c.min.buffer, c.min.byteOffset, c.min.length)),
      Array.from(new Uint32Array(c.max.buffer, c.max.byteOffset, c.max.length)),
    ]),
  };
}

const WINDOWS: [number, number, number][] = [
  [1, 0, 1e-3], // the one-point head read songPeaks makes first
  [997, 0, FRAMES / RATE],
  [333, 0.01, 0.15], // a window inside the file
  [50000, 0.05, 0.06], // more points than frames
  [100, 0.2, 0.5], // a window running past the end
  [64, 0.3, 0.4], // a window wholly past the end
];

async function assertSame(path: string, label: string) {
  for (const [points, start, end] of WINDOWS) {
    const oracle = await peaks(path, points, start, end, true);
    const direct = await peaks(path, points, start, end, false);
    assert.deepEqual(bits(direct), bits(oracle), `${label}: ${points} points [${start}, ${end})`);
  }
}

async function assertSameError(path: string) {
  const oracle = await peaks(path, 100, 0, 1, true).then(() => "read", (e: Error) => e.message);
  const direct = await peaks(path, 100, 0, 1, false).then(() => "read", (e: Error) => e.message);
  assert.match(oracle, /truncated/);
  assert.equal(direct, oracle);
}

/** The data chunk's size set to 0xFFFFFFFF ("size unknown"). */
function withUnknownDataSize(wav: Uint8Array): Uint8Array {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  let at = 12;
  while (String.fromCharCode(...wav.subarray(at, at + 4)) !== "data") {
    at += 8 + view.getUint32(at + 4, true);
  }
  view.setUint32(at + 4, 0xffffffff, true);
  return wav;
}

Deno.test("WAV peaks read from the data chunk equal the decoder's bit for bit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-peaks-wav-" });
  try {
    for (const format of ["s16", "s24", "s32", "f32"] as WavFormat[]) {
      for (const channels of [1, 2, 6]) {
        const wav = encodeWav(signal(channels, format === "f32"), RATE, format);
        const label = `${format} ${channels} ch`;
        const plain = join(dir, `${format}-${channels}.wav`);
        await Deno.writeFile(plain, wav);
        await assertSame(plain, label);
        // What DAWs write: LIST, bext, iXML, cue, smpl and id3 chunks after the data.
        const trailing = join(dir, `${format}-${channels}-chunks.wav`);
        await Deno.writeFile(trailing, withChunks(wav, [], wavChunks(label)));
        await assertSame(trailing, `${label} with trailing chunks`);
        // Cut mid-frame: the file is shorter than its data chunk says, which is refused ...
        const cut = wav.slice(0, wav.length - 777 * channels - 1);
        const truncated = join(dir, `${format}-${channels}-cut.wav`);
        await Deno.writeFile(truncated, cut);
        await assertSameError(truncated);
        // ... unless the size is "unknown" (a recorder that never finished): read to the end.
        const unknown = join(dir, `${format}-${channels}-unknown.wav`);
        await Deno.writeFile(unknown, withUnknownDataSize(cut));
        await assertSame(unknown, `${label} cut, data size unknown`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
