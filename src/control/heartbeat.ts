/**
 * The heartbeat for redundancy switchers (docs/two-rigs.md, native/rt/heartbeat_rt.c): a
 * steady 1 kHz tone on one output, written by the audio callback itself, so it runs exactly
 * while the engine runs and stops (or loops, if the device replays its last buffer) within
 * the block in which the engine stalls.
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import { StemplayError } from "../errors.ts";
import { unwrap } from "../native/native.ts";

/** The heartbeat's default level: -20 dBFS, well above a switcher's threshold, well below
 * anything that could hurt if it reached a speaker. */
export const HEARTBEAT_LEVEL = 0.1;

/** Options of `setHeartbeat`. */
export interface HeartbeatOptions {
  /** The output (from 1, as in routes) the tone replaces: one wired to the switcher only. */
  output: number;
  /** Linear level, 0 < level <= 1 (default 0.1, -20 dBFS). */
  level?: number;
}

/** Turns the heartbeat on (on `output`) or, with undefined, off; ramped over 10 ms.
 * @throws {StemplayError} "INVALID_ARGUMENT" for an output the engine lacks or a bad level */
export function setHeartbeat(player: Player, options: HeartbeatOptions | undefined): void {
  player.assertOpen("set the heartbeat");
  if (options === undefined) {
    unwrap(player.native, player.native.sp_engine_set_heartbeat(player.engine, -1, 0), "heartbeat");
    return;
  }
  const { output, level = HEARTBEAT_LEVEL } = options;
  if (!Number.isInteger(output) || output < 1 || output > player.channels) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `heartbeat output must be 1..${player.channels} (the engine's outputs), got ${output}`,
    );
  }
  if (typeof level !== "number" || !(level > 0 && level <= 1)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `heartbeat level must be > 0 and <= 1, got ${level}`,
    );
  }
  unwrap(
    player.native,
    player.native.sp_engine_set_heartbeat(player.engine, output - 1, level),
    "set the heartbeat",
  );
}
