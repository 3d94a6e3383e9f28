/**
 * Bus levels from the keys: `b` picks the next bus of the rig profile, `{` and `}` step the
 * picked one 1 dB down or up (through the control layer's `busGain`, ramped, never above
 * +12 dB). Until `b` is pressed they act on the profile's first bus.
 *
 * @module
 */

import type { Action } from "../control/actions.ts";
import { GAIN_STEP_DB, type PlaySession } from "./session.ts";

/** The bus `{` `}` act on: the one `b` picked last, else the first. */
function pickedBus(session: PlaySession): string | undefined {
  const buses = session.player.buses;
  if (buses.length === 0) return undefined;
  return buses[Math.max(0, session.busIndex) % buses.length].name;
}

/** `b`: picks the next bus (the first at the first press) and says so. */
export function pickNextBus(session: PlaySession): void {
  const buses = session.player.buses;
  if (buses.length === 0) {
    session.message = "no buses: the rig profile has none";
    return;
  }
  session.busIndex = (session.busIndex + 1) % buses.length;
  const bus = buses[session.busIndex];
  const level = bus.gain > 0
    ? `${bus.gainDb >= 0 ? "+" : ""}${bus.gainDb.toFixed(1)} dB`
    : "-inf dB";
  session.message = `bus ${bus.name} selected (${level}): { and } step it 1 dB`;
}

/** `{` (down) or `}` (up): a 1 dB step of the picked bus, as an action. */
export function busStep(session: PlaySession, direction: 1 | -1): Action | undefined {
  const bus = pickedBus(session);
  return bus === undefined ? undefined : { type: "busGain", bus, stepDb: direction * GAIN_STEP_DB };
}
