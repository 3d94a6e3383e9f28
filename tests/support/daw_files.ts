/**
 * Files as DAWs export them, written byte by byte: a WAV stem with `cue ` points, `LIST adtl`
 * labels and a `smpl` loop, and a Standard MIDI File with a tempo map and markers.
 *
 * @module
 */

const ascii = (s: string) => new TextEncoder().encode(s);

/** A RIFF chunk: id, little-endian size, body, pad byte when the size is odd. */
function chunk(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(ascii(id));
  new DataView(out.buffer).setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, at), at += part.length;
  return out;
}

function le(...fields: [bytes: 1 | 2 | 4, value: number][]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, [b]) => n + b, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [bytes, value] of fields) {
    if (bytes === 1) view.setUint8(at, value);
    else if (bytes === 2) view.setUint16(at, value, true);
    else view.setUint32(at, value, true);
    at += bytes;
  }
  return out;
}

/** One second of silent 16-bit mono at 44.1 kHz with three cue points (two labelled, one
 * label of odd length), an `ltxt` it must skip, and one smpl loop, after the data. */
export function wavWithMarkers(): Uint8Array {
  const rate = 44100;
  const fmt = chunk("fmt ", le([2, 1], [2, 1], [4, rate], [4, rate * 2], [2, 2], [2, 16]));
  const data = chunk("data", new Uint8Array(rate * 2));
  const cuePoint = (id: number, frame: number) =>
    concat(le([4, id], [4, frame]), ascii("data"), le([4, 0], [4, 0], [4, frame]));
  const cue = chunk(
    "cue ",
    concat(le([4, 3]), cuePoint(1, 0), cuePoint(2, 22050), cuePoint(7, 33075)),
  );
  const label = (id: number, text: string) =>
    chunk("labl", concat(le([4, id]), ascii(text), new Uint8Array([0])));
  const list = chunk(
    "LIST",
    concat(
      ascii("adtl"),
      label(1, "Intro"),
      chunk("ltxt", concat(le([4, 2], [4, 100], [4, 0], [2, 0], [2, 0], [2, 0], [2, 0]))),
      label(2, "Verse 1"), // 4 + 7 + 1 = 12 bytes: even; "Intro" gives 10
    ),
  );
  const loop = le([4, 0], [4, 0], [4, 11025], [4, 22049], [4, 0], [4, 0]);
  const smpl = chunk(
    "smpl",
    concat(le([4, 0], [4, 0], [4, 22676], [4, 60], [4, 0], [4, 0], [4, 0], [4, 1], [4, 0]), loop),
  );
  const body = concat(ascii("WAVE"), fmt, data, cue, list, smpl);
  return concat(ascii("RIFF"), le([4, body.length]), body);
}

/** Big-endian bytes. */
function be(bytes: number, value: number): number[] {
  return Array.from({ length: bytes }, (_, k) => (value >> (8 * (bytes - 1 - k))) & 0xff);
}

function smfChunk(id: string, body: number[]): number[] {
  return [...ascii(id), ...be(4, body.length), ...body];
}

function meta(delta: number[], type: number, data: number[]): number[] {
  return [...delta, 0xff, type, data.length, ...data];
}

/** Format 1, 480 ticks a quarter: the tempo track (4/4 at 120, then 6/8 at 90 quarters after
 * two bars, as a variable-length delta of 3840 ticks) and a second track with the markers. */
export function midiWithTempoMap(): Uint8Array {
  const tempoTrack = [
    ...meta([0], 0x58, [4, 2, 24, 8]),
    ...meta([0], 0x51, be(3, 500000)),
    ...meta([0x9e, 0x00], 0x51, be(3, 666667)), // 3840 = 0x1e00 → 0x9e 0x00
    ...meta([0], 0x58, [6, 3, 24, 8]),
    ...meta([0], 0x2f, []),
  ];
  const markerTrack = [
    ...meta([0], 0x06, [...ascii("Intro")]),
    ...meta([0x9e, 0x00], 0x06, [...ascii("Verse")]),
    ...meta([0x8b, 0x20], 0x06, [...ascii("Chorus")]), // 1440 = 0x5a0 → 0x8b 0x20
    ...meta([0], 0x2f, []),
  ];
  return new Uint8Array([
    ...smfChunk("MThd", [...be(2, 1), ...be(2, 2), ...be(2, 480)]),
    ...smfChunk("MTrk", tempoTrack),
    ...smfChunk("MTrk", markerTrack),
  ]);
}
