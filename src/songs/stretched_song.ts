/**
 * A song at another key and tempo (issue 24), before it is attached: every resident stem
 * rendered through its own stretcher (pitched stems shifted by the transpose, unpitched ones
 * following the tempo only), and the timeline in real time: tempo × speed, markers and the
 * first downbeat ÷ speed. The click and count-in are generated from that tempo map, so they
 * come out exactly on the new grid (generated, not stretched). At transpose 0 and speed 1
 * nothing is touched: today's path, bit for bit.
 *
 * @module
 */

import type { Native } from "../native/native.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import { freeAudio } from "../sources/streaming.ts";
import { stretchPcm, stretchPcmProgressive, type StretchSettings } from "../sources/stretch.ts";
import { streamsStretched, stretchStreamed } from "../sources/stretch_stream.ts";
import { checkSpeed, checkTranspose, isNeutral, type KeyTempo } from "../model/key_tempo.ts";
import type { SongDescription } from "./song_types.ts";

/** A song's key and tempo and the player's stretch engine (R3 or R2): what its stems are
 * rendered with. */
export type SongStretch = Omit<StretchSettings, "pitched">;

/** The key and tempo a described song plays at (song.json, or its setlist entry's). */
export function keyTempoOf(description: SongDescription): KeyTempo {
  return { transpose: description.transpose ?? 0, speed: description.speed ?? 1 };
}

/** The song with `given`'s transpose and speed in place of its own (each checked:
 * INVALID_ARGUMENT); the same object when neither is given. */
export function withKeyTempo(
  description: SongDescription,
  given: Partial<KeyTempo>,
): SongDescription {
  const out = { ...description };
  if (given.transpose !== undefined) {
    out.transpose = checkTranspose(given.transpose, "INVALID_ARGUMENT", "transpose");
  }
  if (given.speed !== undefined) out.speed = checkSpeed(given.speed, "INVALID_ARGUMENT", "speed");
  return given.transpose === undefined && given.speed === undefined ? description : out;
}

/** Whether a song at another key or tempo streams, its stems stretched by the reader thread:
 * streaming is on and the song has no more stems than the reader's budget. */
export function stretchStreams(
  streams: { settings: { stretchStems: number } } | undefined,
  description: SongDescription,
): boolean {
  return streams !== undefined &&
    streamsStretched(description.tracks.length, streams.settings.stretchStems);
}

/** The song's timeline at `speed`: tempo map × speed, its times and the markers ÷ speed.
 * The same object when the speed is 1. */
export function stretchedTimeline(description: SongDescription, speed: number): SongDescription {
  if (speed === 1) return description;
  return {
    ...description,
    markers: description.markers.map((marker) => ({ ...marker, at: marker.at / speed })),
    tempo: description.tempo.map((segment) => ({
      ...segment,
      at: segment.at / speed,
      tempo: segment.tempo * speed,
    })),
  };
}

/**
 * Renders each decoded stem at the key and tempo (with the player's engine), on C threads, freeing the originals; the
 * same array when neutral. A streamed stem is stretched by the reader thread as it plays
 * (stretch_stream.ts), not here. On failure every stem, new and old, is freed and the error rethrown.
 * `progressiveFrom` (a change while playing): returns at once with stems still being rendered
 * from the song frame it gives (read as the render starts) on, then the part before it
 * (native/stretch_fill.c); each takes its original.
 */
export async function stretchDecoded(
  native: Native,
  description: SongDescription,
  decoded: DecodedAudio[],
  sampleRate: number,
  keyTempo: SongStretch,
  progressiveFrom?: () => number,
): Promise<DecodedAudio[]> {
  if (isNeutral(keyTempo)) return decoded;
  if (progressiveFrom) {
    return stretchProgressive(native, description, decoded, sampleRate, keyTempo, progressiveFrom);
  }
  const made: DecodedAudio[] = [];
  try {
    const settingsOf = (index: number) => ({
      ...keyTempo,
      pitched: description.tracks[index].pitched !== false,
    });
    // Streamed stems are stretched by the reader thread as they play (stretch_stream.ts).
    const pcms = await Promise.allSettled(
      decoded.map(async (audio, index) => {
        if (audio.pcm) {
          return withPcm(
            native,
            audio,
            await stretchPcm(native, audio.pcm, sampleRate, settingsOf(index)),
          );
        }
        const stretched = stretchStreamed(native, audio, sampleRate, settingsOf(index));
        audio.stream = null; // the stretched stem holds it now: not freed with the originals
        return stretched;
      }),
    );
    for (const result of pcms) if (result.status === "fulfilled") made.push(result.value);
    const failed = pcms.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    decoded.forEach((audio) => freeAudio(native, audio));
    return made;
  } catch (error) {
    made.forEach((audio) => freeAudio(native, audio));
    decoded.forEach((audio) => freeAudio(native, audio));
    throw error;
  }
}

function stretchProgressive(
  native: Native,
  description: SongDescription,
  decoded: DecodedAudio[],
  sampleRate: number,
  keyTempo: SongStretch,
  progressiveFrom: () => number,
): DecodedAudio[] {
  const made: DecodedAudio[] = [];
  let taken = 0;
  try {
    const from = progressiveFrom();
    for (const [index, audio] of decoded.entries()) {
      const settings = { ...keyTempo, pitched: description.tracks[index].pitched !== false };
      if (!audio.pcm) {
        // Streamed: the reader stretches it from the playhead's place (change_start.ts).
        made.push(stretchStreamed(native, audio, sampleRate, settings));
        audio.stream = null;
        taken = index + 1;
        continue;
      }
      const start = Math.max(0, Math.min(Math.round(from), audio.frames - 1));
      const pcm = stretchPcmProgressive(native, audio.pcm, sampleRate, settings, start);
      taken = index + 1; // the original is the new pcm's now
      made.push(withPcm(native, audio, pcm));
    }
    return made;
  } catch (error) {
    made.forEach((audio) => freeAudio(native, audio));
    decoded.slice(taken).forEach((audio) => freeAudio(native, audio));
    throw error;
  }
}

function withPcm(native: Native, audio: DecodedAudio, pcm: Deno.PointerValue): DecodedAudio {
  const info = new BigUint64Array(3);
  native.sp_pcm_info(pcm, info);
  return { ...audio, pcm, frames: Number(info[0]) };
}
