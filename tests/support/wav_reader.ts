/**
 * A small WAV reader for tests and tools (it was src/sources/wav.ts's; nothing in src/ reads
 * WAV in TypeScript: playback decoding is done by miniaudio in C). Its scales mirror
 * miniaudio's (see src/sources/wav.ts), so a file written by `encodeWav` reads back as the
 * floats miniaudio would decode.
 *
 * @module
 */

import { StemplayError } from "../../src/errors.ts";
import {
  GUID_TAIL,
  WAVE_FORMAT_EXTENSIBLE,
  WAVE_FORMAT_IEEE_FLOAT,
  WAVE_FORMAT_PCM,
} from "../../src/sources/wav.ts";

/** What `decodeWav` returns: planar float samples at the file's rate. */
export interface DecodedWav {
  /** Frames per second, as stored in the file. */
  sampleRate: number;
  /** One array per channel, all the same length (the number of frames). */
  channels: Float32Array[];
}

function decodeError(message: string): StemplayError {
  return new StemplayError("DECODE", `not a readable WAV file: ${message}`);
}

/**
 * Decodes a WAV file held in memory into planar floats.
 *
 * Reads PCM with 8 (unsigned), 16, 24 and 32 bits and IEEE float with 32 and 64 bits, in the
 * plain and the WAVE_FORMAT_EXTENSIBLE forms, and skips chunks it does not know. This reader is
 * for tests and tools; playback decoding is done by miniaudio in C.
 *
 * @param bytes the whole file
 * @returns the sample rate and one Float32Array per channel
 * @throws {StemplayError} with code `"DECODE"` when the bytes are not a well-formed WAV file of
 *   a supported format (including a data chunk that claims more bytes than there are)
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) =>
    String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") {
    throw decodeError("no RIFF/WAVE header");
  }
  // Tolerate a RIFF size that disagrees with the file: many writers get it wrong.
  let format:
    | { tag: number; channels: number; rate: number; blockAlign: number; bits: number }
    | undefined;
  let data: Uint8Array | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + size > bytes.length) throw decodeError("fmt chunk is too short");
      let formatTag = view.getUint16(body, true);
      const bits = view.getUint16(body + 14, true);
      if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || view.getUint16(body + 16, true) < 22) {
          throw decodeError("WAVE_FORMAT_EXTENSIBLE fmt chunk is too short");
        }
        formatTag = view.getUint16(body + 24, true);
        for (let i = 0; i < GUID_TAIL.length; i++) {
          if (bytes[body + 26 + i] !== GUID_TAIL[i]) throw decodeError("unknown SubFormat GUID");
        }
      }
      format = {
        tag: formatTag,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits,
      };
    } else if (id === "data") {
      if (body + size > bytes.length) {
        throw decodeError(
          `data chunk claims ${size} bytes but only ${bytes.length - body} remain`,
        );
      }
      data = bytes.subarray(body, body + size);
      break;
    }
    offset = body + size + (size & 1);
  }
  if (format === undefined) throw decodeError("no fmt chunk before the data");
  if (data === undefined) throw decodeError("no data chunk");
  const { channels: channelCount, rate, blockAlign, bits } = format;
  if (channelCount < 1) throw decodeError("0 channels");
  if (rate < 1) throw decodeError("sample rate 0");
  const supported = format.tag === WAVE_FORMAT_PCM
    ? bits === 8 || bits === 16 || bits === 24 || bits === 32
    : format.tag === WAVE_FORMAT_IEEE_FLOAT
    ? bits === 32 || bits === 64
    : false;
  if (!supported) {
    throw decodeError(`unsupported format tag ${format.tag} with ${bits} bits per sample`);
  }
  const bytesPerSample = bits / 8;
  if (blockAlign !== channelCount * bytesPerSample) {
    throw decodeError(`block align ${blockAlign} does not match ${channelCount} × ${bits} bits`);
  }
  if (data.length % blockAlign !== 0) {
    throw decodeError(
      `data size ${data.length} is not a whole number of ${blockAlign}-byte frames`,
    );
  }
  const frames = data.length / blockAlign;
  const samples = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read: (at: number) => number = format.tag === WAVE_FORMAT_IEEE_FLOAT
    ? bits === 32 ? (at) => samples.getFloat32(at, true) : (at) => samples.getFloat64(at, true)
    : bits === 8
    ? (at) => (samples.getUint8(at) - 128) / 128
    : bits === 16
    ? (at) => samples.getInt16(at, true) / 32768
    : bits === 24
    ? (at) => ((samples.getUint8(at) | (samples.getUint8(at + 1) << 8) |
      (samples.getInt8(at + 2) << 16)) / 8388608)
    : (at) => samples.getInt32(at, true) / 2147483648;
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  let at = 0;
  for (let frame = 0; frame < frames; frame++) {
    for (let channel = 0; channel < channelCount; channel++) {
      channels[channel][frame] = read(at);
      at += bytesPerSample;
    }
  }
  return { sampleRate: rate, channels };
}
