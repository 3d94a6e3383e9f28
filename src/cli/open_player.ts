/**
 * Opening the player for `play` and `demo`: with backend "auto" and no device asked for, a
 * machine without audio still plays, to the null device, after saying so in one line.
 *
 * @module
 */

import { Player, type PlayerOptions } from "../player/player.ts";
import { StemplayError } from "../errors.ts";

/**
 * Opens a player; falls back to the null backend when "auto" finds no device.
 *
 * @param warn receives the one-line notice when it falls back
 */
export async function openPlayer(
  options: PlayerOptions,
  warn: (line: string) => void,
): Promise<Player> {
  try {
    return await Player.open(options);
  } catch (error) {
    const auto = (options.backend ?? "auto") === "auto" && options.device === undefined;
    if (!auto || !(error instanceof StemplayError)) throw error;
    const reason = error.message.split("\n")[0].replace(/ \(no audio device here\?[^)]*\)/, "");
    warn(`no audio device could be opened (${reason}): playing to the null device instead`);
    return await Player.open({ ...options, backend: "null" });
  }
}
