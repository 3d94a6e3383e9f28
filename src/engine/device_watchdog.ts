/**
 * Noticing a dead device. miniaudio cannot be trusted to tell (after a PulseAudio server dies
 * the callback simply stops being called), so the player watches the callback's block counter
 * on its poll: when it has not moved for long enough, the device counts as lost. See
 * docs/device_loss.md.
 *
 * @module
 */

/** The device counts as lost when its callback has not run for this long. */
const WATCHDOG_MIN_MS = 500;
/** Until the callback has been seen running, a stream may take this long to start (a
 * PulseAudio stream on a null sink takes 1-2 s). */
const WATCHDOG_STARTUP_MS = 5000;

export class DeviceWatchdog {
  readonly #blockMs: number;
  #lastBlocks = 0n;
  #lastChangeAt = 0;
  #changesSeen = 0;

  /** @param blockMs the duration of one callback block */
  constructor(blockMs: number) {
    this.#blockMs = blockMs;
    this.#lastChangeAt = performance.now();
  }

  /** A new device: its stream gets the start-up allowance again. */
  restart(blocks: bigint): void {
    this.#lastBlocks = blocks;
    this.#lastChangeAt = performance.now();
    this.#changesSeen = 0;
  }

  /** Feeds the counter read at `now`; returns when the last block was seen (performance.now()
   * time) if the device is to be called lost, else undefined. */
  check(blocks: bigint, now: number): number | undefined {
    if (blocks !== this.#lastBlocks) {
      this.#lastBlocks = blocks;
      this.#lastChangeAt = now;
      this.#changesSeen++;
      return undefined;
    }
    // The first callback may come at once (a prefill), the stream proper much later.
    const limit = this.#changesSeen < 2
      ? WATCHDOG_STARTUP_MS
      : Math.max(WATCHDOG_MIN_MS, 4 * this.#blockMs);
    return now - this.#lastChangeAt > limit ? this.#lastChangeAt : undefined;
  }
}
