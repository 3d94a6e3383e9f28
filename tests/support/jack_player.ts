/**
 * The player most JACK tests open: the engine's JACK client on the test server
 * (tests/support/jack.ts), all its playback ports, at its rate and period.
 *
 * @module
 */

import { Player, type PlayerOptions } from "../../mod.ts";
import { JACK_OUTPUTS, JACK_PERIOD, JACK_RATE } from "./jack.ts";

/** Opens a player on JACK with the test server's ports, rate and period; `options` add to
 * them (buses, latencyMonitor …). Run it inside `withJackServer`. */
export function openJackPlayer(options: PlayerOptions = {}): Promise<Player> {
  return Player.open({
    backend: "jack",
    channels: JACK_OUTPUTS,
    sampleRate: JACK_RATE,
    blockFrames: JACK_PERIOD,
    ...options,
  });
}
