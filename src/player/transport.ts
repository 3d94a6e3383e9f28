/**
 * The transport of one player: play, pause, stop, seek, the position and state, the master
 * gain, `finished`, and the events the state makes ("statechange", "ended", "devicelost",
 * "devicerecovered", "devicereopened"), dispatched on the player. It takes in the engine's tick last, after the
 * show flow, the song deck and the setlist have seen the same snapshot.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { unwrap } from "../native/native.ts";
import { checkInteger } from "../util/check_integer.ts";
import { checkGain } from "../engine/levels.ts";
import type { Engine, EngineStatus, TransportState } from "../engine/engine.ts";
import type { SongDeck } from "../songs/song_deck.ts";
import { timelineSeconds } from "../model/song_time.ts";

/** The transport's state as the audio thread last published it. "error": the device was
 * lost. */
export type PlayerState = "stopped" | "playing" | "paused" | "ended" | "error";

/** The transport and its events (see the Player's members of the same names). */
export class Transport {
  readonly #engine: Engine;
  readonly #songs: SongDeck;
  /** Where the events go: the player. */
  readonly #events: EventTarget;
  /** True while the device is lost (device recovery knows). */
  readonly #lost: () => boolean;
  #lastState: PlayerState = "stopped";
  #finished?: { promise: Promise<void>; resolve: () => void };
  /** Where the last seek, stop or song change asked the transport to be, until play(): the
   * published position lags a request by up to a block. */
  #requestedFrame?: number;
  #masterGain = 1;
  /** play() was asked and the audio thread has not yet published "playing" (a block later). */
  #playPending = false;

  /** Subscribes to the engine's tick (subscribe it after every other part). */
  constructor(engine: Engine, songs: SongDeck, events: EventTarget, lost: () => boolean) {
    this.#engine = engine;
    this.#songs = songs;
    this.#events = events;
    this.#lost = lost;
    engine.onTick((status) => this.#stateChanged(status.state));
  }

  /** Where a seek, stop or song change asked the transport to stand, until play(): what
   * play plays from, when the callback has not taken it yet. */
  get requestedFrame(): number | undefined {
    return this.#requestedFrame;
  }

  /** The transport was asked to stand at `frame` (a song change). */
  requestFrame(frame: number): void {
    this.#requestedFrame = frame;
  }

  play(): void {
    const { native, pointer } = this.#engine;
    this.#engine.assertOpen("play");
    const state = this.state;
    if (state === "ended" && this.#requestedFrame === undefined) {
      unwrap(native, native.sp_transport_seek(pointer, 0n), "play");
      this.#requestedFrame = 0;
    }
    if (state === "stopped" || state === "ended") {
      this.#songs.show.startCountIn(this.#requestedFrame ?? this.positionFrames);
    }
    this.#requestedFrame = undefined;
    unwrap(native, native.sp_transport_play(pointer), "play");
    this.#playPending = true;
    this.#engine.keepAlive(true);
  }

  pause(): void {
    const { native, pointer } = this.#engine;
    this.#engine.assertOpen("pause");
    unwrap(native, native.sp_transport_pause(pointer), "pause");
    this.#playPending = false;
  }

  stop(): void {
    const { native, pointer } = this.#engine;
    this.#engine.assertOpen("stop");
    unwrap(native, native.sp_transport_stop(pointer), "stop");
    this.#playPending = false;
    this.#songs.show.abortCountIn(0);
    this.#requestedFrame = 0;
  }

  /** Seeks to `seconds` of song time, on a timeline that runs at `speed` (song seconds ÷
   * speed are its seconds: src/model/song_time.ts). */
  seek(seconds: number, speed = 1): void {
    this.#engine.assertOpen("seek");
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `seek needs a time in seconds >= 0, got ${seconds}`,
      );
    }
    this.seekFrames(Math.round(timelineSeconds(seconds, speed) * this.#engine.sampleRate));
  }

  seekFrames(frame: number): void {
    const { native, pointer } = this.#engine;
    this.#engine.assertOpen("seek");
    checkInteger("frame", frame, 0, Number.MAX_SAFE_INTEGER);
    const state = this.state;
    if (state === "ended") unwrap(native, native.sp_transport_pause(pointer), "seek");
    const clamped = Math.min(frame, this.#songs.durationFrames);
    unwrap(native, native.sp_transport_seek(pointer, BigInt(clamped)), "seek");
    this.#engine.seeks++;
    // Playing, the transport is there a block later: nothing to remember for the next play.
    this.#requestedFrame = state === "playing" ? undefined : clamped;
  }

  /** Fades the whole mix in, playing (see ShowFlow.fadeIn). */
  fadeIn(seconds: number): void {
    const { native, pointer } = this.#engine;
    this.#songs.show.fadeIn(seconds);
    unwrap(native, native.sp_transport_play(pointer), "fade in");
    this.#requestedFrame = undefined; // played from: no longer where it will stand
    this.#playPending = true;
    this.#engine.keepAlive(true);
  }

  get positionFrames(): number {
    this.#engine.assertOpen("read the position");
    return this.at(this.#engine.readStatus()).positionFrames;
  }

  /** Whether the transport plays or was just told to (its published state lags play() by up
   * to a block): what a guard against disturbing the show must read. */
  get playingOrAsked(): boolean {
    const state = this.state;
    return state === "playing" || (this.#playPending && state !== "ended" && state !== "error");
  }

  get state(): PlayerState {
    this.#engine.assertOpen("read the state");
    if (this.#lost()) return "error";
    return this.#engine.readStatus().state;
  }

  /** The state and position (negative during a count-in) as of one snapshot: both from the
   * same block. */
  at(status: EngineStatus): { state: PlayerState; positionFrames: number } {
    return {
      state: this.#lost() ? "error" : status.state,
      positionFrames: this.#songs.show.displayPosition(status.position, status.group),
    };
  }

  get masterGain(): number {
    return this.#masterGain;
  }
  set masterGain(gain: number) {
    const { native, pointer } = this.#engine;
    this.#engine.assertOpen("set the master gain");
    gain = checkGain(gain, "masterGain");
    unwrap(native, native.sp_engine_set_master_gain(pointer, gain), "set the master gain");
    this.#masterGain = gain;
  }

  get finished(): Promise<void> {
    if (this.#engine.closed || this.#lost()) return Promise.resolve();
    if (!this.#finished) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => resolve = r);
      this.#finished = { promise, resolve };
      this.#engine.keepAlive(true);
    }
    return this.#finished.promise;
  }

  /** Resolves `finished` (the song ended, or the player closed). */
  settleFinished(): void {
    this.#finished?.resolve();
    this.#finished = undefined;
  }

  /** The last part of every tick: the transport's state as events. */
  #stateChanged(state: TransportState): void {
    if (state === "playing") this.#playPending = false;
    if (state !== this.#lastState) {
      this.#lastState = state;
      this.#events.dispatchEvent(new CustomEvent("statechange", { detail: state }));
      if (state === "ended") {
        this.#events.dispatchEvent(new Event("ended"));
        this.settleFinished();
      }
    }
    if (state !== "playing" && !this.#finished) this.#engine.keepAlive(false);
  }

  /** The device is gone (recovery's watchdog said so). */
  deviceLost(): void {
    this.#lastState = "error";
    this.#engine.keepAlive(false);
    this.#events.dispatchEvent(new CustomEvent("statechange", { detail: "error" }));
    this.#events.dispatchEvent(new Event("devicelost"));
  }

  /** A device plays again (recovered, or moved by `reopen()`). */
  deviceBack(): void {
    const wasLost = this.#lastState === "error";
    this.#engine.tick(); // "statechange" from "error" to the transport's state
    if (wasLost) this.#events.dispatchEvent(new Event("devicerecovered"));
    // Recovered or moved by hand: a new device (on JACK, a new client for the MIDI ports).
    this.#events.dispatchEvent(new Event("devicereopened"));
    if (this.#lastState === "playing") this.#engine.keepAlive(true);
  }
}
