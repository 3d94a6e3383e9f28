/**
 * The engine context: one open engine as every part of a player sees it. It holds the native
 * handle and the engine's pointer, what the engine is (rate, channels, block size, capacity),
 * the rig's buses, the streamed tracks, and whether it is closed or its device down. It reads
 * the callback's seqlock status whole into one snapshot, and once per poll (20 ms) publishes
 * that snapshot to its subscribers (the show flow, the setlist, the song deck, device recovery,
 * the player's events), so everything one tick decides comes from the same block.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { checkInteger } from "../util/check_integer.ts";
import type { Native } from "../native/native.ts";
import { bufferString, outPointer, unwrap } from "../native/native.ts";
import { INFO, RESULT, STATE, STATUS } from "../native/native_constants.ts";
import { EngineConfig, formatMismatch } from "../native/engine_config.ts";
import type { StreamedTracks } from "../sources/streaming.ts";
import type { StretchEngine } from "../model/key_tempo.ts";
import { Buses, type BusProfile, defaultBusProfile } from "./buses.ts";

/** The transport's state as the callback publishes it. */
export type TransportState = "stopped" | "playing" | "paused" | "ended";

/** TransportState by SP_STATE_* number. */
const STATES: TransportState[] = [];
for (const [name, value] of Object.entries(STATE)) STATES[value] = name as TransportState;

/** How often the engine's status is polled (UI rate). */
export const POLL_MS = 20;

/** One block's status, read whole from the callback's seqlock. */
export interface EngineStatus {
  /** The playing song's position in frames (its group's timeline). */
  readonly position: number;
  readonly state: TransportState;
  /** Blocks the callback has run. */
  readonly blocks: bigint;
  /** The engine group playing. */
  readonly group: number;
  /** The seq of the cue armed last. */
  readonly cueArmed: number;
  /** The seq of the cue the callback fired last. */
  readonly cueFired: number;
  /** Track-blocks a streamed track starved since the engine opened. */
  readonly starved: number;
  /** When the last device callback began, ms on `sp_clock_now_ns`'s clock (0 offline). */
  readonly callbackMs: number;
  /** The song's frame that callback's first output frame plays. */
  readonly callbackPosition: number;
}

/** What the engine is opened with (checked; 0: the device's or C's default). */
export interface EngineSpec {
  backend: string;
  deviceIndex: number;
  sampleRate: number;
  channels: number;
  blockFrames: number;
  trackCapacity: number;
}

/** What the backstop needs to free an engine whose owner was dropped without close(). */
interface Leak {
  native: Native;
  pointer: Deno.PointerValue;
  timer?: ReturnType<typeof setInterval>;
}

const leaked = new FinalizationRegistry<Leak>(({ native, pointer, timer }) => {
  // An owner dropped without close(): stop its poll, free the engine off the JS thread.
  if (timer !== undefined) clearInterval(timer);
  void native.sp_engine_destroy(pointer);
});

/** One open engine: the handle, what it is, its state, and its status tick. */
export class Engine {
  /** The loaded library. */
  readonly native: Native;
  /** The engine's pointer, for calls into the library. */
  readonly pointer: Deno.PointerValue;
  /** Frames per second. */
  readonly sampleRate: number;
  /** Output channels. */
  readonly channels: number;
  /** Frames per callback block. */
  readonly blockFrames: number;
  /** Tracks the engine can hold. */
  readonly trackCapacity: number;
  /** True without a device (driven by render()). */
  readonly offline: boolean;
  /** The latency monitor is compiled in. */
  readonly monitorBuilt: boolean;
  /** The rig profile's buses (every track is placed on one). */
  buses: Buses;
  /** Set when file tracks stream. */
  streams?: StreamedTracks;
  /** The Rubber Band engine every stretch of this player uses (`Player.open({ keyTempo })`). */
  stretchEngine: StretchEngine = "finer";
  /** Seeks asked of the callback (the transport's), counted: a key change's wait tells the
   * operator's moves from the readers falling behind (src/songs/retime.ts `movesOf`). */
  seeks = 0;
  #backendName = "";
  #deviceName = "";
  #closed = false;
  #down: () => boolean = () => false;
  #raw = new BigUint64Array(STATUS.count);
  #status: EngineStatus;
  #ticks: ((status: EngineStatus) => void)[] = [];
  #timer?: ReturnType<typeof setInterval>;
  #leak: Leak;
  /** Run before the engine is freed: outputs that read the engine from other threads (MTC). */
  #closeHooks = new Set<() => Promise<void>>();
  /** The token the backstop is registered under. */
  #token = {};

  /**
   * Opens an engine on a device (or offline) and starts its stream.
   * @throws {StemplayError} naming the backend, with the format found on a mismatch
   */
  static async open(native: Native, spec: EngineSpec): Promise<Engine> {
    const config = new EngineConfig(native, spec);
    const cell = new BigUint64Array(1);
    const result = await native.sp_engine_init(config.bytes, cell);
    if (result !== 0) {
      const hint = spec.backend === "auto"
        ? ' (no audio device here? open with { backend: "null" } to play to the null device)'
        : "";
      const detail = result === RESULT.FORMAT ? formatMismatch(config.found, spec) : "";
      unwrap(native, result, `cannot open the "${spec.backend}" audio backend${hint}`, { detail });
    }
    return new Engine(native, outPointer(cell));
  }

  /** @param pointer an engine sp_engine_init made (this context frees it) */
  constructor(native: Native, pointer: Deno.PointerValue) {
    this.native = native;
    this.pointer = pointer;
    const info = new Uint32Array(INFO.count);
    native.sp_engine_info(pointer, info);
    this.sampleRate = info[INFO.rate];
    this.channels = info[INFO.channels];
    this.blockFrames = info[INFO.block];
    this.trackCapacity = info[INFO.capacity];
    this.offline = info[INFO.offline] === 1;
    this.monitorBuilt = info[INFO.monitorBuilt] === 1;
    this.refreshNames();
    this.#leak = { native, pointer };
    this.buses = new Buses(
      native,
      pointer,
      defaultBusProfile(this.channels),
      this.channels,
      this.sampleRate,
      (what) => this.assertOpen(what),
    );
    this.#status = this.#decode();
  }

  /** The backend in use, as miniaudio names it. */
  get backendName(): string {
    return this.#backendName;
  }

  /** The device in use. */
  get deviceName(): string {
    return this.#deviceName;
  }

  /** Reads the backend's and the device's names again (a device was reopened). */
  refreshNames(): void {
    const name = new Uint8Array(256);
    this.native.sp_engine_backend_name(this.pointer, name, name.length);
    this.#backendName = bufferString(name);
    this.native.sp_engine_device_name(this.pointer, name, name.length);
    this.#deviceName = bufferString(name);
  }

  /** Replaces the default rig profile (at open, before any track). */
  useBuses(profile: BusProfile): void {
    this.buses = new Buses(
      this.native,
      this.pointer,
      profile,
      this.channels,
      this.sampleRate,
      (what) => this.assertOpen(what),
    );
  }

  /** True once closing has begun: the engine is (being) freed, nothing may reach it. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True while the device is lost or changes hands: the callback may not move for a while. */
  get deviceDown(): boolean {
    return this.#down();
  }

  /** Tells the engine how to know that its device is down (device recovery knows). */
  watchDevice(down: () => boolean): void {
    this.#down = down;
  }

  /** @throws {StemplayError} "CLOSED" once closing has begun */
  assertOpen(what: string): void {
    if (this.#closed) {
      throw new StemplayError("CLOSED", `cannot ${what}: the player is closed`);
    }
  }

  /** The snapshot read last (by a tick or by `readStatus()`). */
  get status(): EngineStatus {
    return this.#status;
  }

  /** Reads what the callback publishes now (one seqlock read), and keeps it as `status`. */
  readStatus(): EngineStatus {
    this.native.sp_engine_status(this.pointer, this.#raw);
    return this.#status = this.#decode();
  }

  #decode(): EngineStatus {
    const raw = this.#raw;
    return {
      position: Number(raw[STATUS.position]),
      state: STATES[Number(raw[STATUS.state])] ?? "stopped",
      blocks: raw[STATUS.blocks],
      group: Number(raw[STATUS.group]),
      cueArmed: Number(raw[STATUS.cueArmed]),
      cueFired: Number(raw[STATUS.cueFired]),
      starved: Number(raw[STATUS.starved]),
      callbackMs: Number(raw[STATUS.callbackNs]) / 1e6,
      callbackPosition: Number(raw[STATUS.callbackPos]),
    };
  }

  /** Runs `listener` at every tick, in the order subscribed, with the tick's snapshot. A
   * listener that finds the device lost ends the tick (those after it wait for the next). */
  onTick(listener: (status: EngineStatus) => void): void {
    this.#ticks.push(listener);
  }

  /** One tick: reads the status once and hands that snapshot to every listener. Nothing while
   * closed or while the device is down. Runs every 20 ms with a device, after every render()
   * offline, and when a caller needs the published state taken in at once. */
  tick(): void {
    if (this.#closed || this.deviceDown) return;
    const status = this.readStatus();
    for (const listener of this.#ticks) {
      listener(status);
      if (this.deviceDown) return;
    }
  }

  /** Starts the 20 ms poll (devices only), and the backstop that frees the engine if `owner`
   * is dropped without close(). The timer holds the engine weakly, so it alone never keeps a
   * dropped owner alive. */
  guard(owner: object): void {
    leaked.register(owner, this.#leak, this.#token);
    if (this.offline) return;
    const engine = new WeakRef(this);
    this.#timer = setInterval(() => engine.deref()?.tick(), POLL_MS);
    Deno.unrefTimer(this.#timer);
    this.#leak.timer = this.#timer;
  }

  /** Keeps the process alive (the poll running referenced) while something waits on
   * playback. */
  keepAlive(on: boolean): void {
    if (this.#timer === undefined) return;
    if (on) Deno.refTimer(this.#timer);
    else Deno.unrefTimer(this.#timer);
  }

  /** Runs the callback's code for `frames` frames (offline engines only) and returns one
   * Float32Array per output channel. */
  render(frames: number): Float32Array[] {
    this.assertOpen("render");
    const channels = this.channels;
    checkInteger("frames", frames, 1, 0x7fffffff / Math.max(1, channels));
    if (!this.offline) {
      throw new StemplayError(
        "NOT_OFFLINE",
        `render() needs a player opened with { backend: "offline" }, this one plays to ${this.deviceName}`,
      );
    }
    const interleaved = new Float32Array(frames * channels);
    unwrap(this.native, this.native.sp_render(this.pointer, interleaved, frames), "render");
    const out = Array.from({ length: channels }, () => new Float32Array(frames));
    for (let i = 0, k = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++) out[c][i] = interleaved[k++];
    }
    return out;
  }

  /** Runs `hook` at close(), before the engine is freed (once; returns an undo). */
  beforeClose(hook: () => Promise<void>): () => void {
    this.#closeHooks.add(hook);
    return () => this.#closeHooks.delete(hook);
  }

  /**
   * Closes the engine (once; false when it was closed already): no tick, and no call reaches
   * it from here on. The close hooks run first (outputs that read the engine from their own
   * threads, e.g. MTC), then `release` (the tracks, which the engine frees with itself), then
   * the engine is freed: after the open `device` may still be running, and left to a native
   * thread when the device is lost (a dead device's teardown may block forever).
   */
  async close(
    release: () => void,
    device?: { readonly lost: boolean; close(): Promise<void> | undefined },
  ): Promise<boolean> {
    if (this.#closed) return false;
    this.#closed = true;
    await Promise.all([...this.#closeHooks].map((hook) => hook()));
    if (this.#timer !== undefined) clearInterval(this.#timer);
    leaked.unregister(this.#token);
    release();
    const free = async () => {
      if (device?.lost) this.native.sp_engine_abandon(this.pointer);
      else await this.native.sp_engine_destroy(this.pointer);
    };
    this.streams?.dropSetlistHeads(); // not the engine's: freed here
    const running = device?.close();
    // An open still running (bounded by its deadline) uses the engine: free it after that.
    if (running) void running.catch(() => {}).then(free);
    else await free();
    return true;
  }
}
