import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeWav, WavFileWriter, type WavFormat } from "../src/sources/wav.ts";
import { decodeWav } from "./support/wav_reader.ts";
import { StemplayError } from "../src/errors.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

const FORMATS: WavFormat[] = ["f32", "s16", "s24", "s32"];
const CHANNEL_COUNTS = [1, 2, 4, 6];
const BITS: Record<WavFormat, number> = { f32: 32, s16: 16, s24: 24, s32: 32 };

/** A different tone per channel at amplitude ≤ 0.5, then a few edge values. */
function testSignal(channelCount: number, frames = 1000): Float32Array[] {
  const edges = [0, 1, -1, 0.5, -0.5, 1e-9, -1e-9, 0.25];
  return Array.from({ length: channelCount }, (_, channel) => {
    const samples = new Float32Array(frames + edges.length);
    for (let i = 0; i < frames; i++) {
      samples[i] = 0.5 * Math.sin((2 * Math.PI * (220 + 110 * channel) * i) / 48000);
    }
    samples.set(edges, frames);
    return samples;
  });
}

function expectDecodeError(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(() => decodeWav(bytes), (error: unknown) => {
    assert.ok(error instanceof StemplayError, `expected a StemplayError, got ${error}`);
    assert.equal(error.code, "DECODE");
    assert.match(error.message, pattern);
    return true;
  });
}

for (const format of FORMATS) {
  for (const channelCount of CHANNEL_COUNTS) {
    Deno.test(`wav: ${format} × ${channelCount} channels round-trips`, () => {
      const input = testSignal(channelCount);
      const decoded = decodeWav(encodeWav(input, 44100, format));
      assert.equal(decoded.sampleRate, 44100);
      assert.equal(decoded.channels.length, channelCount);
      const lsb = 2 ** -(BITS[format] - 1);
      for (let channel = 0; channel < channelCount; channel++) {
        const expected = input[channel];
        const actual = decoded.channels[channel];
        assert.equal(actual.length, expected.length);
        if (format === "f32") {
          assert.deepEqual(actual, expected); // bit-exact
          continue;
        }
        for (let i = 0; i < expected.length; i++) {
          // Written ×(2^(n-1) - 1), read ÷2^(n-1) (as miniaudio does): ≤ 0.5 + |x| LSB apart,
          // plus float32 rounding for s32.
          const tolerance = Math.abs(expected[i]) <= 0.5
            ? lsb
            : 1.5 * lsb + Math.abs(expected[i]) * 2 ** -24;
          const error = Math.abs(actual[i] - expected[i]);
          assert.ok(
            error <= tolerance,
            `channel ${channel} frame ${i}: ${actual[i]} vs ${expected[i]} (${error / lsb} LSB)`,
          );
        }
      }
    });
  }
}

Deno.test("wav: f32 keeps values beyond ±1 and special values bit-exactly", () => {
  const input = [new Float32Array([2, -3.5, 1e-40, -0, Infinity, 0.1])];
  assert.deepEqual(decodeWav(encodeWav(input, 48000, "f32")).channels, input);
});

Deno.test("wav: integer formats clip, round and scale as documented", () => {
  const input = [new Float32Array([1, -1, 2, -2, 0.5, -0.5, NaN, 0.25])];
  const s16 = encodeWav(input, 48000, "s16");
  const s16Values = Array.from(new Int16Array(s16.slice(44).buffer));
  // ±0.5 × 32767 = ±16383.5, and Math.round rounds halves up: 16384 and -16383.
  assert.deepEqual(s16Values, [32767, -32767, 32767, -32767, 16384, -16383, 0, 8192]);
  const s24 = encodeWav([new Float32Array([1, -1])], 48000, "s24");
  const s24Data = s24.slice(s24.length - 6);
  assert.deepEqual(Array.from(s24Data), [0xff, 0xff, 0x7f, 0x01, 0x00, 0x80]);
  const s32 = encodeWav([new Float32Array([1, -1, 5])], 48000, "s32");
  const s32Values = Array.from(new Int32Array(s32.slice(s32.length - 12).buffer));
  assert.deepEqual(s32Values, [2147483647, -2147483647, 2147483647]);
});

Deno.test("wav: plain PCM header, byte by byte (s16 stereo, 2 frames)", () => {
  const bytes = encodeWav(
    [new Float32Array([0, 1]), new Float32Array([-1, 0.5])],
    48000,
    "s16",
  );
  // deno-fmt-ignore
  const expected = [
    0x52, 0x49, 0x46, 0x46, // "RIFF"
    44, 0, 0, 0,            // RIFF size: 4 + (8 + 16) + (8 + 8)
    0x57, 0x41, 0x56, 0x45, // "WAVE"
    0x66, 0x6d, 0x74, 0x20, // "fmt "
    16, 0, 0, 0,            // fmt size
    1, 0,                   // WAVE_FORMAT_PCM
    2, 0,                   // channels
    0x80, 0xbb, 0, 0,       // 48000 Hz
    0x00, 0xee, 0x02, 0,    // 192000 bytes/s
    4, 0,                   // block align
    16, 0,                  // bits per sample
    0x64, 0x61, 0x74, 0x61, // "data"
    8, 0, 0, 0,             // data size
    0x00, 0x00, 0x01, 0x80, // frame 0: 0, -32767
    0xff, 0x7f, 0x00, 0x40, // frame 1: 32767, 16384
  ];
  assert.deepEqual(Array.from(bytes), expected);
});

Deno.test("wav: extensible float header with fact chunk, byte by byte (f32 mono, 1 frame)", () => {
  const bytes = encodeWav([new Float32Array([1])], 44100, "f32");
  // deno-fmt-ignore
  const expected = [
    0x52, 0x49, 0x46, 0x46, // "RIFF"
    76, 0, 0, 0,            // RIFF size: 4 + (8 + 40) + (8 + 4) + (8 + 4)
    0x57, 0x41, 0x56, 0x45, // "WAVE"
    0x66, 0x6d, 0x74, 0x20, // "fmt "
    40, 0, 0, 0,            // fmt size
    0xfe, 0xff,             // WAVE_FORMAT_EXTENSIBLE
    1, 0,                   // channels
    0x44, 0xac, 0, 0,       // 44100 Hz
    0x10, 0xb1, 0x02, 0,    // 176400 bytes/s
    4, 0,                   // block align
    32, 0,                  // bits per sample
    22, 0,                  // cbSize
    32, 0,                  // valid bits per sample
    0, 0, 0, 0,             // channel mask
    // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT 00000003-0000-0010-8000-00aa00389b71
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
    0x66, 0x61, 0x63, 0x74, // "fact"
    4, 0, 0, 0,             // fact size
    1, 0, 0, 0,             // frames
    0x64, 0x61, 0x74, 0x61, // "data"
    4, 0, 0, 0,             // data size
    0x00, 0x00, 0x80, 0x3f, // 1.0f
  ];
  assert.deepEqual(Array.from(bytes), expected);
});

Deno.test("wav: the extensible form is used exactly when channels > 2 or bits > 16", () => {
  const formatTag = (bytes: Uint8Array) => bytes[20] | (bytes[21] << 8);
  const subFormat = (bytes: Uint8Array) => bytes[44] | (bytes[45] << 8);
  for (const format of FORMATS) {
    for (const channelCount of CHANNEL_COUNTS) {
      const bytes = encodeWav(testSignal(channelCount, 4), 48000, format);
      const extensible = channelCount > 2 || BITS[format] > 16;
      assert.equal(formatTag(bytes), extensible ? 0xfffe : 1, `${format} × ${channelCount}`);
      if (extensible) assert.equal(subFormat(bytes), format === "f32" ? 3 : 1);
      const hasFact = new TextDecoder().decode(bytes.subarray(0, 80)).includes("fact");
      assert.equal(hasFact, format === "f32");
    }
  }
});

Deno.test("wav: an odd-sized data chunk gets a pad byte", () => {
  const bytes = encodeWav([new Float32Array([0.1, 0.2, 0.3])], 48000, "s24");
  const view = new DataView(bytes.buffer);
  const dataSize = view.getUint32(bytes.length - 1 - 9 - 4, true);
  assert.equal(dataSize, 9);
  assert.equal(bytes.length % 2, 0);
  assert.equal(view.getUint32(4, true), bytes.length - 8);
  assert.equal(decodeWav(bytes).channels[0].length, 3);
});

Deno.test("wav: encodeWav rejects bad arguments", () => {
  assert.throws(() => encodeWav([], 48000, "s16"), RangeError);
  assert.throws(
    () => encodeWav([new Float32Array(2), new Float32Array(3)], 48000, "s16"),
    RangeError,
  );
  assert.throws(() => encodeWav([new Float32Array(2)], 0, "s16"), RangeError);
  assert.throws(() => encodeWav([new Float32Array(2)], 44100.5, "s16"), RangeError);
  assert.throws(() => encodeWav([new Float32Array(2)], 48000, "u8" as WavFormat), RangeError);
});

Deno.test("wav: WavFileWriter writes the same bytes as encodeWav", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const format of FORMATS) {
      for (const channelCount of [1, 3]) {
        // 1001 frames: odd, so mono s24 needs a pad byte.
        const input = testSignal(channelCount, 1001 - 8);
        const path = join(dir, `${format}_${channelCount}.wav`);
        const writer = await WavFileWriter.create(path, channelCount, 48000, format);
        for (let start = 0; start < input[0].length; start += 256) {
          await writer.write(input.map((samples) => samples.subarray(start, start + 256)));
        }
        assert.equal(writer.frames, 1001);
        await writer.close();
        await writer.close(); // idempotent
        await assert.rejects(() => writer.write(input), /after close/);
        assert.deepEqual(await Deno.readFile(path), encodeWav(input, 48000, format));
      }
    }
    const path = join(dir, "mismatch.wav");
    await using writer = await WavFileWriter.create(path, 2, 48000, "s16");
    await assert.rejects(() => writer.write([new Float32Array(4)]), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wav: WavFileWriter with no frames writes a valid empty file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "empty.wav");
    const writer = await WavFileWriter.create(path, 2, 48000, "f32");
    await writer.close();
    const decoded = decodeWav(await Deno.readFile(path));
    assert.equal(decoded.channels.length, 2);
    assert.equal(decoded.channels[0].length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A hand-made WAV: fmt fields as given, optional extra chunks before fmt and data. */
function handMade(
  fmt: number[],
  data: number[],
  extraChunks: Uint8Array[] = [],
): Uint8Array {
  const chunk = (id: string, body: Uint8Array) => {
    const out = new Uint8Array(8 + body.length + (body.length & 1));
    out.set(new TextEncoder().encode(id), 0);
    new DataView(out.buffer).setUint32(4, body.length, true);
    out.set(body, 8);
    return out;
  };
  const parts = [
    ...extraChunks.map((body, i) => chunk(i % 2 ? "JUNK" : "LIST", body)),
    chunk("fmt ", new Uint8Array(fmt)),
    chunk("data", new Uint8Array(data)),
  ];
  const size = 4 + parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(8 + size);
  out.set(new TextEncoder().encode("RIFF"), 0);
  new DataView(out.buffer).setUint32(4, size, true);
  out.set(new TextEncoder().encode("WAVE"), 8);
  let offset = 12;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function le(value: number, bytes: number): number[] {
  return Array.from({ length: bytes }, (_, i) => Math.floor(value / 256 ** i) & 0xff);
}

function plainFmt(tag: number, channels: number, rate: number, bits: number): number[] {
  const blockAlign = (channels * bits) / 8;
  return [
    ...le(tag, 2),
    ...le(channels, 2),
    ...le(rate, 4),
    ...le(rate * blockAlign, 4),
    ...le(blockAlign, 2),
    ...le(bits, 2),
  ];
}

Deno.test("wav: decodeWav reads unsigned 8-bit PCM and skips unknown chunks", () => {
  const bytes = handMade(
    plainFmt(1, 1, 8000, 8),
    [128, 255, 0, 192],
    [new Uint8Array([1, 2, 3]), new Uint8Array(10)], // odd-sized LIST (padded), then JUNK
  );
  const decoded = decodeWav(bytes);
  assert.equal(decoded.sampleRate, 8000);
  assert.deepEqual(Array.from(decoded.channels[0]), [0, 127 / 128, -1, 0.5]);
});

Deno.test("wav: decodeWav reads 64-bit float, plain and extensible", () => {
  const samples = new Float64Array([0.125, -0.75]);
  const data = Array.from(new Uint8Array(samples.buffer));
  const plain = decodeWav(handMade([...plainFmt(3, 2, 96000, 64), 0, 0], data));
  assert.equal(plain.sampleRate, 96000);
  assert.deepEqual(plain.channels, [new Float32Array([0.125]), new Float32Array([-0.75])]);
  const guid = [3, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
  const extensible = [...plainFmt(0xfffe, 2, 96000, 64), 22, 0, 64, 0, 3, 0, 0, 0, ...guid];
  assert.deepEqual(decodeWav(handMade(extensible, data)).channels, plain.channels);
});

Deno.test("wav: decodeWav reads negative and extreme 24- and 32-bit values", () => {
  const s24 = decodeWav(handMade(plainFmt(1, 1, 48000, 24), [0, 0, 0x80, 0xff, 0xff, 0xff]));
  assert.deepEqual(Array.from(s24.channels[0]), [-1, -1 / 8388608]);
  const s32 = decodeWav(handMade(plainFmt(1, 1, 48000, 32), [0, 0, 0, 0x80, 0, 0, 0, 0x40]));
  assert.deepEqual(Array.from(s32.channels[0]), [-1, 0.5]);
});

Deno.test("wav: decodeWav rejects malformed input with code DECODE", () => {
  const good = encodeWav(testSignal(2, 100), 48000, "s16");
  expectDecodeError(new Uint8Array(0), /no RIFF\/WAVE header/);
  expectDecodeError(new TextEncoder().encode("RIFF\0\0\0\0AVI LIST"), /no RIFF\/WAVE header/);
  expectDecodeError(good.slice(0, good.length - 10), /data chunk claims/);
  const claimsMore = good.slice();
  new DataView(claimsMore.buffer).setUint32(40, 1e6, true);
  expectDecodeError(claimsMore, /data chunk claims 1000000 bytes/);
  expectDecodeError(good.slice(0, 36), /no fmt chunk|no data chunk/);
  expectDecodeError(handMade(plainFmt(2, 1, 48000, 4), [0]), /unsupported format tag 2/);
  expectDecodeError(handMade(plainFmt(1, 1, 48000, 12), [0, 0]), /unsupported format tag 1/);
  expectDecodeError(handMade(plainFmt(1, 0, 48000, 16), []), /0 channels/);
  expectDecodeError(handMade(plainFmt(1, 1, 0, 16), [0, 0]), /sample rate 0/);
  expectDecodeError(handMade(plainFmt(1, 2, 48000, 16), [0, 0, 0]), /whole number/);
  const badGuid = [
    ...plainFmt(0xfffe, 1, 48000, 16),
    22,
    0,
    16,
    0,
    0,
    0,
    0,
    0,
    1,
    ...new Array(15),
  ];
  expectDecodeError(handMade(badGuid, [0, 0]), /SubFormat GUID/);
  const dataFirst = new TextEncoder().encode("RIFF\x10\0\0\0WAVEdata\0\0\0\0");
  expectDecodeError(dataFirst, /no fmt chunk/);
});

const SOX_TEST = "wav: sox --i agrees on rate, channels and length for every format";

async function soxInfo(path: string, option: string): Promise<string> {
  // -V1: sox warns about every extensible float file ("missing extended part of fmt chunk").
  const output = await new Deno.Command("sox", { args: ["--i", "-V1", option, path] }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).trim();
}

Deno.test({
  name: SOX_TEST,
  ignore: ignoreWithout("sox", SOX_TEST),
  async fn() {
    requireTool("sox", SOX_TEST);
    const dir = await Deno.makeTempDir();
    try {
      for (const format of FORMATS) {
        for (const channelCount of CHANNEL_COUNTS) {
          const path = join(dir, `${format}_${channelCount}.wav`);
          const input = testSignal(channelCount, 2992); // 3000 frames
          await Deno.writeFile(path, encodeWav(input, 44100, format));
          const label = `${format} × ${channelCount}`;
          assert.equal(await soxInfo(path, "-r"), "44100", label);
          assert.equal(await soxInfo(path, "-c"), String(channelCount), label);
          assert.equal(await soxInfo(path, "-s"), "3000", label);
          assert.equal(await soxInfo(path, "-b"), String(BITS[format]), label);
          const encoding = await soxInfo(path, "-e");
          assert.equal(encoding, format === "f32" ? "Floating Point PCM" : "Signed Integer PCM");
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
