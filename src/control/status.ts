/**
 * What a remote needs to show the operator, read from a player in one call: a plain,
 * JSON-safe snapshot. Numbers an operator sees count from 1 (tracks, songs, markers).
 *
 * @module
 */

import { keyTempoText } from "./key_tempo_actions.ts";
import { formatMidiBytes, midiOutputOf } from "./midi_out.ts";
import { lastSentWords } from "./midi_describe.ts";
import { type SpokenCuesStatus, spokenCuesStatus } from "./spoken_cues_switch.ts";
import { basename } from "node:path";
import type { Player, PlayerState } from "../player/player.ts";
import { barBeatAt, beatGrid } from "../model/tempo.ts";
import type { Marker } from "../model/marker.ts";
import { type SyncHealth, syncHealthOf } from "./sync_registry.ts";

/** A marker as the operator sees it. */
export interface MarkerStatus {
  /** From 1, as `jump` takes it. */
  number: number;
  /** Its name. */
  name: string;
  /** Seconds from the song's start. */
  at: number;
}

/** One track's row. */
export interface TrackStatus {
  /** From 1, as the screen shows it and `mute`/`solo`/`trackGain` take it. */
  number: number;
  /** Its name. */
  name: string;
  /** Linear gain (1 = unity). */
  gain: number;
  /** Gain in dB (-Infinity for silence). */
  gainDb: number;
  /** Muted. */
  muted: boolean;
  /** Soloed. */
  solo: boolean;
  /** The bus the track plays on (undefined: its route reaches no single bus). */
  bus?: string;
  /** The bus was guessed from the file's name (a folder song). */
  busGuessed: boolean;
  /** False: the stem keeps its key when the song is transposed (`Track.pitched`). */
  pitched: boolean;
  /** `pitched` was guessed from the file's name (a folder song). */
  pitchedGuessed: boolean;
}

/** One bus of the rig profile. */
export interface BusStatus {
  /** Its name. */
  name: string;
  /** Outputs from 1. */
  outputs: number[];
  /** Ignores solo and show fades (the in-ears). */
  protected: boolean;
  /** False when the device lacks its outputs: its tracks are muted. */
  available: boolean;
  /** Linear gain (1 = unity). */
  gain: number;
  /** Gain in dB. */
  gainDb: number;
  /** Its delay in ms (docs/bus_delay.md); 0 undelayed. */
  delayMs: number;
}

/** The state of one show, as a remote shows it. */
export interface ControlStatus {
  /** The transport's state ("error": the device was lost). */
  state: PlayerState;
  /** Seconds of song time (the recording's, whatever the speed); negative during a count-in
   * (seconds until the song starts). */
  position: number;
  /** The song's length in seconds of song time (the recording's length). */
  duration: number;
  /** Seconds left in the song, in real time (what the audience waits at the speed set). */
  remaining: number;
  /** Where the position is, "bar.beat" (e.g. "9.1"), when the song has a tempo. */
  barBeat?: string;
  /** The current song. `number` and `of` only with a setlist. */
  song: { title: string; number?: number; of?: number };
  /** The marker the position is in. */
  marker?: MarkerStatus;
  /** The next marker after the position. */
  nextMarker?: MarkerStatus;
  /** Every marker of the song, in the song's order (a remote's section buttons). */
  markers: MarkerStatus[];
  /** Bars until the next marker (1: it starts at the next bar line), with a tempo. */
  barsToNextSection?: number;
  /** The setlist's next song, if there is one. `ready`: decoded and its transition armed. */
  nextSong?: { number: number; title: string; ready: boolean; error?: string };
  /** The loop playing. `leaving`: Enter was pressed, this is its last pass. */
  loop?: { start: number; end: number; leaving: boolean };
  /** A jump armed and not yet taken (cancel it with `cancelJump`). */
  scheduledJump?: { marker?: MarkerStatus; at: number };
  /** Bars of count-in before the next play from a stop (0: off). */
  countIn: number;
  /** Whether the device works, and problems the operator must see. */
  health: {
    device: "ok" | "lost";
    deviceName: string;
    backend: string;
    /** Samples clamped to ±1.0 on the outputs since the player opened (all outputs together):
     * more than 0 means the show was too loud somewhere. */
    clipped: number;
    /** Problems in words, loudest first (a lost device, a bus without outputs, a song that
     * cannot load). Empty when all is well. */
    problems: string[];
    /** The sync feed, when this rig serves or follows one (docs/two-rigs.md). */
    sync?: SyncHealth;
  };
  /** The master gain, after the mix (see the `masterGain` action). */
  master: { gain: number; gainDb: number };
  /** The song's key in semitones, as set (the `transpose` action; docs/key_tempo.md). */
  transpose: number;
  /** The song's tempo ratio, as set (the `speed` action; 1 = as recorded). */
  speed: number;
  /** Key and tempo as the screen says them: "key +2  tempo 108 bpm (90%)", with "(preparing)"
   * while the song is prepared at them; "" when as recorded. */
  keyTempo: string;
  /** Each output's peak (linear, 1 = full scale) since the last reading, index 0 = output 1;
   * only when asked for (the web remote's feed) while the player's `metering` is on. */
  outputPeaks?: number[];
  /** A destructive action waiting for its confirmation ("phone: tap again to stop"), shown
   * on every screen until it is confirmed or its 2 s have passed. */
  notice?: string;
  /** Every track of the song, in screen order. */
  tracks: TrackStatus[];
  /** Every bus of the rig profile. */
  buses: BusStatus[];
  /** The setlist, when one is loaded. */
  setlist?: { title: string; songs: { number: number; title: string }[]; current: number };
  /** MIDI out, when it is open: its JACK port, whether clock is sent, and the last song
   * message sent (its first bytes in hex, "C0 05"). */
  midiOut?: {
    port: string;
    clock: boolean;
    lastEvent?: string;
    /** The last song message in words and where in its song it belongs ("program 5 ch 1 at
     * 0:00.0"). */
    lastSent?: string;
  };
  /** The current song's spoken cues: there, heard, or why not (docs/spoken_cues.md). */
  spokenCues: SpokenCuesStatus;
}

/** The marker the position is in: the last one at or before it. */
export function markerAt(markers: readonly Marker[], seconds: number): MarkerStatus | undefined {
  let found: MarkerStatus | undefined;
  markers.forEach((marker, index) => {
    if (marker.at <= seconds + 1e-6 && (!found || marker.at >= found.at)) {
      found = { number: index + 1, name: marker.name, at: marker.at };
    }
  });
  return found;
}

/** The first marker after the position. */
export function markerAfter(
  markers: readonly Marker[],
  seconds: number,
): MarkerStatus | undefined {
  let found: MarkerStatus | undefined;
  markers.forEach((marker, index) => {
    if (marker.at > seconds + 1e-6 && (!found || marker.at < found.at)) {
      found = { number: index + 1, name: marker.name, at: marker.at };
    }
  });
  return found;
}

/** Reads everything a remote shows, in one snapshot. With `outputPeaks` (and the player's
 * `metering` on) it reads the outputs' peaks too, which resets them: one reader only (the web
 * remote's feed), or readers share the peaks between them. */
export function readStatus(player: Player, options: { outputPeaks?: boolean } = {}): ControlStatus {
  player.assertOpen("read the status");
  // One read of the callback's status: state, position and the loop's last pass all come from
  // the same block (three reads could straddle a block, or a song change).
  const snapshot = player.engineContext.readStatus();
  const { state, positionFrames } = player.songPositionAt(snapshot); // song time
  const lost = state === "error";
  const position = positionFrames / player.sampleRate;
  const duration = player.duration;
  const markers = player.markers;
  const rate = player.sampleRate;
  const tempo = player.tempo;
  const grid = tempo.length ? beatGrid(tempo, player.durationFrames, rate) : undefined;
  const barOf = (seconds: number) =>
    grid && seconds >= 0 ? barBeatAt(grid, Math.round(seconds * rate)) : undefined;
  const here = barOf(position);
  const marker = markerAt(markers, Math.max(0, position));
  const nextMarker = markerAfter(markers, Math.max(0, position));
  let barsToNextSection: number | undefined;
  if (nextMarker && grid) {
    const target = barOf(nextMarker.at);
    if (target) barsToNextSection = Math.max(0, target.bar - (here?.bar ?? 0));
  }
  const setlist = player.setlist;
  const nextEntry = setlist?.songs[setlist.index + 1];
  const loopRange = player.loopRange;
  const leaving = loopRange ? undefined : player.leavingLoop;
  const loop = loopRange
    ? { ...loopRange, leaving: false }
    : leaving && { ...leaving, leaving: true };
  const jump = player.scheduledJump;
  const problems: string[] = [];
  if (lost) problems.push(`the audio device ${player.deviceName} was lost`);
  problems.push(...player.busProblems);
  // From the streams themselves: `player.health` would read the callback's status again.
  const cutShort = player.engineContext.streams?.starvedFiles() ?? [];
  if (cutShort.length) {
    // Names only: a remote is no place for the machine's paths.
    problems.push(
      `silent from where the file ends early (cut short on disk): ${
        cutShort.map((path) => basename(path)).join(", ")
      }`,
    );
  }
  if (setlist?.nextError) problems.push(`the next song cannot load: ${setlist.nextError}`);
  return {
    state,
    position,
    duration,
    // Real time: the song time left, heard at the timeline's speed.
    remaining: Math.max(0, duration - Math.max(0, position)) / player.timelineSpeed,
    barBeat: here && `${here.bar}.${here.beat}`,
    song: setlist
      ? { title: player.title, number: setlist.index + 1, of: setlist.songs.length }
      : { title: player.title },
    marker,
    nextMarker,
    markers: markers.map((m, index) => ({ number: index + 1, name: m.name, at: m.at })),
    barsToNextSection,
    nextSong: nextEntry && {
      number: setlist!.index + 2,
      title: nextEntry.title,
      ready: setlist!.nextReady,
      error: setlist!.nextError,
    },
    loop,
    scheduledJump: jump && {
      marker: markerAt(markers, jump.target),
      at: jump.at,
    },
    countIn: player.countIn,
    health: {
      device: lost ? "lost" : "ok",
      deviceName: player.deviceName,
      backend: player.backendName,
      clipped: player.clippedSamples.reduce((sum, count) => sum + count, 0),
      problems,
      sync: syncHealthOf(player),
    },
    master: {
      gain: player.masterGain,
      gainDb: player.masterGain > 0 ? 20 * Math.log10(player.masterGain) : -Infinity,
    },
    transpose: player.transpose,
    speed: player.speed,
    keyTempo: keyTempoText(player),
    outputPeaks: options.outputPeaks && player.metering && !lost
      ? player.readOutputPeaks()
      : undefined,
    tracks: player.tracks.map((track, index) => ({
      number: index + 1,
      name: track.name,
      gain: track.gain,
      gainDb: track.gain > 0 ? track.gainDb : -Infinity,
      muted: track.muted,
      solo: track.solo,
      bus: track.bus,
      busGuessed: track.busGuessed,
      pitched: track.pitched,
      pitchedGuessed: track.pitchedGuessed,
    })),
    buses: player.buses.map((bus) => ({
      name: bus.name,
      outputs: [...bus.outputs],
      protected: bus.protected,
      available: bus.available,
      gain: bus.gain,
      gainDb: bus.gain > 0 ? bus.gainDb : -Infinity,
      delayMs: bus.delayMs,
    })),
    setlist: setlist && {
      title: setlist.title,
      songs: setlist.songs.map((song, index) => ({ number: index + 1, title: song.title })),
      current: setlist.index + 1,
    },
    midiOut: midiOutStatus(player),
    spokenCues: spokenCuesStatus(player),
  };
}

function midiOutStatus(player: Player): ControlStatus["midiOut"] {
  const output = midiOutputOf(player);
  if (!output) return undefined;
  const last = output.last; // one read: the message and its place together
  return {
    port: output.port,
    clock: output.clock,
    lastEvent: last && formatMidiBytes(last.event),
    lastSent: last && lastSentWords(last.event, last.at),
  };
}
