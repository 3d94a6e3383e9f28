/**
 * The spoken-cue track of a song being prepared: every marker's name said (from the folder of
 * recorded words, else by espeak-ng) and placed on the beat grid (src/show/spoken_cues.ts),
 * as one mono track on the click's bus (the in-ears, protected: never on FOH, deaf to solo).
 * Without a voice for every word the cues are off, and the notice says why.
 *
 * @module
 */

import type { Engine } from "../engine/engine.ts";
import type { Track } from "../engine/track.ts";
import type { TrackSlots } from "../engine/track_slots.ts";
import type { Marker } from "../model/marker.ts";
import type { TempoSegment } from "../model/tempo.ts";
import { packPlanar, planarAudio } from "../sources/planar.ts";
import { StemplayError } from "../errors.ts";
import {
  INSTALL_ESPEAK,
  readWordFolder,
  speakWord,
  type SpokenWord,
  type WordFolder,
} from "../sources/speech.ts";
import { countInWords, planSpokenCues, renderSpokenCues } from "../show/spoken_cues.ts";
import {
  resolveSpokenCues,
  type SpokenCueOptions,
  type SpokenCueSettings,
} from "../show/spoken_cue_options.ts";

/** The cue track's name, as the screen and the remote show it. */
export const SPOKEN_CUES_TRACK = "spoken cues";

/** A made cue track, or the reason there is none (undefined: no marker to announce). */
export interface SpokenCueResult {
  track?: Track;
  notice?: string;
}

/** One word, or why there is none: a recording that cannot be read turns the cues off (with
 * its error on the screen) rather than failing the song's load. */
async function sayWord(
  engine: Engine,
  text: string,
  options: SpokenCueSettings,
  folder: WordFolder | undefined,
): Promise<SpokenWord> {
  try {
    return await speakWord(engine.native, text, engine.sampleRate, options.voice, folder);
  } catch (error) {
    if (!(error instanceof StemplayError)) throw error;
    return { unavailable: `the word "${text}" could not be read (${error.message})` };
  }
}

/** Makes the song's spoken-cue track in `group` (`frames` long). */
export async function makeSpokenCueTrack(
  engine: Engine,
  slots: TrackSlots,
  options: SpokenCueSettings,
  song: { markers: Marker[]; tempo: TempoSegment[]; clickRoute?: number[] },
  frames: number,
  group: number,
): Promise<SpokenCueResult> {
  if (!options.enabled || frames === 0) return {};
  const cues = planSpokenCues(song.markers, song.tempo, frames, engine.sampleRate);
  if (cues.length === 0) return {};
  const folder = options.folder === undefined ? undefined : await readWordFolder(options.folder);
  const words = new Map<string, Float32Array>();
  // Every word at once: each is a program run (about 0.1 s), so a song loads no slower for
  // having ten sections than for having one.
  const texts = [...new Set(cues.map((cue) => cue.text))];
  const said = await Promise.all(texts.map((text) => sayWord(engine, text, options, folder)));
  for (const [index, word] of said.entries()) {
    const text = texts[index];
    if ("unavailable" in word) {
      return {
        notice: `spoken cues are off: ${word.unavailable}. To hear them, ${INSTALL_ESPEAK}`,
      };
    }
    words.set(text, word.samples);
  }
  const samples = renderSpokenCues(cues, words, frames);
  const decoded = planarAudio(engine.native, packPlanar([samples]), engine.sampleRate);
  try {
    const track = slots.create(decoded, {
      name: SPOKEN_CUES_TRACK,
      gainDb: options.gainDb,
      ...engine.buses.clickPlacement(song.clickRoute),
    }, group);
    return { track };
  } catch (error) {
    if (decoded.pcm) engine.native.sp_pcm_free(decoded.pcm);
    throw error;
  }
}

/** The spoken count-in's words at the engine's rate ("one" to the song's most beats in a
 * bar), or why there are none. */
export async function speakCountIn(
  engine: Engine,
  options: SpokenCueSettings,
  tempo: TempoSegment[],
): Promise<{ words?: Float32Array[]; notice?: string }> {
  if (!options.enabled || !options.countIn || tempo.length === 0) return {};
  const perBar = Math.max(...tempo.map((segment) => segment.timeSignature[0]));
  const folder = options.folder === undefined ? undefined : await readWordFolder(options.folder);
  const words: Float32Array[] = [];
  for (const text of countInWords(perBar)) {
    const word = await sayWord(engine, text, options, folder);
    if ("unavailable" in word) {
      return {
        notice: `the spoken count-in is off: ${word.unavailable}. To hear it, ${INSTALL_ESPEAK}`,
      };
    }
    words.push(word.samples);
  }
  return { words };
}

/** What a prepared song keeps of its spoken cues (the song deck's SongInfo has these). */
export interface SpokenSong {
  markers: Marker[];
  tempo: TempoSegment[];
  clickRoute?: number[];
  /** Lines the operator must see (cues that are off, and why). */
  notices?: string[];
  /** The spoken count-in's words. */
  countInWords?: Float32Array[];
}

/**
 * A prepared song's spoken cues, from its own options over the settings': the cue track (when
 * it has cues to say), the spoken count-in's words and any notice, set on `song`.
 */
export async function prepareSpokenCues(
  engine: Engine,
  slots: TrackSlots,
  options: { song?: SpokenCueOptions; settings?: SpokenCueOptions },
  song: SpokenSong,
  frames: number,
  group: number,
): Promise<Track | undefined> {
  const spoken = resolveSpokenCues(options.song, options.settings);
  if (!spoken) return undefined;
  const made = await makeSpokenCueTrack(engine, slots, spoken, song, frames, group);
  const counting = made.notice ? {} : await speakCountIn(engine, spoken, song.tempo);
  song.countInWords = counting.words;
  const notice = made.notice ?? counting.notice;
  if (notice) song.notices = [notice];
  return made.track;
}
