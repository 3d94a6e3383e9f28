/**
 * A real-size song for screen and bus tests: 14 stems with long names, click and guide on the
 * in-ears, the music on FOH, a tempo and markers. Each stem is a quiet tone of its own
 * frequency; the click is a steady full-scale tone so its level is easy to check.
 *
 * @module
 */

import { join } from "node:path";
import { encodeWav } from "../../src/sources/wav.ts";
import { tone } from "./fixtures.ts";

/** The stems' names, in order: click and guide first. */
export const BIG_SONG_STEMS = [
  "01 Click",
  "02 Guide",
  "03 Drums Overheads",
  "04 Kick",
  "05 Snare",
  "06 Bass DI",
  "07 Electric Guitar Left",
  "08 Electric Guitar Right",
  "09 Acoustic Guitar",
  "10 Piano",
  "11 Pads and Strings",
  "12 Organ",
  "13 Backing Vocals",
  "14 Percussion Loop",
];

/** Writes the song (song.json and 14 WAVs) into `dir`; returns the manifest's path. */
export async function writeBigSong(dir: string, seconds = 24, rate = 48000): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const tracks = [];
  for (const [index, name] of BIG_SONG_STEMS.entries()) {
    const file = `${name}.wav`;
    const inEars = index < 2;
    const pcm = tone(220 + index * 55, seconds, rate, inEars ? 1 : 2);
    await Deno.writeFile(join(dir, file), encodeWav(pcm, rate, "f32"));
    tracks.push({
      file,
      name,
      bus: inEars ? "in-ears" : "FOH",
      ...(inEars ? {} : { gainDb: -20 }),
    });
  }
  const manifest = {
    title: "Big Song",
    tempo: 120,
    markers: [
      { name: "Intro", at: 0 },
      { name: "Verse", at: 4 },
      { name: "Chorus", at: 12 },
      { name: "Outro", at: 20 },
    ],
    tracks,
  };
  const path = join(dir, "song.json");
  await Deno.writeTextFile(path, JSON.stringify(manifest, null, 2));
  return path;
}
