/**
 * Metadata chunks the way DAWs, recorders and taggers write them, spliced into files sox or
 * ffmpeg wrote: before the audio chunk ("leading") and after it ("trailing"), with the right
 * sizes and pad bytes (odd-sized bodies included), and the RIFF/FORM size kept right.
 *
 * AIFF/AIFF-C (big-endian): NAME, ANNO, COMT, MARK, INST, APPL, LGWV (Logic Pro), "ID3 ".
 * WAV (little-endian): LIST (INFO), bext, iXML, "cue ", smpl, "id3 ".
 *
 * @module
 */

/** One chunk: a four-character id and its body (the pad byte is added when it is odd). */
export interface Chunk {
  id: string;
  body: Uint8Array;
}

const text = (s: string) => new TextEncoder().encode(s);

function bytes(length: number, fill: (view: DataView, out: Uint8Array) => void): Uint8Array {
  const out = new Uint8Array(length);
  fill(new DataView(out.buffer), out);
  return out;
}

/** An ID3v2.3 tag with one title frame (TIT2), as a tagger writes into "ID3 "/"id3 ". */
function id3Tag(title: string): Uint8Array {
  const frameText = text(title);
  const frame = bytes(10 + 1 + frameText.length, (view, out) => {
    out.set(text("TIT2"));
    view.setUint32(4, 1 + frameText.length);
    out[10] = 0; // ISO-8859-1
    out.set(frameText, 11);
  });
  return bytes(10 + frame.length, (_, out) => {
    out.set(text("ID3"));
    out[3] = 3; // v2.3
    const size = frame.length; // syncsafe: 7 bits per byte
    out[6] = (size >> 21) & 0x7f;
    out[7] = (size >> 14) & 0x7f;
    out[8] = (size >> 7) & 0x7f;
    out[9] = size & 0x7f;
    out.set(frame, 10);
  });
}

/** A Pascal string padded to an even total length (AIFF's pstring). */
function pstring(s: string): Uint8Array {
  const body = text(s);
  const length = 1 + body.length + ((1 + body.length) & 1);
  return bytes(length, (_, out) => {
    out[0] = body.length;
    out.set(body, 1);
  });
}

/** Every chunk kind Logic, Pro Tools, sox, ffmpeg and taggers put in an AIFF or AIFF-C. `tag`
 * varies the contents (and some sizes) between the leading and the trailing set. */
export function aiffChunks(tag: string): Chunk[] {
  const comment = text(`bounced by stemplay ${tag}`);
  const comt = bytes(2 + 8 + comment.length + (comment.length & 1), (view, out) => {
    view.setUint16(0, 1); // one comment
    view.setUint32(2, 0xdeadbeef); // timestamp
    view.setInt16(6, 1); // marker id
    view.setUint16(8, comment.length);
    out.set(comment, 10);
  });
  const names = [pstring("Verse"), pstring(`Chorus ${tag}`)];
  const mark = bytes(2 + names.reduce((sum, n) => sum + 6 + n.length, 0), (view, out) => {
    view.setUint16(0, names.length);
    let at = 2;
    names.forEach((name, index) => {
      view.setInt16(at, index + 1);
      view.setUint32(at + 2, 1000 * (index + 1));
      out.set(name, at + 6);
      at += 6 + name.length;
    });
  });
  const inst = bytes(20, (view, out) => {
    out.set([60, 0, 0, 127, 1, 127]); // base note, detune, low/high note, low/high velocity
    view.setInt16(6, 0); // gain
    view.setInt16(8, 1); // sustain loop: forward, markers 1..2
    view.setInt16(10, 1);
    view.setInt16(12, 2);
  });
  // Logic's LGWV: an opaque, odd-sized blob.
  const lgwv = bytes(
    37 + tag.length,
    (_, out) => out.forEach((_, i) => out[i] = (i * 29 + 7) & 0xff),
  );
  return [
    { id: "NAME", body: text(`Bass ${tag}`) },
    { id: "ANNO", body: text(`odd-sized annotation ${tag}.`) },
    { id: "COMT", body: comt },
    { id: "MARK", body: mark },
    { id: "INST", body: inst },
    { id: "APPL", body: new Uint8Array([...text("stoc"), ...text(`stemplay ${tag}`)]) },
    { id: "LGWV", body: lgwv },
    { id: "ID3 ", body: id3Tag(`Bass ${tag}`) },
  ];
}

/** Every chunk kind a DAW, a field recorder or a tagger puts in a WAV. */
export function wavChunks(tag: string): Chunk[] {
  const inam = text(`Bass ${tag}\0`);
  const list = bytes(4 + 8 + inam.length + (inam.length & 1), (view, out) => {
    out.set(text("INFO"));
    out.set(text("INAM"), 4);
    view.setUint32(8, inam.length, true);
    out.set(inam, 12);
  });
  const history = text(`A=PCM,F=48000,W=24,M=stereo,T=${tag}\r\n`);
  const bext = bytes(602 + history.length, (view, out) => {
    out.set(text(`stemplay ${tag}`)); // description
    out.set(text("stemplay"), 256); // originator
    out.set(text("2026-12-06"), 320);
    out.set(text("00:00:00"), 330);
    view.setBigUint64(338, 48000n * 3600n, true); // time reference
    view.setUint16(346, 2, true); // version
    out.set(history, 602);
  });
  const cue = bytes(4 + 2 * 24, (view, out) => {
    view.setUint32(0, 2, true);
    for (let i = 0; i < 2; i++) {
      const at = 4 + 24 * i;
      view.setUint32(at, i + 1, true);
      view.setUint32(at + 4, 1000 * (i + 1), true);
      out.set(text("data"), at + 8);
      view.setUint32(at + 20, 1000 * (i + 1), true);
    }
  });
  const smpl = bytes(36 + 24, (view) => {
    view.setUint32(8, Math.round(1e9 / 48000), true); // sample period, ns
    view.setUint32(12, 60, true); // MIDI unity note
    view.setUint32(28, 1, true); // one loop
    view.setUint32(36 + 8, 1000, true); // loop start
    view.setUint32(36 + 12, 2000, true); // loop end
  });
  return [
    { id: "LIST", body: list },
    { id: "bext", body: bext },
    {
      id: "iXML",
      body: text(`<?xml version="1.0"?><BWFXML><PROJECT>stemplay ${tag}</PROJECT></BWFXML>`),
    },
    { id: "cue ", body: cue },
    { id: "smpl", body: smpl },
    { id: "id3 ", body: id3Tag(`Bass ${tag}`) },
  ];
}

function encodeChunks(chunks: Chunk[], littleEndian: boolean): Uint8Array {
  const length = chunks.reduce((sum, c) => sum + 8 + c.body.length + (c.body.length & 1), 0);
  return bytes(length, (view, out) => {
    let at = 0;
    for (const chunk of chunks) {
      out.set(text(chunk.id), at);
      view.setUint32(at + 4, chunk.body.length, littleEndian);
      out.set(chunk.body, at + 8);
      at += 8 + chunk.body.length + (chunk.body.length & 1); // the pad byte stays 0
    }
  });
}

/** Options of {@linkcode withChunks}. */
export interface ChunkOptions {
  /** AIFF only: an SSND offset of this many bytes (zeros before the first frame). */
  ssndOffset?: number;
}

/**
 * A copy of a WAV or AIFF/AIFF-C file with `leading` inserted right before its audio chunk
 * ("data"/"SSND") and `trailing` right after it (after its pad byte).
 */
export function withChunks(
  file: Uint8Array,
  leading: Chunk[],
  trailing: Chunk[],
  options: ChunkOptions = {},
): Uint8Array {
  const form = String.fromCharCode(...file.subarray(0, 4));
  const littleEndian = form === "RIFF";
  if (!littleEndian && form !== "FORM") throw new Error(`not a RIFF or FORM file: ${form}`);
  const audioId = littleEndian ? "data" : "SSND";
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let at = 12;
  while (String.fromCharCode(...file.subarray(at, at + 4)) !== audioId) {
    if (at + 8 > file.length) throw new Error(`no ${audioId} chunk`);
    const size = view.getUint32(at + 4, littleEndian);
    at += 8 + size + (size & 1);
  }
  let size = view.getUint32(at + 4, littleEndian);
  let audio = file.subarray(at, Math.min(file.length, at + 8 + size + (size & 1)));
  const offset = options.ssndOffset ?? 0;
  if (offset > 0) {
    if (littleEndian) throw new Error("ssndOffset is for AIFF");
    const body = audio.subarray(16, 8 + size);
    size += offset;
    audio = bytes(8 + size + (size & 1), (out, all) => {
      all.set(text("SSND"));
      out.setUint32(4, size);
      out.setUint32(8, offset);
      all.set(body, 16 + offset);
    });
  }
  const before = encodeChunks(leading, littleEndian);
  const after = encodeChunks(trailing, littleEndian);
  const head = file.subarray(0, at);
  const out = new Uint8Array(head.length + before.length + audio.length + after.length);
  out.set(head);
  out.set(before, head.length);
  out.set(audio, head.length + before.length);
  out.set(after, head.length + before.length + audio.length);
  new DataView(out.buffer).setUint32(4, out.length - 8, littleEndian);
  return out;
}
