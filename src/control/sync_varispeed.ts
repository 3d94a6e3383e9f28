/**
 * The follower's drift correction (docs/two-rigs.md): a PI controller from the position error
 * to the engine's varispeed (native/rt/varispeed_rt.c), within ±0.1 %. It never jumps: a
 * follower ahead plays slower until it is back on the primary's frame, one behind plays faster.
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import { unwrap } from "../native/native.ts";

/** The most varispeed may correct, in ppm (±0.1 %: a pitch change of under 2 cents). */
export const MAX_VARISPEED_PPM = 1000;
/** ppm per ms of error: 1 ms off is corrected at 1500 ppm (so at the limit, 1 ms a second,
 * from 0.67 ms off): the error that matters comes in steps (a device or a server that lost
 * time), and is worked off at full rate; the time constant (0.67 s) is still far from the
 * loop's delay (about 0.1 s: packets every 20 ms, a median of 7, the clock filter). */
const KP = 1500;
/** ppm per ms·s of error: what holds a steady drift (hundreds of ppm) at zero error. */
const KI = 200;

/** Varispeed on one player's engine. */
export class Varispeed {
  readonly #player: Player;
  #integral = 0;
  #ppm = 0;

  constructor(player: Player) {
    this.#player = player;
  }

  /** The correction applied now, ppm (+ = faster). */
  get ppm(): number {
    return this.#ppm;
  }

  /** The integral term alone: the drift it has learned to cancel, ppm. */
  get heldPpm(): number {
    return -KI * this.#integral;
  }

  /** One step: `errorMs` (+ = the follower is ahead) over `seconds` since the last. */
  update(errorMs: number, seconds: number): number {
    const p = -KP * errorMs;
    const next = this.#integral + errorMs * seconds;
    const ppm = p - KI * next;
    // Anti-windup: the integral only grows while the output is not pinned at a limit.
    if (Math.abs(ppm) < MAX_VARISPEED_PPM) this.#integral = next;
    this.#set(Math.max(-MAX_VARISPEED_PPM, Math.min(MAX_VARISPEED_PPM, p - KI * this.#integral)));
    return this.#ppm;
  }

  /** After a jump: the learned drift stays, the error is new. */
  hold(): void {
    this.#set(Math.max(-MAX_VARISPEED_PPM, Math.min(MAX_VARISPEED_PPM, this.heldPpm)));
  }

  /** Back to exactly 1:1 (the resampler stays on, seamlessly). */
  reset(): void {
    this.#integral = 0;
    this.#set(0);
  }

  #set(ppm: number): void {
    const player = this.#player;
    if (player.closed) return;
    this.#ppm = ppm;
    unwrap(
      player.native,
      player.native.sp_engine_set_varispeed(player.engine, ppm),
      "set the varispeed",
    );
  }
}
