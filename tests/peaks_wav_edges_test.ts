/**
 * Edges of native/peaks_wav.c: the direct WAV peaks path against the decoder path
 * (STEMPLAY_PEAKS_DECODER=1) on files tests/peaks_wav_test.ts does not make: larger than one
 * 1 MiB block, odd frame sizes, many channels, WAVE_FORMAT_EXTENSIBLE with validBits < bits,
 * RF64, odd data sizes, and extreme windows.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadNative } from "../src/native/native.ts";
import { type FilePeaks, filePeaks } from "../src/sources/peaks.ts";

const RATE = 48000;

interface Shape {
  tag: number; // 1, 3 or 0xfffe
  sub?: number; // subformat of an extensible file
  bits: number;
  validBits?: number;
  channels: number;
  frames: number;
  rf64?: boolean;
  extraData?: number; // bytes of the data chunk past the last whole frame
}

function makeWav(s: Shape, seed = 7): Uint8Array {
  const width = s.bits / 8;
  const frameBytes = width * s.channels;
  const dataSize = s.frames * frameBytes + (s.extraData ?? 0);
  const ext = s.tag === 0xfffe;
  const fmtSize = ext ? 40 : 16;
  const ds64 = s.rf64 ? 8 + 28 : 0;
  const header = 12 + ds64 + 8 + fmtSize + 8;
  const out = new Uint8Array(header + dataSize + (dataSize & 1));
  const v = new DataView(out.buffer);
  const ascii = (at: number, t: string) =>
    [...t].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  ascii(0, s.rf64 ? "RF64" : "RIFF");
  v.setUint32(4, s.rf64 ? 0xffffffff : out.length - 8, true);
  ascii(8, "WAVE");
  let at = 12;
  if (s.rf64) {
    ascii(at, "ds64");
    v.setUint32(at + 4, 28, true);
    v.setBigUint64(at + 8, BigInt(out.length - 8), true);
    v.setBigUint64(at + 16, BigInt(dataSize), true);
    v.setBigUint64(at + 24, BigInt(s.frames), true);
    v.setUint32(at + 32, 0, true);
    at += 36;
  }
  ascii(at, "fmt ");
  v.setUint32(at + 4, fmtSize, true);
  v.setUint16(at + 8, s.tag, true);
  v.setUint16(at + 10, s.channels, true);
  v.setUint32(at + 12, RATE, true);
  v.setUint32(at + 16, RATE * frameBytes, true);
  v.setUint16(at + 20, frameBytes, true);
  v.setUint16(at + 22, s.bits, true);
  if (ext) {
    v.setUint16(at + 24, 22, true);
    v.setUint16(at + 26, s.validBits ?? s.bits, true);
    v.setUint32(at + 28, 0, true);
    v.setUint16(at + 32, s.sub ?? 1, true);
    [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]
      .forEach((b, i) => (out[at + 34 + i] = b));
  }
  at += 8 + fmtSize;
  ascii(at, "data");
  v.setUint32(at + 4, s.rf64 ? 0xffffffff : dataSize, true);
  at += 8;
  let x = seed;
  const float = s.tag === 3 || s.sub === 3;
  for (let i = 0; i < dataSize; i += width) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    if (float && i + 4 <= dataSize) v.setFloat32(at + i, (x / 2 ** 32) * 2 - 1, true);
    else {for (let b = 0; b < width && i + b < dataSize; b++) {
        out[at + i + b] = (x >>> (8 * b)) & 255;
      }}
  }
  return out;
}

async function peaks(path: string, points: number, start: number, end: number, decoder: boolean) {
  if (decoder) Deno.env.set("STEMPLAY_PEAKS_DECODER", "1");
  else Deno.env.delete("STEMPLAY_PEAKS_DECODER");
  try {
    return await filePeaks(await loadNative(), path, points, start, end).then(
      (p) => p,
      (e: Error) => e.message,
    );
  } finally {
    Deno.env.delete("STEMPLAY_PEAKS_DECODER");
  }
}

function bits(p: FilePeaks | string): unknown {
  if (typeof p === "string") return p;
  return {
    rate: p.sampleRate,
    frames: p.frames,
    channels: p.channels.map((c) => [
      Array.from(new Uint32Array(c.min.buffer, c.min.byteOffset, c.min.length)),
      Array.from(new Uint32Array(c.max.buffer, c.max.byteOffset, c.max.length)),
    ]),
  };
}

async function compare(dir: string, name: string, s: Shape, windows: [number, number, number][]) {
  const path = join(dir, `${name}.wav`);
  await Deno.writeFile(path, makeWav(s));
  const failures: string[] = [];
  for (const [points, start, end] of windows) {
    const a = bits(await peaks(path, points, start, end, true));
    const b = bits(await peaks(path, points, start, end, false));
    try {
      assert.deepEqual(b, a);
    } catch {
      failures.push(
        `${name} ${points} [${start}, ${end}): direct ${JSON.stringify(b).slice(0, 200)} decoder ${
          JSON.stringify(a).slice(0, 200)
        }`,
      );
    }
  }
  return failures;
}

const BIG_WINDOWS: [number, number, number][] = [
  [1, 0, 1e-3],
  [997, 0, 20],
  [4099, 0.5, 3.3],
  [1000, 2.7, 2.9],
  [50000, 2.73, 2.74],
  [7, 1.1, 1e6],
];

Deno.test("peaks: multi-block files, odd frame sizes, many channels", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-peaks-attack-" });
  const failures: string[] = [];
  try {
    for (const [bitsPer, tag] of [[16, 1], [24, 1], [32, 1], [32, 3]]) {
      for (const channels of [3, 7, 32]) {
        const frames = Math.ceil((2.6 * (1 << 20)) / (channels * bitsPer / 8)) + 13;
        failures.push(
          ...await compare(dir, `b${bitsPer}-t${tag}-c${channels}`, {
            tag,
            bits: bitsPer,
            channels,
            frames,
            extraData: 1,
          }, BIG_WINDOWS),
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(failures, []);
});

Deno.test("peaks: extensible 24-in-32, extensible float, RF64, tiny data chunks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-peaks-attack-" });
  const failures: string[] = [];
  const small: [number, number, number][] = [[1, 0, 1e-3], [333, 0, 1], [64, 0.001, 0.002]];
  try {
    const shapes: [string, Shape][] = [
      ["ext24in32", { tag: 0xfffe, sub: 1, bits: 32, validBits: 24, channels: 2, frames: 30011 }],
      ["ext20in24", { tag: 0xfffe, sub: 1, bits: 24, validBits: 20, channels: 3, frames: 30011 }],
      ["extf32", { tag: 0xfffe, sub: 3, bits: 32, channels: 5, frames: 30011 }],
      ["rf64s24", { tag: 1, bits: 24, channels: 2, frames: 30011, rf64: true }],
      ["rf64extf32", { tag: 0xfffe, sub: 3, bits: 32, channels: 2, frames: 30011, rf64: true }],
      ["lessThanFrame", { tag: 1, bits: 24, channels: 6, frames: 0, extraData: 17 }],
      ["oneFrame", { tag: 1, bits: 24, channels: 6, frames: 1, extraData: 5 }],
      ["empty", { tag: 1, bits: 16, channels: 2, frames: 0 }],
      ["f32in24", { tag: 3, bits: 24, channels: 2, frames: 1000 }],
    ];
    for (const [name, shape] of shapes) failures.push(...await compare(dir, name, shape, small));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(failures, []);
});

/** Bytes this process has read (read syscalls, every thread): /proc/self/io's rchar. */
function bytesRead(): number {
  return Number(/rchar: (\d+)/.exec(Deno.readTextFileSync("/proc/self/io"))![1]);
}

Deno.test("peaks: a one-point head read (songPeaks, console library) reads no more than the decoder's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-peaks-attack-" });
  try {
    const path = join(dir, "long.wav");
    await Deno.writeFile(path, makeWav({ tag: 1, bits: 24, channels: 2, frames: 48000 * 20 }));
    const read: Record<string, number> = {};
    await peaks(path, 1, 0, 1e-3, true); // loads the library first
    for (const decoder of [true, false]) {
      const before = bytesRead();
      await peaks(path, 1, 0, 1e-3, decoder); // 48 frames
      read[decoder ? "decoder" : "direct"] = bytesRead() - before;
    }
    // Measured: direct 1,098,116 bytes (a whole 1 MiB block), decoder 85,312.
    assert.ok(read.direct <= 2 * read.decoder, JSON.stringify(read));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peaks: a finite window end past 2^64 frames", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-peaks-attack-" });
  try {
    const path = join(dir, "sine.wav");
    const x = new Float32Array(48000);
    for (let i = 0; i < x.length; i++) x[i] = 0.9 * Math.sin(i / 7);
    const { encodeWav } = await import("../src/sources/wav.ts");
    await Deno.writeFile(path, encodeWav([x], RATE, "f32"));
    // songPeaks/the console accept any finite end: [0.5 s, 1e15 s) in 4 points, point 0
    // covers the whole rest of the file. peaks.c's (uint64_t)ceil(end * rate) overflows (UB).
    for (const decoder of [false, true]) {
      const p = await peaks(path, 4, 0.5, 1e15, decoder);
      assert.ok(typeof p !== "string");
      assert.ok(
        p.channels[0].max[0] > 0.8 && p.channels[0].min[0] < -0.8,
        `decoder=${decoder}: ${Array.from(p.channels[0].max)}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
