/**
 * A follower repeats the primary's armed jump and loop at the same frames (docs/two-rigs.md).
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import type { SyncState } from "./sync_packet.ts";

/** The primary's jump this follower armed last, pending or taken (while the primary's states
 * still carry it). */
export interface CueMemory {
  armed?: { target: number; at: number };
}

/** Arms, cancels, loops or leaves as the primary's state says. A loop or jump past the end of
 * this rig's copy of the song (the primary's is longer) is clamped or left out, and the returned
 * text says so (undefined when everything fits); the lock goes on either way. */
export function followCues(player: Player, s: SyncState, memory: CueMemory): string | undefined {
  let mismatch: string | undefined;
  const same = (a?: number, b?: number) =>
    a !== undefined && b !== undefined && Math.abs(a - b) < 0.5 / player.sampleRate;
  const sameJump = (a?: { target: number; at: number }, b?: { target: number; at: number }) =>
    same(a?.target, b?.target) && same(a?.at, b?.at);
  const mine = player.scheduledJump;
  if (s.jump) {
    // A state sent just before the primary's jump fired can arrive after this rig took the
    // same jump: armed again, it would fire at once, a tick late (a relock). Once armed, a
    // jump is not armed again until a state without it comes.
    if (!sameJump(mine, s.jump) && !sameJump(memory.armed, s.jump)) {
      try {
        player.jumpAt(s.jump.target, s.jump.at);
        memory.armed = s.jump;
      } catch (error) {
        mismatch = `cannot repeat the primary's jump: ${(error as Error).message}`;
      }
    }
  } else {
    memory.armed = undefined;
  }
  if (!s.jump && mine && mine.at - player.position > 0.1) {
    player.cancelJump(); // cancelled on the primary (not one about to fire here)
  }
  const loop = player.loopRange;
  if (s.loop) {
    const end = Math.min(s.loop.end, player.duration);
    if (end < s.loop.end) {
      mismatch = `the primary loops to ${s.loop.end.toFixed(3)} s and this rig's ` +
        `"${player.title}" ends at ${player.duration.toFixed(3)} s: the two copies differ; ` +
        `looping to its end`;
    }
    if (!same(loop?.start, s.loop.start) || !same(loop?.end, end)) player.loop(s.loop.start, end);
  } else if (loop && !s.jump) {
    player.exitLoop({ at: "end" });
  }
  return mismatch;
}
