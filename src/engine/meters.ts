/**
 * What the engine measures, read from the control side: peak meters (per track and per
 * output), clipped samples, starved blocks and files, the reader thread's stream statistics,
 * and the latency monitor. Every read copies what the callback published; none makes the audio
 * thread wait.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { unwrap } from "../native/native.ts";
import { type StreamStats, streamStats } from "../sources/streaming.ts";
import type { Engine } from "./engine.ts";
import { LatencyMonitorReader, type LatencyStats } from "./stats.ts";
import type { PlayerHealth } from "./device_recovery.ts";
import type { Track } from "./track.ts";

const OFFLINE_HEALTH: Omit<PlayerHealth, "clipped"> = Object.freeze({
  status: "ok",
  losses: 0,
  recoveries: 0,
  overruns: 0,
  starved: 0,
  starvedFiles: [],
  lastError: null,
  nextRetryAt: null,
});

/** The meters and counters of one engine (see the Player's members of the same names). */
export class Meters {
  #engine: Engine;
  #tracks: () => readonly Track[];
  #metering = false;
  #monitorReader?: LatencyMonitorReader;

  /** @param tracks the current song's tracks, in the order `readPeaks()` reports them */
  constructor(engine: Engine, tracks: () => readonly Track[]) {
    this.#engine = engine;
    this.#tracks = tracks;
  }

  get metering(): boolean {
    return this.#metering;
  }
  set metering(on: boolean) {
    const engine = this.#engine;
    engine.assertOpen("set metering");
    engine.native.sp_meters_set_enabled(engine.pointer, on ? 1 : 0);
    this.#metering = Boolean(on);
  }

  readPeaks(): number[] {
    const engine = this.#engine;
    engine.assertOpen("read peaks");
    const peaks = new Float32Array(engine.trackCapacity);
    engine.native.sp_meters_read(engine.pointer, peaks, peaks.length);
    return this.#tracks().map((track) => peaks[track.slot]);
  }

  readOutputPeaks(): number[] {
    const engine = this.#engine;
    engine.assertOpen("read output peaks");
    const peaks = new Float32Array(engine.channels);
    engine.native.sp_output_peaks_read(engine.pointer, peaks, peaks.length);
    return [...peaks];
  }

  get latencyMonitor(): boolean {
    const engine = this.#engine;
    engine.assertOpen("read the latency monitor");
    return engine.native.sp_monitor_enabled(engine.pointer) === 1;
  }
  set latencyMonitor(on: boolean) {
    const engine = this.#engine;
    engine.assertOpen("toggle the latency monitor");
    if (on && !engine.monitorBuilt) {
      throw new StemplayError("UNSUPPORTED", "this build has the latency monitor compiled out");
    }
    engine.native.sp_monitor_set_enabled(engine.pointer, on ? 1 : 0);
  }

  get starvedBlocks(): number {
    return this.#engine.closed ? 0 : this.#engine.readStatus().starved;
  }

  get clippedSamples(): number[] {
    const engine = this.#engine;
    if (engine.closed) return [];
    const counts = new BigUint64Array(engine.channels);
    unwrap(
      engine.native,
      engine.native.sp_output_clipped_read(engine.pointer, counts, counts.length),
      "read the clipped samples",
    );
    return Array.from(counts, Number);
  }

  /** Streamed files found cut short or unreadable since the player opened. */
  get starvedFiles(): string[] {
    return this.#engine.closed ? [] : this.#engine.streams?.starvedFiles() ?? [];
  }

  /** Overruns in the monitor's window, once latency stats were read (0 with the monitor off). */
  get overruns(): number {
    return this.latencyMonitor ? this.#monitorReader?.read().overruns ?? 0 : 0;
  }

  /** Health without a device (offline): never lost. */
  get offlineHealth(): PlayerHealth {
    return {
      ...OFFLINE_HEALTH,
      starved: this.starvedBlocks,
      clipped: this.clippedSamples,
      starvedFiles: this.starvedFiles,
    };
  }

  get streamStats(): StreamStats {
    this.#engine.assertOpen("read stream stats");
    return streamStats(this.#engine.native, this.#engine.pointer);
  }

  latencyStats(): LatencyStats {
    const engine = this.#engine;
    engine.assertOpen("read latency stats");
    this.#monitorReader ??= new LatencyMonitorReader(
      engine.native,
      engine.pointer,
      engine.sampleRate,
      engine.blockFrames,
    );
    return { ...this.#monitorReader.stats(), starved: this.starvedBlocks };
  }

  resetLatencyStats(): void {
    this.#engine.assertOpen("reset latency stats");
    this.#engine.native.sp_monitor_reset(this.#engine.pointer);
  }
}
