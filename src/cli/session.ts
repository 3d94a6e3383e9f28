/**
 * A play session: the player, the loaded song, the selected track and what the last key did.
 * The terminal screen, the keys and the plain reporter all work through it.
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import type { Track } from "../engine/track.ts";
import type { LatencyStats } from "../engine/stats.ts";
import type { LoadedSong, Marker } from "./song_source.ts";
import { ShowControls } from "./show_controls.ts";
import { ControlSurface } from "../control/surface.ts";
import type { MidiLearn } from "./midi_learn.ts";
import type { ActivityLight } from "./activity_light.ts";
import type { Action } from "../control/actions.ts";

/** Seconds that ← and → jump. */
export const SEEK_STEP_SECONDS = 5;
/** dB that + and − change the selected track's gain by. */
export const GAIN_STEP_DB = 1;
/** How fast a meter falls after a peak, in dB per second. */
const METER_FALL_DB_PER_SECOND = 24;

/** Names of the tracks that are the band's guides, not its music. */
const GUIDE_TRACK = /click|count|guide|cue|ltc|timecode|smpte/i;

/** The first music stem: a stray m or - must never mute or lower the band's click, so the
 * selection starts past the tracks on a protected (in-ear) bus and the guides by name. */
function firstMusicTrack(player: Player): number {
  const isProtected = (track: Track) =>
    track.bus !== undefined && player.buses.some((bus) => bus.name === track.bus && bus.protected);
  const index = player.tracks.findIndex((track) =>
    !isProtected(track) && !GUIDE_TRACK.test(track.name)
  );
  return Math.max(0, index);
}

/** The player, the song and the operator's choices during `play`. */
export class PlaySession {
  /** The player the song plays on. */
  readonly player: Player;
  /** Index into `player.tracks` of the track the keys act on. */
  selected = 0;
  /** Index into `player.buses` of the bus `{` `}` step (-1: none picked yet; src/cli/bus_keys.ts). */
  busIndex = -1;
  /** What the last key did, shown on the screen's message line. */
  message = "";
  /** The page of key help shown when it does not fit (`?` turns it). */
  helpPage = 0;
  #outputLevels: number[] = [];
  #lastOutputMeterAt = 0;
  /** Quit (q, Ctrl-C) asked for a second press during playback: from when and until when
   * (performance.now()), and the question it put on the message line. The other keys' questions
   * are the control layer's (`asked`). */
  confirm?: { id: string; since: number; until: number; question: string };
  /** The screen's show state (a pending j, the beat grid). */
  readonly show: ShowControls;
  /** The operator actions every key goes through (shared with any other surface). */
  readonly control: ControlSurface;
  /** MIDI learn (`L`), when a MIDI input runs. */
  learn?: MidiLearn;
  /** The MIDI light on the status line, when a MIDI input runs. */
  midiLight?: ActivityLight;
  /** Songs of the setlist that cannot load, by index: their error (the screen marks them, and
   * going to one is refused with it). */
  songErrors: Map<number, string> = new Map();
  /** The settings file the player was opened with (undefined: none, the defaults). */
  settingsFile?: string;
  /** The resume line under the screen: the offer (R), or why a journal was ignored. */
  resumeLine?: string;
  /** R: go back to where the last run left (see resume_journal.ts); what it did. */
  resumeOffer?: () => Promise<string>;
  #song: LoadedSong;
  #question?: string;
  readonly #stopHearing: () => void;
  #levels: number[] = [];
  #lastMeterAt = 0;

  /** @param player a player with the song loaded @param song its title and markers */
  constructor(player: Player, song: LoadedSong) {
    this.player = player;
    this.#song = song;
    this.control = ControlSurface.for(player);
    // What the phone, OSC or MIDI did shows on the message line, the surface named (the keys
    // say what they did themselves).
    this.#stopHearing = this.control.onAction((event) => {
      if (event.source !== "keys") this.message = `${event.source}: ${event.message}`;
    });
    this.show = new ShowControls(this);
    this.selected = firstMusicTrack(player);
  }

  /** Ends the session: it no longer hears the other surfaces' actions. Idempotent. */
  close(): void {
    this.#stopHearing();
  }

  /** The song's title and markers: with a setlist, the setlist's current song. The markers
   * are the player's: a tempo change (`t`/`T`) moves them. */
  get song(): LoadedSong {
    if (!this.player.setlist) return { ...this.#song, markers: this.player.markers };
    return { title: this.player.title, markers: this.player.markers };
  }

  /** A key's question waiting in the control layer (shown on every screen as "keys: …"). */
  asked(question: string): void {
    this.#question = question;
  }

  /** Ends a question whose window has passed (or that was answered), and takes it off the
   * message line. */
  expirePrompt(now = performance.now()): void {
    if (this.#question && this.control.notice !== `keys: ${this.#question}`) {
      if (this.message === this.#question) this.message = "";
      this.#question = undefined;
    }
    if (!this.confirm || now <= this.confirm.until) return;
    if (this.message === this.confirm.question) this.message = "";
    this.confirm = undefined;
  }

  /** Why `action` (next, previous, goto) is refused here: it goes to a song that cannot load. */
  unavailableSong(action: Action): string | undefined {
    const list = this.player.setlist;
    if (!list || this.songErrors.size === 0) return undefined;
    let index: number;
    if (action.type === "next") index = list.index + 1;
    else if (action.type === "previous") index = list.index - 1;
    else if (action.type === "goto") {
      index = typeof action.song === "number"
        ? action.song - 1
        : list.songs.findIndex((s) => s.title.toLowerCase() === String(action.song).toLowerCase());
    } else return undefined;
    const error = this.songErrors.get(index);
    if (error === undefined) return undefined;
    return `refused: song ${index + 1} ${list.songs[index].title} cannot load: ${error}`;
  }

  /** The selected track, if there is one. */
  get track(): Track | undefined {
    return this.player.tracks[this.selected];
  }

  /** The marker the position is in (the last one at or before it). */
  markerAt(seconds: number): Marker | undefined {
    let current: Marker | undefined;
    for (const marker of this.sortedMarkers()) if (marker.at <= seconds + 1e-6) current = marker;
    return current;
  }

  /** Markers in time order. */
  sortedMarkers(): Marker[] {
    return [...this.song.markers].sort((a, b) => a.at - b.at);
  }

  /** 1–9: select a track by its number. */
  select(number: number): void {
    if (number >= 1 && number <= this.player.tracks.length) {
      this.selected = number - 1;
      this.message = `track ${number} ${this.player.tracks[number - 1].name} selected`;
    } else {
      this.message = `no track ${number}`;
    }
  }

  /** The monitor's figures, or undefined when it is off. */
  latency(): LatencyStats | undefined {
    return this.player.latencyMonitor ? this.player.latencyStats() : undefined;
  }

  /** Up, down and Tab: the selection moves by `by` tracks (Tab wraps around). */
  moveSelection(by: number, wrap = false): void {
    const count = this.player.tracks.length;
    if (count === 0) return;
    const next = this.selected + by;
    this.selected = wrap ? (next + count) % count : Math.max(0, Math.min(count - 1, next));
    this.message = `track ${this.selected + 1} ${this.player.tracks[this.selected].name} selected`;
  }

  /** Per-output meter levels (linear), index 0 = output 1, falling like the track meters. */
  outputLevels(now = performance.now()): number[] {
    const peaks = this.player.readOutputPeaks();
    const seconds = this.#lastOutputMeterAt ? (now - this.#lastOutputMeterAt) / 1000 : 0;
    this.#lastOutputMeterAt = now;
    const fall = Math.pow(10, -METER_FALL_DB_PER_SECOND * seconds / 20);
    this.#outputLevels = peaks.map((peak, index) =>
      Math.max(peak, (this.#outputLevels[index] ?? 0) * fall)
    );
    return this.#outputLevels;
  }

  /** Per-track meter levels (linear), peaks from the callback with a falling decay. */
  meterLevels(now = performance.now()): number[] {
    const peaks = this.player.readPeaks();
    const seconds = this.#lastMeterAt ? (now - this.#lastMeterAt) / 1000 : 0;
    this.#lastMeterAt = now;
    const fall = Math.pow(10, -METER_FALL_DB_PER_SECOND * seconds / 20);
    this.#levels = peaks.map((peak, index) => Math.max(peak, (this.#levels[index] ?? 0) * fall));
    return this.#levels;
  }
}
