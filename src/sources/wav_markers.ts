/**
 * Markers a DAW writes into a WAV stem: `cue ` points (named by the `labl` entries of a
 * `LIST adtl` chunk, else "Marker N" after the cue's id) and the loops of a `smpl` chunk.
 * Positions are frames in the file (a cue point's sample offset), turned into seconds at the
 * file's rate. A loop's end in `smpl` is its last frame played, so `end` is one frame later.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Marker } from "../model/marker.ts";

/** A loop from a `smpl` chunk, in seconds. */
export interface WavLoop {
  /** "Loop N", N counting the file's loops from 1. */
  name: string;
  /** Its first frame, in seconds. */
  start: number;
  /** The end of its last frame, in seconds. */
  end: number;
}

/** What {@linkcode readWavMarkers} finds. */
export interface WavMarkers {
  /** The file's sample rate (from `fmt `). */
  sampleRate: number;
  /** The cue points in time order, named by their labels. */
  markers: Marker[];
  /** The sampler loops, in file order. */
  loops: WavLoop[];
}

interface RiffChunk {
  id: string;
  body: DataView;
}

const latin1 = new TextDecoder("latin1");

function id(view: DataView, at: number): string {
  return latin1.decode(new Uint8Array(view.buffer, view.byteOffset + at, 4));
}

/** The chunks of a RIFF body from `at`, pad bytes skipped; a chunk cut short ends the list. */
function chunks(view: DataView, at: number): RiffChunk[] {
  const found: RiffChunk[] = [];
  while (at + 8 <= view.byteLength) {
    const size = view.getUint32(at + 4, true);
    const length = Math.min(size, view.byteLength - at - 8);
    found.push({
      id: id(view, at),
      body: new DataView(view.buffer, view.byteOffset + at + 8, length),
    });
    at += 8 + size + (size & 1);
  }
  return found;
}

/** A label's text: up to its NUL. */
function text(view: DataView, at: number): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + at, view.byteLength - at);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end)).trim();
}

/**
 * Reads the markers and loops of a WAV file (RIFF/WAVE).
 *
 * @param path the WAV file
 * @throws {StemplayError} `FILE_NOT_FOUND` or `PERMISSION` when it cannot be read; `DECODE`
 *   when it is not a WAV file
 */
export async function readWavMarkers(path: string): Promise<WavMarkers> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    const code = error instanceof Deno.errors.NotFound ? "FILE_NOT_FOUND" : "PERMISSION";
    throw new StemplayError(code, `cannot read ${path}: ${(error as Error).message}`, {
      path,
      cause: error,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || id(view, 0) !== "RIFF" || id(view, 8) !== "WAVE") {
    throw new StemplayError("DECODE", `${path} is not a WAV file (no RIFF/WAVE header)`, { path });
  }
  const all = chunks(view, 12);
  const fmt = all.find((c) => c.id === "fmt ");
  if (!fmt || fmt.body.byteLength < 8) {
    throw new StemplayError("DECODE", `${path} is not a WAV file (no fmt chunk)`, { path });
  }
  const sampleRate = fmt.body.getUint32(4, true);
  const labels = new Map<number, string>();
  for (const list of all.filter((c) => c.id === "LIST" && c.body.byteLength >= 4)) {
    if (id(list.body, 0) !== "adtl") continue;
    for (const entry of chunks(list.body, 4)) {
      if (entry.id === "labl" && entry.body.byteLength >= 4) {
        labels.set(entry.body.getUint32(0, true), text(entry.body, 4));
      }
    }
  }
  const markers: Marker[] = [];
  const cue = all.find((c) => c.id === "cue ");
  if (cue && cue.body.byteLength >= 4) {
    const count = Math.min(cue.body.getUint32(0, true), Math.floor((cue.body.byteLength - 4) / 24));
    for (let k = 0; k < count; k++) {
      const at = 4 + k * 24;
      const cueId = cue.body.getUint32(at, true);
      const frame = cue.body.getUint32(at + 20, true); // dwSampleOffset
      markers.push({ name: labels.get(cueId) || `Marker ${cueId}`, at: frame / sampleRate });
    }
  }
  markers.sort((a, b) => a.at - b.at);
  const loops: WavLoop[] = [];
  const smpl = all.find((c) => c.id === "smpl");
  if (smpl && smpl.body.byteLength >= 36) {
    const count = Math.min(
      smpl.body.getUint32(28, true),
      Math.floor((smpl.body.byteLength - 36) / 24),
    );
    for (let k = 0; k < count; k++) {
      const at = 36 + k * 24;
      loops.push({
        name: `Loop ${k + 1}`,
        start: smpl.body.getUint32(at + 8, true) / sampleRate,
        end: (smpl.body.getUint32(at + 12, true) + 1) / sampleRate,
      });
    }
  }
  return { sampleRate, markers, loops };
}
