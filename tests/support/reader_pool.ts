/**
 * What the reader-pool tests share (tests/reader_pool_test.ts, tests/reader_pool_swap_test.ts):
 * a streamed song of noise stems, the reader threads running, and renders in parts joined.
 */
import { join } from "node:path";
import { encodeWav } from "../../src/sources/wav.ts";
import { lcgNoise } from "./align.ts";
import { OFFLINE_RATE } from "./offline_player.ts";

/** `stems` stems of `seconds` of noise: stereo 48 kHz float ones and every third a mono
 * 44.1 kHz 16-bit one (resampled as it streams), every fourth unpitched; markers Intro at 0,
 * Verse at 1 and Chorus 1 s before the end. */
export async function writeNoiseSong(dir: string, stems: number, seconds: number): Promise<string> {
  const tracks = [];
  for (let i = 0; i < stems; i++) {
    const file = `stem${i}.wav`;
    const audio = i % 3 === 2
      ? encodeWav([lcgNoise(seconds * 44100, 10 * i + 1)], 44100, "s16")
      : encodeWav(
        [
          lcgNoise(seconds * OFFLINE_RATE, 10 * i + 1),
          lcgNoise(seconds * OFFLINE_RATE, 10 * i + 2),
        ],
        OFFLINE_RATE,
        "f32",
      );
    await Deno.writeFile(join(dir, file), audio);
    tracks.push({ file, gain: 0.3, pitched: i % 4 !== 3 });
  }
  const markers = [
    { name: "Intro", at: 0 },
    { name: "Verse", at: 1 },
    { name: "Chorus", at: seconds - 1 },
  ];
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({ title: "reader pool", tempo: 120, markers, tracks }),
  );
  return dir;
}

/** The reader threads running in this process (named "sp-reader" by native/butler.c). */
export function readerThreads(): number {
  let count = 0;
  for (const task of Deno.readDirSync("/proc/self/task")) {
    try {
      if (Deno.readTextFileSync(`/proc/self/task/${task.name}/comm`).trim() === "sp-reader") {
        count++;
      }
    } catch {
      // the thread ended while we looked
    }
  }
  return count;
}

/** Renders made one after another (each a Float32Array per output), joined per output. */
export function joinParts(parts: Float32Array[][]): Float32Array[] {
  return parts[0].map((_, c) => {
    const lane = new Float32Array(parts.reduce((n, part) => n + part[c].length, 0));
    let at = 0;
    for (const part of parts) {
      lane.set(part[c], at);
      at += part[c].length;
    }
    return lane;
  });
}
