/**
 * MIDI out at another speed (issues 26 × 24): a song's MIDI is read from its files in the
 * recording's time, and MIDI out must play it on the stretched timeline, as the audio and the
 * markers are. Every message's time (`midiEvents` at seconds and at markers, a note's end,
 * MIDI-file tracks) is divided by the speed exactly as a marker's is, so an event placed at a
 * marker lands on that marker's frame; the clock takes the stretched tempo map.
 *
 * @module
 */

import type { TempoSegment } from "../model/tempo.ts";
import type { SongMidi } from "./midi_events.ts";

/** `midi` on the timeline of its song at `speed`, whose stretched tempo map is `tempo`
 * (src/songs/stretched_song.ts `stretchedTimeline`). The same object at speed 1. */
export function stretchedMidi(midi: SongMidi, tempo: TempoSegment[], speed: number): SongMidi {
  if (speed === 1) return midi;
  return { tempo, events: midi.events.map((event) => ({ ...event, at: event.at / speed })) };
}
