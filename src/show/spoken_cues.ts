/**
 * Spoken section cues: where each marker's name is said, on the song's beat grid, and the
 * cue track that says them. A cue ends on the downbeat one bar before its marker's bar (the
 * bar that holds the marker: its downbeat at or before the marker), so the band hears
 * "Chorus" during the last bar before the chorus and is silent as that bar starts. A marker
 * in the song's first bar has no bar before it and gets no cue. Words that overlap (bars too
 * short for the name) are mixed, never cut.
 *
 * @module
 */

import type { Marker } from "../model/marker.ts";
import { type Beat, beatGrid, type TempoSegment } from "../model/tempo.ts";
import type { Native } from "../native/native.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import { packPlanar, planarAudio } from "../sources/planar.ts";

/** One cue: what is said and the frame it ends on (the last word sample is the frame before). */
export interface SpokenCue {
  text: string;
  endFrame: number;
}

/** The cues of a song's markers on its grid (markers without a bar before them are skipped). */
export function planSpokenCues(
  markers: readonly Marker[],
  tempo: TempoSegment[],
  frames: number,
  rate: number,
): SpokenCue[] {
  const downbeats = beatGrid(tempo, frames + 1, rate).filter((b: Beat) => b.beat === 1);
  const cues: SpokenCue[] = [];
  for (const marker of markers) {
    const text = marker.name.trim();
    if (!text) continue;
    const at = Math.round(marker.at * rate);
    // The last downbeat at or before the marker (a frame either side of rounding counts).
    let bar = -1;
    for (let i = 0; i < downbeats.length && downbeats[i].frame <= at + 1; i++) bar = i;
    if (bar < 1) continue;
    cues.push({ text, endFrame: downbeats[bar - 1].frame });
  }
  return cues;
}

/** The words of a spoken count-in with `perBar` beats to the bar: "one", "two" … */
export function countInWords(perBar: number): string[] {
  const words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
  return Array.from({ length: perBar }, (_, i) => words[i] ?? String(i + 1));
}

/** Mixes each word into a mono track of `frames`, ending at its cue's frame. */
export function renderSpokenCues(
  cues: readonly SpokenCue[],
  words: ReadonlyMap<string, Float32Array>,
  frames: number,
): Float32Array {
  const out = new Float32Array(frames);
  for (const cue of cues) {
    const word = words.get(cue.text);
    if (!word) continue;
    const start = cue.endFrame - word.length;
    for (let i = Math.max(0, -start); i < word.length && start + i < frames; i++) {
      out[start + i] += word[i];
    }
  }
  return out;
}

/**
 * A count-in click with its beats said: each beat's number ("one" on beat 1 …) starts on its
 * beat, mixed into the rendered click (`decoded`, mono, C-owned), which is replaced by the
 * mix (and freed). Without words the click is returned as it was.
 */
export function sayCountIn(
  native: Native,
  decoded: DecodedAudio,
  beats: readonly Beat[],
  words: readonly Float32Array[] | undefined,
  sampleRate: number,
): DecodedAudio {
  if (!words || words.length === 0 || !decoded.pcm) return decoded;
  try {
    const mix = new Float32Array(decoded.frames);
    native.sp_pcm_read_channel(decoded.pcm, 0, 0n, BigInt(decoded.frames), mix);
    for (const beat of beats) {
      const word = words[beat.beat - 1];
      if (!word) continue;
      for (let i = 0; i < word.length && beat.frame + i < mix.length; i++) {
        if (beat.frame + i >= 0) mix[beat.frame + i] += word[i];
      }
    }
    return planarAudio(native, packPlanar([mix]), sampleRate);
  } finally {
    native.sp_pcm_free(decoded.pcm);
  }
}
