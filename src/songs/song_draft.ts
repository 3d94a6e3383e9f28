/**
 * A first song.json for a folder of exported stems (what `stemplay init` writes and the console
 * imports): every audio file as a track, sorted by name, on the bus its name suggests (click,
 * guide, cue or count → in-ears, else FOH); the tempo map and markers of a MIDI file when one is
 * given; else markers from the cue points of the first WAV stem that has them. Tempo detection
 * from the click is not part of it yet: without a MIDI file the tempo is left out, and a note
 * says so.
 *
 * @module
 */

import { basename, extname, join, resolve } from "node:path";
import { guessBus } from "../engine/buses.ts";
import { StemplayError } from "../errors.ts";
import type { Marker } from "../model/marker.ts";
import { readMidiTempoMap } from "../sources/midi_tempo.ts";
import { readWavMarkers } from "../sources/wav_markers.ts";
import { audioFileNames } from "./song_folder.ts";

/** Options of {@linkcode draftSong}. */
export interface DraftSongOptions {
  /** A Standard MIDI File whose tempo map and markers the song takes. */
  midi?: string;
  /** A WAV file whose cue points become the markers (default: the first WAV stem, by name,
   * that has cue points, unless the MIDI file has markers). */
  markersFrom?: string;
  /** A tempo detector (the library's `detectTempo`) run on the click stem (the first file, by
   * name, with "click" in it) when there is no MIDI file. Its first tempo becomes `tempo`,
   * `timeSignature` and `firstBeat`; its later entries, `tempoMap`. */
  detectTempo?: (audioPath: string) => Promise<DetectedTempoLike>;
}

/** What a tempo detector reports, as `detectTempo` does. */
export interface DetectedTempoLike {
  /** Beats of the time signature's unit a minute. */
  bpm: number;
  /** Seconds to the first downbeat. */
  firstBeat: number;
  /** [beats per bar, beat unit]. */
  timeSignature: [number, number];
  /** Every tempo from the first downbeat on, the first included. */
  tempoMap: { at: number; tempo: number; timeSignature: [number, number] }[];
  /** 0 to 1. */
  confidence: number;
}

/** What {@linkcode draftSong} makes: the song.json's content, and what a person should know. */
export interface SongDraft {
  /** The JSON for song.json. */
  manifest: Record<string, unknown>;
  /** One line each: where the tempo and markers came from, or why they are missing. */
  notes: string[];
}

const WAV = [".wav", ".wave", ".bwf"];

async function stemMarkers(
  folder: string,
  names: string[],
): Promise<{ file: string; markers: Marker[] } | undefined> {
  for (const name of names.filter((n) => WAV.includes(extname(n).toLowerCase()))) {
    const found = await readWavMarkers(join(folder, name)).catch(() => undefined);
    if (found && found.markers.length > 0) return { file: name, markers: found.markers };
  }
  return undefined;
}

/**
 * Drafts a song.json for `folder` from its audio files.
 *
 * @param folder the folder of stems
 * @param options a MIDI file for the tempo map and markers; a WAV file for markers
 * @throws {StemplayError} `PERMISSION`, `UNKNOWN_EXTENSION` (as reading a folder does);
 *   `EMPTY` when the folder has no audio files; `FILE_NOT_FOUND` or `DECODE` for a MIDI or
 *   WAV file that cannot be read
 */
export async function draftSong(
  folder: string,
  options: DraftSongOptions = {},
): Promise<SongDraft> {
  const names = await audioFileNames(folder);
  if (names.length === 0) {
    throw new StemplayError("EMPTY", `${folder} holds no audio files to make a song of`, {
      path: folder,
    });
  }
  const manifest: Record<string, unknown> = { title: basename(resolve(folder)) };
  const notes: string[] = [];
  let markers: Marker[] = [];
  if (options.midi) {
    const map = await readMidiTempoMap(options.midi);
    manifest.tempo = map.tempo;
    manifest.timeSignature = map.timeSignature;
    manifest.firstBeat = map.firstBeat;
    if (map.tempoMap.length > 0) manifest.tempoMap = map.tempoMap;
    markers = map.markers;
    notes.push(
      `tempo ${round(map.tempo)} in ${map.timeSignature.join("/")}` +
        changesText(map.tempoMap.length) +
        ` from ${basename(options.midi)}` +
        (markers.length ? `, ${markers.length} markers from it too` : ""),
    );
  } else if (options.detectTempo && names.some((name) => /click/i.test(name))) {
    const click = names.find((name) => /click/i.test(name))!;
    const found = await detectOrUndefined(options.detectTempo, join(folder, click));
    if (!found) {
      notes.push(`no tempo: no steady beat was heard in ${click}; ${NO_TEMPO_HINT}`);
    } else {
      manifest.tempo = found.bpm;
      manifest.timeSignature = found.timeSignature;
      manifest.firstBeat = found.firstBeat;
      // The first entry is the tempo above: song.json's tempoMap holds the changes after it.
      const changes = found.tempoMap.filter((entry) => entry.at > found.firstBeat + 1e-9);
      if (changes.length > 0) manifest.tempoMap = changes;
      notes.push(
        `tempo ${round(found.bpm)} in ${found.timeSignature.join("/")}` +
          changesText(changes.length) +
          ` detected from ${click} (confidence ${round(found.confidence)}` +
          (found.confidence < 0.5 ? ": low, check it by ear" : "") + ")",
      );
    }
  } else {
    notes.push(`no tempo: ${NO_TEMPO_HINT}`);
  }
  if (markers.length === 0) {
    const found = options.markersFrom
      ? {
        file: basename(options.markersFrom),
        markers: (await readWavMarkers(options.markersFrom)).markers,
      }
      : await stemMarkers(folder, names);
    if (found && found.markers.length > 0) {
      markers = found.markers;
      notes.push(`${markers.length} markers from ${found.file}`);
    } else notes.push("no markers found (none in a MIDI file or a WAV stem's cue points)");
  }
  manifest.tracks = names.map((file) => ({ file, bus: guessBus(file) }));
  if (markers.length > 0) manifest.markers = markers;
  return { manifest, notes };
}

const NO_TEMPO_HINT =
  'give --midi <file.mid> (a tempo map exported from the DAW), or add "tempo" ' +
  '(and "timeSignature", "firstBeat") to song.json by hand';

/** The detector's result, or undefined when it heard no steady beat (`NO_TEMPO`). */
async function detectOrUndefined(
  detect: NonNullable<DraftSongOptions["detectTempo"]>,
  path: string,
): Promise<DetectedTempoLike | undefined> {
  try {
    return await detect(path);
  } catch (error) {
    if (error instanceof StemplayError && error.code === "NO_TEMPO") return undefined;
    throw error;
  }
}

function changesText(count: number): string {
  return count === 0 ? "" : ` and ${count} tempo change${count === 1 ? "" : "s"}`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
