/**
 * A song with spoken cues from a folder of recorded words (no espeak-ng needed): 12 s at
 * 120 bpm, silent music, markers Intro (0 s, no cue: the first bar) and Chorus (8 s), and
 * `cues/chorus.wav`, a 0.4 s tone.
 *
 * @module
 */

import { join } from "node:path";
import { encodeWav } from "../../src/sources/wav.ts";
import { writeManifest } from "./songs.ts";

/** The song's title. */
export const CUE_SONG_TITLE = "Cue song";

/** Writes the song into `dir` and returns its folder. */
export async function writeSpokenCueSong(dir: string, rate = 48000): Promise<string> {
  const folder = join(dir, "cue-song");
  await Deno.mkdir(join(folder, "cues"), { recursive: true });
  await Deno.writeFile(
    join(folder, "music.wav"),
    encodeWav([new Float32Array(12 * rate)], rate, "s16"),
  );
  const word = new Float32Array(Math.round(0.4 * rate)).map((_, i) => 0.3 * Math.sin(i / 9));
  await Deno.writeFile(join(folder, "cues", "chorus.wav"), encodeWav([word], rate, "s16"));
  await writeManifest(folder, {
    title: CUE_SONG_TITLE,
    tempo: 120,
    markers: [{ name: "Intro", at: 0 }, { name: "Chorus", at: 8 }],
    tracks: [{ file: "music.wav", route: [1] }],
    spokenCues: { folder: "cues" },
  });
  return folder;
}
