/**
 * A follower repeats the primary's armed jump and loop at the same frames (docs/two-rigs.md).
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import type { SetlistState } from "../songs/setlist_runner.ts";
import type { SyncState } from "./sync_packet.ts";

/** Where the primary is at `primaryNow` (the primary's clock, ms), in frames: its state's
 * position carried forward, and (`takingJump`) its armed jump or loop end taken if it fell in
 * between. */
export function primaryAt(s: SyncState, primaryNow: number, takingJump: boolean): number {
  if (s.state !== "playing") return s.position;
  const rate = s.sampleRate;
  const position = s.position + (primaryNow - s.at) * rate / 1000;
  // The jump is on the primary's timeline; its loop is song time (÷ the speed its timeline
  // runs at, not a tempo asked and not yet ready).
  const speed = s.timelineSpeed ?? s.speed ?? 1;
  const jump = s.jump ?? (s.loop && { target: s.loop.start / speed, at: s.loop.end / speed });
  if (takingJump && jump && s.position < jump.at * rate && position >= jump.at * rate) {
    return jump.target * rate + (position - jump.at * rate);
  }
  return position;
}

/** How far into the next song the primary may be before a follower that has not taken its own
 * transition there yet is sent by a goto (seconds). */
const TRANSITION_GRACE_S = 1;

/** One rig has gone on to the next song by the setlist's transition and the other's is due
 * within moments (the two are a few ms apart): waiting for it keeps the show going, where a
 * goto would stop this rig and load the song again. */
export function transitionUnderway(player: Player, s: SyncState, setlist: SetlistState): boolean {
  const grace = s.sampleRate * TRANSITION_GRACE_S;
  if (s.state !== "playing" || player.state !== "playing") return false;
  const primaryWentOn = s.song.index === setlist.index + 1 && setlist.nextReady &&
    s.position < grace;
  const weWentOn = setlist.index === s.song.index + 1 && player.positionFrames < grace;
  return primaryWentOn || weWentOn;
}

/** The primary's jump this follower last armed or caught up with. */
export interface CueMemory {
  armed?: { target: number; at: number };
}

/** What following one state asks of the follower. */
export interface CueOutcome {
  /** A loop or jump past the end of this rig's copy of the song (the primary's is longer) was
   * clamped or left out: what to say (the lock goes on either way). */
  mismatch?: string;
  /** The primary took a jump before this rig heard of it (a jump "now", a vamp left "now"):
   * go to where the primary is, a declicked jump that is not a relock. */
  catchUp?: boolean;
}

/**
 * Arms, cancels, loops or leaves as the primary's state says. `primaryFrame`: where the
 * primary is now by the clocks, before any jump (the state's position carried forward).
 *
 * A jump still ahead of the primary is armed on the same frame here. One the primary has
 * passed is either one this rig armed already (a state sent just before the primary's jump
 * fired, heard after this rig took it too: armed again it would fire at once, a tick late) and
 * is left alone, or one it never heard of, and this rig catches up.
 */
export function followCues(
  player: Player,
  s: SyncState,
  primaryFrame: number,
  memory: CueMemory,
): CueOutcome {
  let mismatch: string | undefined;
  let catchUp = false;
  const same = (a?: number, b?: number) =>
    a !== undefined && b !== undefined && Math.abs(a - b) < 0.5 / player.sampleRate;
  const sameJump = (a?: { target: number; at: number }, b?: { target: number; at: number }) =>
    same(a?.target, b?.target) && same(a?.at, b?.at);
  const mine = player.scheduledJump;
  if (s.jump && !sameJump(mine, s.jump)) {
    if (primaryFrame < s.jump.at * s.sampleRate) {
      try {
        player.jumpAt(s.jump.target, s.jump.at);
        memory.armed = s.jump;
      } catch (error) {
        mismatch = `cannot repeat the primary's jump: ${(error as Error).message}`;
      }
    } else if (!sameJump(memory.armed, s.jump)) {
      memory.armed = s.jump;
      catchUp = true;
    }
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
  return { mismatch, catchUp };
}
