/**
 * The song the reader and key-change tests play: one stereo stem of noise (48 kHz float WAV),
 * long enough to stream, and whatever song.json fields the test needs.
 *
 * @module
 */
import { join } from "node:path";
import { encodeWav } from "../../src/sources/wav.ts";
import { lcgNoise } from "./align.ts";
import { OFFLINE_RATE } from "./offline_player.ts";

/** Writes `file` (`seconds` of stereo noise) and a song.json of `fields` (tempo 120 unless
 * given; its one track is `file`) into the folder `dir`, made if missing. Returns `dir`. */
export async function writeNoiseSong(
  dir: string,
  seconds: number,
  fields: Record<string, unknown>,
  file = "pads.wav",
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const frames = seconds * OFFLINE_RATE;
  await Deno.writeFile(
    join(dir, file),
    encodeWav([lcgNoise(frames, 1), lcgNoise(frames, 2)], OFFLINE_RATE, "f32"),
  );
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({ tempo: 120, ...fields, tracks: [{ file }] }),
  );
  return dir;
}
