/**
 * A Player's meters and monitor: peaks, clip counts, starved blocks, stream statistics and the
 * callback's timing. The members of `Player` that read them live here, as its base class; the
 * logic is in src/engine/meters.ts.
 *
 * @module
 */

import type { StreamStats } from "../sources/streaming.ts";
import type { LatencyStats } from "../engine/stats.ts";
import type { PlayerParts } from "./player_parts.ts";

/** The meters and monitor of a `Player` (its base class: use them on the Player). */
export abstract class PlayerMetering extends EventTarget {
  /** @ignore The parts the Player composes (src/player/player_parts.ts). */
  protected abstract readonly parts: PlayerParts;

  /** Peak metering in the callback (off by default: it costs a pass over every block). */
  set metering(on: boolean) {
    this.parts.meters.metering = on;
  }
  get metering(): boolean {
    return this.parts.meters.metering;
  }

  /** The highest post-gain peak of each track (same order as `tracks`) since the last call. */
  readPeaks(): number[] {
    return this.parts.meters.readPeaks();
  }

  /** The highest peak of each output (after every gain and fade) since the last call, with
   * `metering` on: index 0 is output 1. */
  readOutputPeaks(): number[] {
    return this.parts.meters.readOutputPeaks();
  }

  /** Whether the callback times itself. Takes effect from the next block. */
  get latencyMonitor(): boolean {
    return this.parts.meters.latencyMonitor;
  }
  set latencyMonitor(on: boolean) {
    this.parts.meters.latencyMonitor = on;
  }

  /** Track-blocks in which a streamed track had no audio ready (it played silence for that
   * block; the block was never waited for), since the player opened. */
  get starvedBlocks(): number {
    return this.parts.meters.starvedBlocks;
  }

  /** Per output (index 0 is output 1): samples the callback clamped to ±1.0 after the master
   * gain since the player opened (also in `health.clipped`). Empty once closed. */
  get clippedSamples(): number[] {
    return this.parts.meters.clippedSamples;
  }

  /** What streaming holds and costs: ring bytes, streamed tracks, the reader thread's CPU. */
  get streamStats(): StreamStats {
    return this.parts.meters.streamStats;
  }

  /** Callback timing over the monitor's window (the newest up to 4096 timed callbacks since
   * the last reset). Copies the ring without making the audio thread wait. */
  latencyStats(): LatencyStats {
    return this.parts.meters.latencyStats();
  }

  /** Starts a new window for `latencyStats()`: counts and ring read as empty. */
  resetLatencyStats(): void {
    this.parts.meters.resetLatencyStats();
  }
}
