/**
 * The demo song: 24 seconds at 120 bpm (A minor, F, C, G), synthesised here so the demo
 * needs no downloads. Four stems, as a live rig has them: a click, a bass, a stereo pad and a
 * guide melody, written as 16-bit WAV files next to a song.json with levels, routing and
 * markers.
 *
 * @module
 */

import { encodeWav } from "../sources/wav.ts";
import { formatJson } from "../util/json_format.ts";
import { writeAtomic, writeTextAtomic } from "../util/write_atomic.ts";

/** How to write the demo song. */
export interface DemoSongOptions {
  /** Frames per second of the files. Default 48000. */
  sampleRate?: number;
  /** Outputs of the device it will play on: with 3 or more the click gets output 3 to
   * itself; with fewer it is panned hard left. Default 2. */
  outputs?: number;
}

const BPM = 120;
const BEATS_PER_BAR = 4;
const BARS = 12;
const SECONDS_PER_BEAT = 60 / BPM;
/** The demo's length in seconds. */
export const DEMO_SECONDS = BARS * BEATS_PER_BAR * SECONDS_PER_BEAT;

/** Chord roots in Hz (second octave) and the chord's notes as semitones above the root. */
const CHORDS = [
  { root: 110.0, notes: [0, 3, 7] }, // A minor
  { root: 87.31, notes: [0, 4, 7] }, // F major
  { root: 130.81, notes: [0, 4, 7] }, // C major
  { root: 98.0, notes: [0, 4, 7] }, // G major
];
/** The guide melody: one chord tone (index into notes, octave above the pad) per beat. */
const MELODY = [0, 1, 2, 1];

const MARKERS = [
  { name: "Intro", at: 0 },
  { name: "Verse", at: 4 * BEATS_PER_BAR * SECONDS_PER_BEAT },
  { name: "Chorus", at: 8 * BEATS_PER_BAR * SECONDS_PER_BEAT },
  { name: "Outro", at: 10 * BEATS_PER_BAR * SECONDS_PER_BEAT },
];

function semitones(frequency: number, steps: number): number {
  return frequency * Math.pow(2, steps / 12);
}

/** Adds a decaying sine burst starting at `start` seconds. */
function addTone(
  out: Float32Array,
  rate: number,
  start: number,
  seconds: number,
  frequency: number,
  amplitude: number,
  attack: number,
  decay: number,
) {
  const first = Math.round(start * rate);
  const count = Math.min(Math.round(seconds * rate), out.length - first);
  for (let i = 0; i < count; i++) {
    const t = i / rate;
    const envelope = Math.min(1, t / attack) * Math.exp(-t / decay) *
      Math.min(1, (count - i) / (0.005 * rate)); // a 5 ms release, so notes never click
    out[first + i] += amplitude * envelope * Math.sin(2 * Math.PI * frequency * t);
  }
}

function click(rate: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  for (let beat = 0; beat < BARS * BEATS_PER_BAR; beat++) {
    const accent = beat % BEATS_PER_BAR === 0;
    addTone(out, rate, beat * SECONDS_PER_BEAT, 0.05, accent ? 1500 : 1000, 0.8, 0.001, 0.012);
  }
  return out;
}

function bass(rate: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  const eighth = SECONDS_PER_BEAT / 2;
  for (let bar = 0; bar < BARS; bar++) {
    const root = CHORDS[bar % CHORDS.length].root / 2;
    for (let step = 0; step < BEATS_PER_BAR * 2; step++) {
      const start = bar * BEATS_PER_BAR * SECONDS_PER_BEAT + step * eighth;
      const note = step === 7 ? semitones(root, 7) : root;
      addTone(out, rate, start, eighth * 0.9, note, 0.5, 0.004, 0.25);
      addTone(out, rate, start, eighth * 0.9, note * 2, 0.15, 0.004, 0.12);
    }
  }
  return out;
}

function pad(rate: number, frames: number): Float32Array[] {
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  const barSeconds = BEATS_PER_BAR * SECONDS_PER_BEAT;
  for (let bar = 0; bar < BARS; bar++) {
    const chord = CHORDS[bar % CHORDS.length];
    for (const note of chord.notes) {
      const frequency = semitones(chord.root * 2, note);
      // Slightly detuned per side: a wide, slow pad.
      addTone(left, rate, bar * barSeconds, barSeconds, frequency * 0.997, 0.12, 0.4, 4);
      addTone(right, rate, bar * barSeconds, barSeconds, frequency * 1.003, 0.12, 0.4, 4);
    }
  }
  return [left, right];
}

function guide(rate: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  for (let beat = 4 * BEATS_PER_BAR; beat < BARS * BEATS_PER_BAR; beat++) {
    const chord = CHORDS[Math.floor(beat / BEATS_PER_BAR) % CHORDS.length];
    const note = chord.notes[MELODY[beat % MELODY.length]];
    const frequency = semitones(chord.root * 4, note);
    addTone(out, rate, beat * SECONDS_PER_BEAT, SECONDS_PER_BEAT * 0.8, frequency, 0.35, 0.02, 0.6);
  }
  return out;
}

/**
 * Writes the demo song into `folder` (which must exist) and returns the manifest's path.
 *
 * @param folder where click.wav, bass.wav, pad.wav, guide.wav and song.json go
 */
export async function writeDemoSong(
  folder: string,
  options: DemoSongOptions = {},
): Promise<string> {
  const rate = options.sampleRate ?? 48000;
  const outputs = options.outputs ?? 2;
  const frames = Math.round(DEMO_SECONDS * rate);
  const stems: [string, Float32Array[]][] = [
    ["click.wav", [click(rate, frames)]],
    ["bass.wav", [bass(rate, frames)]],
    ["pad.wav", pad(rate, frames)],
    ["guide.wav", [guide(rate, frames)]],
  ];
  for (const [file, channels] of stems) {
    await writeAtomic(`${folder}/${file}`, encodeWav(channels, rate, "s16"));
  }
  const clickRoute = outputs >= 3 ? { route: [3] } : { pan: -1 };
  const manifest = {
    title: "stemplay demo",
    sampleRate: rate,
    // The tempo gives bars and beats: jumps on the bar, vamps and a count-in work in the demo.
    tempo: BPM,
    timeSignature: [4, 4],
    ...(outputs >= 3 ? { clickRoute: [3] } : {}),
    tracks: [
      { file: "click.wav", name: "Click", gainDb: -6, ...clickRoute },
      { file: "bass.wav", name: "Bass", gainDb: -3 },
      { file: "pad.wav", name: "Pad", gainDb: -4 },
      { file: "guide.wav", name: "Guide", gainDb: -8 },
    ],
    markers: MARKERS,
  };
  const path = `${folder}/song.json`;
  await writeTextAtomic(path, formatJson(manifest));
  return path;
}
