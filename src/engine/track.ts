/**
 * A track: one stem in the engine's track table, with its level, mute, solo, pan and routing.
 * Setting a property sends it to the audio thread, which ramps to it across the next block.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { unwrap } from "../native/native.ts";
import { checkPan, routeMatrix } from "./routing.ts";
import { checkGain, gainFromDb, gainToDb } from "./levels.ts";
import type { TrackSource } from "../sources/audio.ts";
import type { TrackOptions } from "./track_options.ts";
import type { Engine } from "./engine.ts";
import { checkPitched, HAND_ADDED_PITCH, type PitchOwner, type TrackPitch } from "./track_pitch.ts";

export type { TrackOptions } from "./track_options.ts";

/** What owns a track: removing one goes through it (the current song lets go of it), and so
 * does a change of its `pitched` flag (src/engine/track_pitch.ts). */
export interface TrackOwner extends PitchOwner {
  detach(track: Track): Promise<void>;
}

export { checkGain, dbToGain, gainFromDb, gainToDb } from "./levels.ts";

/** The starting gain from options, checked. */
export function initialGain(options: TrackOptions): number {
  if (options.gainDb !== undefined) return checkGain(gainFromDb(options.gainDb));
  return checkGain(options.gain ?? 1);
}

/** One stem in the engine. Create tracks with `player.load()` or `player.addTrack()`. */
export class Track {
  /** The slot in the engine's track table. */
  readonly slot: number;
  /** Channels of the track's audio. */
  readonly channelCount: number;
  /** Length in frames at the engine's rate. */
  readonly frames: number;
  /** The file it came from, if any. */
  readonly path?: string;
  /**
   * What the file was, for tracks loaded from a file: its format, its own sample rate and
   * channels, and `converted: true` when its rate differs from the engine's (it was resampled
   * at load). Undefined for tracks made in memory (`addTrack`, the generated click).
   */
  readonly source?: TrackSource;
  #engine: Engine;
  #owner: TrackOwner;
  #name: string;
  #gain: number;
  #pan: number;
  #muted: boolean;
  #solo: boolean;
  #route?: number[];
  #routeGains?: number[][];
  #bus?: string;
  #busGuessed: boolean;
  #pitch: TrackPitch = HAND_ADDED_PITCH;
  #removed = false;

  /** @internal Used by the player; applies and checks every option before it returns. */
  constructor(
    engine: Engine,
    owner: TrackOwner,
    slot: number,
    info: { channels: number; frames: number; path?: string; name: string; source?: TrackSource },
    options: TrackOptions,
  ) {
    this.#engine = engine;
    this.#owner = owner;
    this.slot = slot;
    this.channelCount = info.channels;
    this.frames = info.frames;
    this.path = info.path;
    this.source = info.source ? { ...info.source } : undefined;
    this.#name = info.name;
    this.#gain = initialGain(options);
    this.#pan = checkPan(options.pan ?? 0);
    this.#muted = options.muted ?? false;
    this.#solo = options.solo ?? false;
    this.#route = options.route ? [...options.route] : undefined;
    this.#routeGains = options.routeGains?.map((row) => [...row]);
    this.#bus = options.bus;
    this.#busGuessed = options.busGuessed === true && options.bus !== undefined;
    this.#sendRoute(this.#route, this.#routeGains, this.#pan);
    this.#send("set gain", engine.native.sp_track_set_gain(engine.pointer, slot, this.#gain));
    this.#send("mute", engine.native.sp_track_set_mute(engine.pointer, slot, this.#muted ? 1 : 0));
    this.#send("solo", engine.native.sp_track_set_solo(engine.pointer, slot, this.#solo ? 1 : 0));
  }

  /** The track's name. */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    this.#name = String(value);
  }

  /** The bus the track plays on (undefined: none, its route reaches no single bus). */
  get bus(): string | undefined {
    return this.#bus;
  }

  /** Whether the bus was guessed from the file's name (folder songs). */
  get busGuessed(): boolean {
    return this.#busGuessed;
  }

  /**
   * False keeps the stem's key when the song is transposed (click, guide, drums, percussion);
   * it still follows the speed. From the song (song.json `tracks[i].pitched`, or the folder's
   * guess), true for a track added by hand, false for the tracks a song generates (click,
   * timecode, spoken cues: made at its tempo, never shifted). Setting it on a song's stem at
   * another transpose prepares the song again, as a key change does (`player.keyTempoReady()`;
   * while playing it is crossfaded in); at transpose 0 it is only recorded. It stays through
   * later key changes of the song, and a song change resets it. Setting the value it has does
   * nothing.
   * @throws {StemplayError} "INVALID_ARGUMENT" for anything but a boolean; "UNSUPPORTED" on a
   * track added by hand or generated; "STRETCH_UNAVAILABLE" without Rubber Band; the flag stays
   */
  get pitched(): boolean {
    return this.#pitch.pitched;
  }
  set pitched(value: boolean) {
    const pitched = checkPitched(value, this.#name);
    this.#check("set pitched");
    if (pitched === this.#pitch.pitched) return;
    if (this.#pitch.fixed) {
      throw new StemplayError(
        "UNSUPPORTED",
        `cannot set pitched on track "${this.#name}": ${this.#pitch.fixed}`,
      );
    }
    if (!this.#owner.changePitched) {
      throw new StemplayError("UNSUPPORTED", `track "${this.#name}" has no song to prepare again`);
    }
    this.#owner.changePitched(this.#pitch.stem, pitched, this.#name);
    this.#pitch = { ...this.#pitch, pitched, guessed: false };
  }

  /** Whether `pitched` was guessed from the file's name (a folder song), not set. */
  get pitchedGuessed(): boolean {
    return this.#pitch.guessed;
  }

  /** @internal Where the `pitched` flag came from (the song that made the track). */
  setPitch(pitch: TrackPitch): void {
    this.#pitch = { ...pitch };
  }

  /** @internal The song stem the track is (its name as described); undefined: none. */
  get pitchStem(): string | undefined {
    return this.#pitch.stem;
  }

  /** Duration in seconds at the engine's rate. */
  get duration(): number {
    return this.frames / this.#engine.sampleRate;
  }

  /** True once the track was removed or its player closed. */
  get removed(): boolean {
    return this.#removed;
  }

  /** Linear gain (1 = unity), 0 .. MAX_GAIN (+12 dB).
   * @throws {StemplayError} "INVALID_ARGUMENT" above that, or for NaN or Infinity; the gain
   * stays as it was */
  get gain(): number {
    return this.#gain;
  }
  set gain(value: number) {
    this.#check("set gain");
    const gain = checkGain(value, `track "${this.#name}" gain`);
    this.#send(
      "set gain",
      this.#engine.native.sp_track_set_gain(this.#engine.pointer, this.slot, gain),
    );
    this.#gain = gain;
  }

  /** Gain in dB, at most +12 (MAX_GAIN_DB).
   * @throws {StemplayError} "INVALID_ARGUMENT" above that, or for NaN; the gain stays as it was */
  get gainDb(): number {
    return gainToDb(this.#gain);
  }
  set gainDb(value: number) {
    this.gain = gainFromDb(value, `track "${this.#name}" gainDb`);
  }

  /** Muted: silent, but still playing in time. */
  get muted(): boolean {
    return this.#muted;
  }
  set muted(value: boolean) {
    this.#check("mute");
    this.#send(
      "mute",
      this.#engine.native.sp_track_set_mute(this.#engine.pointer, this.slot, value ? 1 : 0),
    );
    this.#muted = Boolean(value);
  }

  /** Any soloed track silences every track that is not soloed. */
  get solo(): boolean {
    return this.#solo;
  }
  set solo(value: boolean) {
    this.#check("solo");
    this.#send(
      "solo",
      this.#engine.native.sp_track_set_solo(this.#engine.pointer, this.slot, value ? 1 : 0),
    );
    this.#solo = Boolean(value);
  }

  /** -1 (left) .. 1 (right). */
  get pan(): number {
    return this.#pan;
  }
  set pan(value: number) {
    this.#check("pan");
    const pan = checkPan(value);
    this.#sendRoute(this.#route, this.#routeGains, pan);
    this.#pan = pan;
  }

  /** Output numbers from 1 (undefined: the default route or routeGains). */
  get route(): number[] | undefined {
    return this.#route ? [...this.#route] : undefined;
  }
  set route(value: number[] | undefined) {
    this.#check("route");
    const route = value ? [...value] : undefined;
    this.#sendRoute(route, undefined, this.#pan);
    this.#route = route;
    this.#routeGains = undefined;
  }

  /** Explicit gain matrix, one row per channel, one gain per output, each within ±MAX_GAIN.
   * @throws {StemplayError} "INVALID_ARGUMENT" for an entry outside that (the routing stays
   * as it was), "ROUTE" for a matrix of the wrong shape */
  get routeGains(): number[][] | undefined {
    return this.#routeGains?.map((row) => [...row]);
  }
  set routeGains(value: number[][] | undefined) {
    this.#check("routeGains");
    const gains = value?.map((row) => [...row]);
    this.#sendRoute(gains ? undefined : this.#route, gains, this.#pan);
    this.#routeGains = gains;
    if (gains) this.#route = undefined;
  }

  /** Removes the track from the engine and frees its memory once the audio thread is past it. */
  async remove(): Promise<void> {
    if (this.#removed) return;
    this.#check("remove");
    await this.#owner.detach(this);
  }

  /** @internal Marks the track as gone (removed or player closed). */
  markRemoved(): void {
    this.#removed = true;
  }

  #sendRoute(route: number[] | undefined, routeGains: number[][] | undefined, pan: number) {
    const matrix = routeMatrix(this.channelCount, this.#engine.channels, {
      route,
      routeGains,
      pan,
    });
    this.#send(
      "set route",
      this.#engine.native.sp_track_set_route(
        this.#engine.pointer,
        this.slot,
        matrix,
        matrix.length,
      ),
    );
  }

  #check(what: string): void {
    if (this.#removed) {
      throw new StemplayError("CLOSED", `cannot ${what} track "${this.#name}": it was removed`);
    }
    this.#engine.assertOpen(`${what} on track "${this.#name}"`);
  }

  #send(what: string, result: number): void {
    unwrap(this.#engine.native, result, `${what} on track "${this.#name}"`);
  }
}
