/**
 * Stems for the soaks: a few distinct files made by sox (a sine and pink noise each), linked
 * over and over, so each stream costs the reader the same decode work with less disk.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";

/** How the distinct stems are written. */
export interface LinkedStems {
  /** Stems wanted (links). */
  stems: number;
  /** Distinct files behind them. */
  distinct: number;
  seconds: number;
  rate: number;
  bits: number;
  /** sox's file type and the stems' extension: "wav", "flac". */
  type: string;
}

/** Writes the stems into `dir` (stem01.<type> …) and returns song.json's tracks for them. */
export async function writeLinkedStems(
  dir: string,
  options: LinkedStems,
): Promise<{ file: string; gain: number }[]> {
  const distinct: string[] = [];
  for (let k = 0; k < options.distinct; k++) {
    const file = join(dir, `source${k}.tmp`);
    const made = await new Deno.Command("sox", {
      args: [
        ...["-n", "-r", String(options.rate), "-c", "2", "-b", String(options.bits)],
        ...["-t", options.type, file],
        ...["synth", String(options.seconds), "sine", String(110 + 55 * k), "pinknoise"],
        ...["vol", "0.05"],
      ],
    }).output();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    distinct.push(file);
  }
  const tracks = [];
  for (let i = 0; i < options.stems; i++) {
    const file = `stem${String(i + 1).padStart(2, "0")}.${options.type}`;
    await Deno.link(distinct[i % distinct.length], join(dir, file));
    tracks.push({ file, gain: 0.1 });
  }
  return tracks;
}
