/**
 * A feed of a player's status for remotes: it reads `controlStatus()` on a steady tick and
 * whenever a surface says something changed (`poke()`), and hands the snapshot to a listener,
 * never more often than once per `minIntervalMs` (10 times a second by default). What changed
 * is for the listener to tell (OSC sends only the messages that differ; the web remote only a
 * snapshot that differs).
 *
 * The tick catches changes made from other surfaces (the keys, another remote) and by the
 * player itself (a song ending, a scheduled jump landing), so no surface has to know the others.
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import type { ControlStatus } from "./status.ts";
import { controlStatus } from "./surface.ts";

/** Snapshots at most this often by default: 10 a second. */
export const STATUS_INTERVAL_MS = 100;

/** Reads a player's status on a tick and on demand, rate-limited. */
export class StatusFeed {
  readonly #player: Player;
  readonly #listener: (status: ControlStatus) => void;
  readonly #minIntervalMs: number;
  #ticker?: ReturnType<typeof setInterval>;
  #pending?: ReturnType<typeof setTimeout>;
  #lastAt = -Infinity;
  readonly #outputPeaks: boolean;

  /**
   * @param player the player to watch
   * @param listener gets each snapshot (it must not throw; errors are reported and dropped)
   * @param minIntervalMs the shortest time between two snapshots
   * @param outputPeaks read the outputs' peaks into each snapshot (one feed only: reading
   *   resets them)
   */
  constructor(
    player: Player,
    listener: (status: ControlStatus) => void,
    minIntervalMs = STATUS_INTERVAL_MS,
    outputPeaks = false,
  ) {
    this.#outputPeaks = outputPeaks;
    this.#player = player;
    this.#listener = listener;
    this.#minIntervalMs = minIntervalMs;
  }

  /** Starts the tick (idempotent). The tick never keeps the process alive by itself. */
  start(): void {
    if (this.#ticker !== undefined) return;
    this.#ticker = setInterval(() => this.poke(), this.#minIntervalMs);
    Deno.unrefTimer(this.#ticker);
  }

  /** Stops the tick and any snapshot waiting for its turn. */
  stop(): void {
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    if (this.#pending !== undefined) clearTimeout(this.#pending);
    this.#ticker = this.#pending = undefined;
  }

  /** Something may have changed: a snapshot now, or as soon as the rate limit allows. */
  poke(): void {
    if (this.#pending !== undefined) return;
    const wait = this.#lastAt + this.#minIntervalMs - performance.now();
    if (wait <= 0) {
      this.#emit();
      return;
    }
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.#emit();
    }, wait);
    Deno.unrefTimer(this.#pending);
  }

  #emit(): void {
    if (this.#player.closed) return;
    this.#lastAt = performance.now();
    let status: ControlStatus;
    try {
      status = controlStatus(this.#player, { outputPeaks: this.#outputPeaks });
    } catch (error) {
      console.error(`stemplay: the status could not be read: ${error}`);
      return;
    }
    try {
      this.#listener(status);
    } catch (error) {
      console.error(`stemplay: a status listener failed: ${error}`);
    }
  }
}
