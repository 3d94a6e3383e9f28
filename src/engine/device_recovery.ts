/**
 * A rig that recovers by itself: after the watchdog declares the device lost, the same device
 * (same backend, same name, looked up by name again since its index may change) is reopened on
 * the same engine, with a backoff from 250 ms to 5 s, until it is back or the player is closed.
 * What happens to the song when it is back is the `recovery` mode. See docs/device_loss.md.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { unwrap } from "../native/native.ts";
import { RESULT } from "../native/native_constants.ts";
import { EngineConfig, formatMismatch } from "../native/engine_config.ts";
import { findDevice } from "./devices.ts";
import { DeviceWatchdog } from "./device_watchdog.ts";
import type { Engine, EngineStatus } from "./engine.ts";

/** What the player does when a lost device comes back:
 * - `"in-time"`: resume at the position the song would have reached by the wall clock since
 *   the loss, so a band that kept playing to the count is with the tracks again;
 * - `"where-lost"`: resume at the position it had when the device went;
 * - `"paused"`: stay paused at that position until `play()`. */
export type RecoveryMode = "in-time" | "where-lost" | "paused";

export const RECOVERY_MODES: readonly RecoveryMode[] = ["in-time", "where-lost", "paused"];

/** The device's health as a user reads it (`player.health`). */
export interface PlayerHealth {
  /** `"ok"`: the device plays. `"recovering"`: it was lost and is retried with backoff.
   * `"lost"`: it was lost, and the last retry found it in a form the engine cannot use
   * (another channel count or rate): retries go on, but an operator should look. */
  status: "ok" | "recovering" | "lost";
  /** Times the device was lost since the player opened. */
  losses: number;
  /** Times it came back by itself or by `reopen()`. */
  recoveries: number;
  /** Callbacks over 80% of their budget since the latency monitor was last reset (0 while the
   * monitor is off). */
  overruns: number;
  /** Track-blocks in which a streamed track had no audio ready and played silence, since the
   * player opened (0 without streaming). */
  starved: number;
  /** Per output (index 0 is output 1): samples clamped to ±1.0 since the player opened. The
   * callback clamps every output after the master gain, so the device never gets more than
   * full scale; a count that grows means the gains are too hot. */
  clipped: number[];
  /** The streamed files (paths) that ended early or could not be read while they played
   * (cut short on disk after loading): their tracks starved from there. Since the player
   * opened; empty when none did. */
  starvedFiles: string[];
  /** The last loss or failed retry, with its wall-clock time (ms since the epoch). */
  lastError: { message: string; time: number } | null;
  /** While recovering: when the next retry starts (ms since the epoch); otherwise null. */
  nextRetryAt: number | null;
}

/** The first retry comes this soon after a loss; each failure doubles it up to the maximum. */
export const RETRY_FIRST_MS = 250;
export const RETRY_MAX_MS = 5000;
/** Opens given up on past their deadline that still hang (a frozen server): no new attempt is
 * started while this many hang, so a server that never answers does not pile up threads. (The
 * teardowns of dead devices, which may hang for good after a server crash, do not count.) */
const MAX_HANGING_OPENS = 4;

/** The transport recovery drives when the device comes back (the Player). */
export interface RecoveryTransport {
  readonly positionFrames: number;
  readonly durationFrames: number;
  seekFrames(frame: number): void;
  play(): void;
  pause(): void;
}

/** The counters `health` reports besides the device's (the engine's Meters). */
export interface HealthCounters {
  /** Callbacks over 80% of their budget (0 while the latency monitor is off). */
  readonly overruns: number;
  /** Track-blocks a streamed track starved (silent) since the player opened. */
  readonly starvedBlocks: number;
  /** Samples clamped to full scale per output since the player opened. */
  readonly clippedSamples: number[];
  /** Streamed files found cut short or unreadable (PlayerHealth.starvedFiles). */
  readonly starvedFiles: string[];
}

/** What the player says when the device goes and when one plays again. */
export interface RecoveryEvents {
  /** The device is gone (the poll has stopped looking at it). */
  lost(): void;
  /** A new device runs (names and watchdog are renewed already). */
  back(): void;
}

/** Where to reopen: a backend and a device by exact name (or index, or the default). */
export interface DeviceTarget {
  backend: string;
  device?: number | string;
}

/** Device loss and recovery for one engine with a device. It watches the engine's ticks (the
 * watchdog), and while it is lost or reopening the engine counts its device as down. */
export class DeviceRecovery {
  readonly #engine: Engine;
  readonly #transport: RecoveryTransport;
  readonly #counters: HealthCounters;
  readonly #events: RecoveryEvents;
  readonly #watchdog: DeviceWatchdog;
  readonly #mode: RecoveryMode;
  /** The device the player had: same backend, same name. */
  #target: { backend: string; deviceName?: string };
  #lost = false;
  #closed = false;
  #losses = 0;
  #recoveries = 0;
  #lastError: { message: string; time: number } | null = null;
  #refused = false;
  #delay = RETRY_FIRST_MS;
  #timer?: ReturnType<typeof setTimeout>;
  #nextRetryAt: number | null = null;
  #attempt?: Promise<void>;
  /** The chain every open waits its turn on. */
  #opens: Promise<void> = Promise.resolve();
  #loss?: { position: number; at: number; playing: boolean };

  constructor(
    engine: Engine,
    parts: { transport: RecoveryTransport; counters: HealthCounters; events: RecoveryEvents },
    mode: RecoveryMode,
  ) {
    this.#engine = engine;
    this.#transport = parts.transport;
    this.#counters = parts.counters;
    this.#events = parts.events;
    this.#mode = mode;
    this.#target = { backend: engine.backendName, deviceName: engine.deviceName };
    this.#watchdog = new DeviceWatchdog(engine.blockFrames / engine.sampleRate * 1000);
    engine.watchDevice(() => this.#lost || this.busy);
    engine.onTick((status) => this.#watch(status));
  }

  /** At every tick: a callback that stopped moving means the device is lost. */
  #watch(status: EngineStatus): void {
    const now = performance.now();
    const lastBlockAt = this.#watchdog.check(status.blocks, now);
    if (lastBlockAt === undefined) return;
    const silent = Math.round(now - lastBlockAt);
    const device = this.#engine.deviceName;
    this.deviceLost(
      `the audio device ${device} stopped (no callback for ${silent} ms)`,
      lastBlockAt,
    );
  }

  /** True from a loss until a device plays again. */
  get lost(): boolean {
    return this.#lost;
  }

  /** True while an open is running (automatic or `reopen()`). */
  get busy(): boolean {
    return this.#attempt !== undefined;
  }

  get mode(): RecoveryMode {
    return this.#mode;
  }

  get health(): PlayerHealth {
    return {
      status: !this.#lost ? "ok" : this.#refused ? "lost" : "recovering",
      losses: this.#losses,
      recoveries: this.#recoveries,
      overruns: this.#counters.overruns,
      starved: this.#counters.starvedBlocks,
      clipped: this.#counters.clippedSamples,
      starvedFiles: this.#counters.starvedFiles,
      lastError: this.#lastError,
      nextRetryAt: this.#lost ? this.#nextRetryAt : null,
    };
  }

  /** The watchdog saw the callback stop (its last block at `lastBlockAt`, performance.now()
   * time): report it and start retrying. */
  deviceLost(reason: string, lastBlockAt: number = performance.now()): void {
    if (this.#lost || this.#closed) return;
    this.#lost = true;
    this.#refused = false;
    this.#losses++;
    this.#lastError = { message: reason, time: Date.now() };
    const playing = this.#engine.readStatus().state === "playing";
    this.#loss = { position: this.#transport.positionFrames, at: lastBlockAt, playing };
    // No callback runs now, so a pause is taken by the new device's first block: it comes
    // back silent, and resume() decides when (and where) to play.
    if (playing && this.#mode !== "where-lost") {
      try {
        this.#transport.pause();
      } catch {
        // A full command ring (BUSY): the device comes back playing, as in "where-lost".
      }
    }
    this.#events.lost();
    this.#delay = RETRY_FIRST_MS;
    this.#schedule();
  }

  /** A reopen by hand (`player.reopen()`, the `r` key): at once, to the given backend and
   * device (the backend defaults to the one in use), or, with neither, the one the player had.
   * On success it becomes the device recovery returns to. */
  reopen(options: { backend?: string; device?: number | string }): Promise<void> {
    const moving = options.backend !== undefined || options.device !== undefined;
    const target: DeviceTarget | undefined = moving
      ? { backend: options.backend ?? this.#engine.backendName, device: options.device }
      : undefined;
    this.#cancelTimer();
    return this.#run(target, true);
  }

  /** Stops retrying. Returns the open still running, if any: the engine must outlive it. */
  close(): Promise<void> | undefined {
    this.#closed = true;
    this.#cancelTimer();
    return this.#attempt === undefined ? undefined : this.#opens;
  }

  #schedule(): void {
    if (this.#closed || !this.#lost) return;
    this.#cancelTimer();
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, RETRY_MAX_MS);
    this.#nextRetryAt = Date.now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#nextRetryAt = null;
      void this.#run(undefined, false).catch(() => {});
    }, delay);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextRetryAt = null;
  }

  /** Opens run one at a time, in the order asked: two at once would both cut off and rebind
   * the engine's device in C (a double tap on the remote's reopen crashed the process). */
  #run(target: DeviceTarget | undefined, byHand: boolean): Promise<void> {
    const run = this.#opens.then(() => this.#runNow(target, byHand));
    this.#opens = run.catch(() => {});
    return run;
  }

  /** One open; on failure (automatic) the next one is scheduled. */
  async #runNow(target: DeviceTarget | undefined, byHand: boolean): Promise<void> {
    if (this.#closed) return;
    // The device plays (maybe an open just before this one brought it back): nothing to do.
    if (byHand && !this.#lost && target === undefined) return;
    const hanging = this.#engine.native.sp_hanging_opens();
    if (!byHand && hanging >= MAX_HANGING_OPENS) {
      this.#failed(
        new StemplayError(
          "TIMEOUT",
          `the audio server does not answer (${hanging} device threads still wait on it)`,
        ),
      );
      return;
    }
    const attempt = this.#open(target);
    this.#attempt = attempt;
    try {
      await attempt;
    } catch (error) {
      // A refused device leaves the old one playing; one that failed to start leaves none,
      // and the watchdog then calls it lost.
      if (!this.#closed) this.#failed(error);
      if (byHand) throw error;
      return;
    } finally {
      this.#attempt = undefined;
    }
    if (this.#closed) return;
    const wasLost = this.#lost;
    this.#lost = false;
    this.#refused = false;
    this.#cancelTimer();
    if (wasLost) this.#recoveries++;
    const engine = this.#engine;
    engine.refreshNames();
    this.#watchdog.restart(engine.readStatus().blocks);
    this.#events.back();
    this.#target = { backend: engine.backendName, deviceName: engine.deviceName };
    if (wasLost) await this.#resume();
  }

  #failed(error: unknown): void {
    this.#lastError = { message: messageOf(error), time: Date.now() };
    this.#refused = error instanceof StemplayError && error.code === "FORMAT";
    this.#schedule();
  }

  async #open(target: DeviceTarget | undefined): Promise<void> {
    const { native, pointer } = this.#engine;
    const backend = target?.backend ?? this.#target.backend;
    let fields: { deviceName?: string; deviceIndex?: number };
    if (target === undefined || target.device === undefined) {
      fields = target === undefined ? { deviceName: this.#target.deviceName } : {};
    } else {
      fields = { deviceIndex: await findDevice(native, backend, target.device) };
    }
    const config = new EngineConfig(native, { backend, ...fields });
    const result = await native.sp_engine_reopen(pointer, config.bytes);
    const detail = result === RESULT.FORMAT
      ? formatMismatch(config.found, this.#engine)
      : result === RESULT.NO_SUCH_DEVICE && fields.deviceName
      ? `no device named "${fields.deviceName}"`
      : undefined;
    unwrap(native, result, `cannot reopen the "${backend}" audio device`, { detail });
  }

  /** The device is back: play on as the mode says. */
  async #resume(): Promise<void> {
    const loss = this.#loss;
    this.#loss = undefined;
    if (!loss?.playing || this.#mode !== "in-time") return;
    // Wait for the stream proper (a first callback may be a prefill), so the position is
    // computed when audio really flows again.
    const blocks = () => this.#engine.readStatus().blocks;
    const start = blocks();
    const waitUntil = performance.now() + 5000;
    while (blocks() < start + 2n && performance.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.#closed || this.#lost) return;
    }
    const elapsed = (performance.now() - loss.at) / 1000;
    const target = loss.position + Math.round(elapsed * this.#engine.sampleRate);
    this.#transport.seekFrames(Math.min(target, this.#transport.durationFrames));
    this.#transport.play();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
