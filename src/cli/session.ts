/**
 * A play session: the player, the loaded song, the selected track and what the last key did.
 * The terminal screen, the keys and the plain reporter all work through it.
 *
 * @module
 */

import type { Player } from "../player.ts";
import type { Track } from "../track.ts";
import { dbToGain } from "../track.ts";
import { formatDb } from "./format.ts";
import type { LatencyStats } from "../stats.ts";
import type { LoadedSong, Marker } from "./song_source.ts";
import { ShowControls } from "./show_controls.ts";

/** Seconds that ← and → jump. */
export const SEEK_STEP_SECONDS = 5;
/** dB that + and − change the selected track's gain by. */
export const GAIN_STEP_DB = 1;
/** Lowest gain − goes to before it mutes the level entirely (-inf). */
const MIN_GAIN_DB = -60;
/** Highest gain + goes to. */
const MAX_GAIN_DB = 24;
/** Pressing [ within this many seconds after a marker goes to the one before it. */
const MARKER_BACK_GRACE = 1;
/** How fast a meter falls after a peak, in dB per second. */
const METER_FALL_DB_PER_SECOND = 24;

/** The player, the song and the operator's choices during `play`. */
export class PlaySession {
  /** The player the song plays on. */
  readonly player: Player;
  /** Index into `player.tracks` of the track the keys act on. */
  selected = 0;
  /** What the last key did, shown on the screen's message line. */
  message = "";
  /** The show keys (setlist songs, jumps, loops, count-in, fade). */
  readonly show: ShowControls;
  #song: LoadedSong;
  /** Each track's gain before the keys first changed it (0 goes back to it). */
  #initialGains = new WeakMap<Track, number>();
  #levels: number[] = [];
  #lastMeterAt = 0;

  /** @param player a player with the song loaded @param song its title and markers */
  constructor(player: Player, song: LoadedSong) {
    this.player = player;
    this.#song = song;
    this.show = new ShowControls(this);
  }

  /** The song's title and markers: with a setlist, the setlist's current song. */
  get song(): LoadedSong {
    if (!this.player.setlist) return this.#song;
    return { title: this.player.title, markers: this.player.markers };
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

  /** r: after the device was lost, open it again and play on from where it stopped. */
  async reopenDevice(): Promise<void> {
    if (this.player.state !== "error") {
      this.message = "the device is fine: nothing to reopen";
      return;
    }
    await this.player.reopen();
    this.message = "device reopened";
  }

  /** Space: play when paused, stopped or ended; pause when playing. */
  togglePlay(): void {
    if (this.player.state === "playing") {
      this.player.pause();
      this.message = "paused";
    } else {
      this.player.play();
      this.message = "playing";
    }
  }

  /** ← and →: jump by `seconds`, clamped to the song. */
  seekBy(seconds: number): void {
    const target = Math.min(this.player.duration, Math.max(0, this.player.position + seconds));
    this.player.seek(target);
    this.message = `seek ${seconds > 0 ? "+" : ""}${seconds} s`;
  }

  /** Home: back to the start. */
  toStart(): void {
    this.player.seek(0);
    this.message = "to start";
  }

  /** ]: the next marker after the position. */
  nextMarker(): void {
    const position = this.player.position;
    const next = this.sortedMarkers().find((marker) => marker.at > position + 0.05);
    if (next) this.#goTo(next);
    else this.message = "no marker after here";
  }

  /** [: the marker before the position (or the one before that when just past it). */
  previousMarker(): void {
    const position = this.player.position;
    const earlier = this.sortedMarkers().filter((m) => m.at < position - MARKER_BACK_GRACE);
    const previous = earlier.at(-1);
    if (previous) this.#goTo(previous);
    else this.toStart();
  }

  #goTo(marker: Marker): void {
    this.player.seek(Math.min(marker.at, this.player.duration));
    this.message = `marker ${marker.name}`;
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

  /** m: mute or unmute the selected track. */
  toggleMute(): void {
    const track = this.track;
    if (!track) return;
    track.muted = !track.muted;
    this.message = `${track.name} ${track.muted ? "muted" : "unmuted"}`;
  }

  /** s: solo or unsolo the selected track. */
  toggleSolo(): void {
    const track = this.track;
    if (!track) return;
    track.solo = !track.solo;
    this.message = `${track.name} ${track.solo ? "soloed" : "unsoloed"}`;
  }

  /** + and −: change the selected track's gain by `db`. */
  changeGain(db: number): void {
    const track = this.track;
    if (!track) return;
    if (!this.#initialGains.has(track)) this.#initialGains.set(track, track.gain);
    const current = track.gain > 0 ? track.gainDb : MIN_GAIN_DB - GAIN_STEP_DB;
    const next = Math.min(MAX_GAIN_DB, Math.round(current + db));
    track.gain = next < MIN_GAIN_DB ? 0 : dbToGain(next);
    this.message = `${track.name} ${formatDb(track.gain)}`;
  }

  /** 0: the selected track back to the gain the song gave it. */
  resetGain(): void {
    const track = this.track;
    if (!track) return;
    track.gain = this.#initialGains.get(track) ?? track.gain;
    this.message = `${track.name} back to ${formatDb(track.gain)}`;
  }

  /** l: the latency monitor on or off, live. */
  toggleMonitor(): void {
    const on = !this.player.latencyMonitor;
    this.player.latencyMonitor = on;
    if (on) this.player.resetLatencyStats();
    this.message = `latency monitor ${on ? "on" : "off"}`;
  }

  /** The monitor's figures, or undefined when it is off. */
  latency(): LatencyStats | undefined {
    return this.player.latencyMonitor ? this.player.latencyStats() : undefined;
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
