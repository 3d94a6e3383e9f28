/**
 * WAV encoding, in TypeScript.
 *
 * The encoder writes what offline renders, the demo song and test fixtures need. The tests'
 * WAV reader (tests/support/wav_reader.ts) reads what it writes; playback decoding is done in C
 * by miniaudio, not here.
 *
 * Sample scales mirror miniaudio's own conversions, so a file written here and decoded by
 * miniaudio gives the same floats as the tests' reader:
 *
 * | format | write (float → int)                          | read (int → float) |
 * | ------ | -------------------------------------------- | ------------------ |
 * | s16    | `round(clamp(x, -1, 1) * 32767)`             | `v / 32768`        |
 * | s24    | `round(clamp(x, -1, 1) * 8388607)`           | `v / 8388608`      |
 * | s32    | `round(clamp(x, -1, 1) * 2147483647)`        | `v / 2147483648`   |
 * | u8     | (not written)                                | `(v - 128) / 128`  |
 *
 * So +1 and -1 map to ±(2^(n-1) - 1); an integer round trip is off by at most
 * 0.5 LSB + |x| LSB (at most 1 LSB for |x| ≤ 0.5). NaN is written as 0. `f32` is stored as
 * IEEE float unchanged (no clipping), so it round-trips bit-exactly.
 *
 * @module
 */

/** The sample formats {@linkcode encodeWav} and {@linkcode WavFileWriter} can write. */
export type WavFormat = "f32" | "s16" | "s24" | "s32";

/** WAV format tags (the reader in tests/support/wav_reader.ts reads them too). */
export const WAVE_FORMAT_PCM = 0x0001;
/** IEEE float samples. */
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
/** The extensible form: the real tag is in the GUID. */
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** The 14 bytes after the format tag shared by every KSDATAFORMAT_SUBTYPE_* GUID of WAV. */
export const GUID_TAIL = [
  0x00,
  0x00,
  0x00,
  0x00,
  0x10,
  0x00,
  0x80,
  0x00,
  0x00,
  0xaa,
  0x00,
  0x38,
  0x9b,
  0x71,
];

/** The largest size a RIFF chunk can state. */
const MAX_CHUNK_SIZE = 0xffffffff;

interface HeaderLayout {
  bytes: Uint8Array;
  /** Where the RIFF size is. */
  riffSizeOffset: number;
  /** Where the fact chunk's frame count is, or -1 when there is no fact chunk. */
  factFramesOffset: number;
  /** Where the data chunk's size is. */
  dataSizeOffset: number;
}

function bitsOf(format: WavFormat): number {
  switch (format) {
    case "s16":
      return 16;
    case "s24":
      return 24;
    case "s32":
    case "f32":
      return 32;
    default:
      throw new RangeError(`unknown WAV format ${JSON.stringify(format)}`);
  }
}

function checkStreamParameters(channelCount: number, sampleRate: number, format: WavFormat) {
  bitsOf(format);
  if (!Number.isInteger(channelCount) || channelCount < 1 || channelCount > 0xffff) {
    throw new RangeError(`channel count must be an integer in 1..65535, got ${channelCount}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > MAX_CHUNK_SIZE) {
    throw new RangeError(`sample rate must be a positive integer, got ${sampleRate}`);
  }
}

function checkPlanar(planar: Float32Array[], channelCount?: number): number {
  if (planar.length === 0) throw new RangeError("at least one channel is needed");
  if (channelCount !== undefined && planar.length !== channelCount) {
    throw new RangeError(`expected ${channelCount} channels, got ${planar.length}`);
  }
  const frames = planar[0].length;
  for (let channel = 1; channel < planar.length; channel++) {
    if (planar[channel].length !== frames) {
      throw new RangeError(
        `channel ${channel} has ${planar[channel].length} frames, channel 0 has ${frames}`,
      );
    }
  }
  return frames;
}

/**
 * Builds the header up to and including the data chunk's size field. The extensible form is
 * used when there are more than 2 channels or more than 16 bits per sample, as Microsoft's
 * WAVEFORMATEXTENSIBLE documentation asks; float files get a fact chunk, as the RIFF spec asks
 * for every non-PCM format.
 */
function buildHeader(
  channelCount: number,
  sampleRate: number,
  format: WavFormat,
  frames: number,
): HeaderLayout {
  const bits = bitsOf(format);
  const isFloat = format === "f32";
  const extensible = channelCount > 2 || bits > 16;
  const formatTag = isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
  // Plain PCM: 16 bytes. Plain non-PCM: 18 (cbSize = 0). Extensible: 40 (cbSize = 22).
  const fmtSize = extensible ? 40 : isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const headerSize = 12 + 8 + fmtSize + factSize + 8;
  const blockAlign = channelCount * (bits / 8);
  const dataSize = frames * blockAlign;

  const bytes = new Uint8Array(headerSize);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, headerSize - 8 + dataSize + (dataSize & 1), true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, extensible ? WAVE_FORMAT_EXTENSIBLE : formatTag, true);
  view.setUint16(22, channelCount, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  let offset = 36;
  if (fmtSize >= 18) {
    view.setUint16(36, extensible ? 22 : 0, true);
    offset = 38;
  }
  if (extensible) {
    view.setUint16(38, bits, true); // valid bits per sample
    view.setUint32(40, 0, true); // channel mask 0: no speaker positions are claimed
    view.setUint16(44, formatTag, true); // SubFormat GUID: the format tag + the common tail
    bytes.set(GUID_TAIL, 46);
    offset = 60;
  }
  let factFramesOffset = -1;
  if (isFloat) {
    ascii(offset, "fact");
    view.setUint32(offset + 4, 4, true);
    view.setUint32(offset + 8, frames, true);
    factFramesOffset = offset + 8;
    offset += 12;
  }
  ascii(offset, "data");
  view.setUint32(offset + 4, dataSize, true);
  return { bytes, riffSizeOffset: 4, factFramesOffset, dataSizeOffset: offset + 4 };
}

function toInt(sample: number, scale: number): number {
  if (!(sample === sample)) return 0; // NaN
  if (sample >= 1) return scale;
  if (sample <= -1) return -scale;
  return Math.round(sample * scale);
}

/** Interleaves `planar` into `view` starting at byte `offset`, in `format`. */
function writeSamples(view: DataView, offset: number, planar: Float32Array[], format: WavFormat) {
  const channelCount = planar.length;
  const frames = planar[0].length;
  switch (format) {
    case "f32":
      for (let frame = 0; frame < frames; frame++) {
        for (let channel = 0; channel < channelCount; channel++) {
          view.setFloat32(offset, planar[channel][frame], true);
          offset += 4;
        }
      }
      break;
    case "s16":
      for (let frame = 0; frame < frames; frame++) {
        for (let channel = 0; channel < channelCount; channel++) {
          view.setInt16(offset, toInt(planar[channel][frame], 32767), true);
          offset += 2;
        }
      }
      break;
    case "s24":
      for (let frame = 0; frame < frames; frame++) {
        for (let channel = 0; channel < channelCount; channel++) {
          const value = toInt(planar[channel][frame], 8388607);
          view.setUint8(offset, value & 0xff);
          view.setUint8(offset + 1, (value >> 8) & 0xff);
          view.setUint8(offset + 2, (value >> 16) & 0xff);
          offset += 3;
        }
      }
      break;
    case "s32":
      for (let frame = 0; frame < frames; frame++) {
        for (let channel = 0; channel < channelCount; channel++) {
          view.setInt32(offset, toInt(planar[channel][frame], 2147483647), true);
          offset += 4;
        }
      }
      break;
  }
}

/**
 * Encodes planar float samples as a complete WAV file in memory.
 *
 * `s16` with 1 or 2 channels is written as plain PCM (format tag 1, the classic 44-byte
 * header). Everything with more than 2 channels or more than 16 bits is written as
 * WAVE_FORMAT_EXTENSIBLE (0xFFFE) with channel mask 0 and the PCM or IEEE-float SubFormat GUID.
 * `f32` files carry a `fact` chunk. Integer formats clip to [-1, 1]; see the module
 * documentation for the exact scales.
 *
 * @param channels one Float32Array per channel, all of the same length
 * @param sampleRate frames per second (a positive integer)
 * @param format `"f32"` (IEEE float), `"s16"`, `"s24"` or `"s32"` (signed PCM)
 * @returns the bytes of the file
 * @throws {RangeError} when the channels differ in length, there are none, or the rate, format
 *   or size is out of range for a WAV file
 */
export function encodeWav(
  channels: Float32Array[],
  sampleRate: number,
  format: WavFormat,
): Uint8Array {
  const frames = checkPlanar(channels);
  checkStreamParameters(channels.length, sampleRate, format);
  const blockAlign = channels.length * (bitsOf(format) / 8);
  const dataSize = frames * blockAlign;
  const header = buildHeader(channels.length, sampleRate, format, frames);
  if (header.bytes.length - 8 + dataSize + (dataSize & 1) > MAX_CHUNK_SIZE) {
    throw new RangeError(`${dataSize} bytes of samples do not fit in a WAV file (4 GiB limit)`);
  }
  const out = new Uint8Array(header.bytes.length + dataSize + (dataSize & 1));
  out.set(header.bytes, 0);
  writeSamples(new DataView(out.buffer), header.bytes.length, channels, format);
  return out;
}

/**
 * Writes a WAV file block by block, for renders too long to hold in memory.
 *
 * The header is written first with sizes for zero frames; {@linkcode WavFileWriter.close}
 * patches the RIFF, fact and data sizes. A file that was never closed therefore states an
 * empty data chunk. The layout is the same as {@linkcode encodeWav}'s.
 *
 * @example
 * ```ts
 * const writer = await WavFileWriter.create("render.wav", 2, 48000, "f32");
 * await writer.write([left, right]);
 * await writer.close();
 * ```
 */
export class WavFileWriter {
  #file: Deno.FsFile;
  #channelCount: number;
  #format: WavFormat;
  #header: HeaderLayout;
  #dataBytes = 0;
  #frames = 0;
  #closed = false;

  private constructor(
    file: Deno.FsFile,
    channelCount: number,
    format: WavFormat,
    header: HeaderLayout,
  ) {
    this.#file = file;
    this.#channelCount = channelCount;
    this.#format = format;
    this.#header = header;
  }

  /**
   * Creates (or truncates) `path` and writes a provisional header.
   *
   * @param path the file to write
   * @param channels the number of channels every {@linkcode WavFileWriter.write} will pass
   * @param sampleRate frames per second (a positive integer)
   * @param format the sample format of the file
   */
  static async create(
    path: string | URL,
    channels: number,
    sampleRate: number,
    format: WavFormat,
  ): Promise<WavFileWriter> {
    checkStreamParameters(channels, sampleRate, format);
    const header = buildHeader(channels, sampleRate, format, 0);
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, header.bytes);
    } catch (error) {
      file.close();
      throw error;
    }
    return new WavFileWriter(file, channels, format, header);
  }

  /** The number of frames written so far. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * Appends one block of planar samples.
   *
   * @param planar one Float32Array per channel, all of the same length
   * @throws {RangeError} when the channel count differs from the one given to create, or the
   *   file would exceed the 4 GiB WAV limit
   */
  async write(planar: Float32Array[]): Promise<void> {
    if (this.#closed) throw new Error("WavFileWriter.write after close");
    const frames = checkPlanar(planar, this.#channelCount);
    const bytes = frames * this.#channelCount * (bitsOf(this.#format) / 8);
    const total = this.#dataBytes + bytes;
    if (this.#header.bytes.length - 8 + total + (total & 1) > MAX_CHUNK_SIZE) {
      throw new RangeError("the WAV file would exceed its 4 GiB size limit");
    }
    const block = new Uint8Array(bytes);
    writeSamples(new DataView(block.buffer), 0, planar, this.#format);
    await writeAll(this.#file, block);
    this.#dataBytes = total;
    this.#frames += frames;
  }

  /** Patches the sizes in the header and closes the file. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      const padding = this.#dataBytes & 1;
      if (padding) await writeAll(this.#file, new Uint8Array(1));
      const patch = async (offset: number, value: number) => {
        const field = new Uint8Array(4);
        new DataView(field.buffer).setUint32(0, value, true);
        await this.#file.seek(offset, Deno.SeekMode.Start);
        await writeAll(this.#file, field);
      };
      await patch(
        this.#header.riffSizeOffset,
        this.#header.bytes.length - 8 + this.#dataBytes + padding,
      );
      if (this.#header.factFramesOffset >= 0) {
        await patch(this.#header.factFramesOffset, this.#frames);
      }
      await patch(this.#header.dataSizeOffset, this.#dataBytes);
    } finally {
      this.#file.close();
    }
  }

  /** Closes the file, as {@linkcode WavFileWriter.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array) {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}
