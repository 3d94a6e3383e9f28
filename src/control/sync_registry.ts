/**
 * Which players serve or follow a sync feed: the status (`health.sync`) and the `failback`
 * action find the link here, so the surfaces need no new parameter.
 *
 * @module
 */

/** `health.sync`: how a primary serves, or how a follower follows. */
export interface SyncHealth {
  /** "primary" (serves the feed) or "follower". */
  role: "primary" | "follower";
  /**
   * A primary: "serving". A follower: "waiting" (no valid packet yet), "locking" (following,
   * not yet within the lock), "locked", "missing" (the primary plays a song this rig lacks;
   * nothing is replaced), "lost" (the feed stopped; not in standby, so it plays on alone) or
   * "takenOver" (the feed stopped or the primary lost its device, and this standby rig is
   * sounding; `failback` mutes it again).
   */
  state: "serving" | "waiting" | "locking" | "locked" | "missing" | "lost" | "takenOver";
  /** The follower's position minus the primary's, ms (+ = ahead); 0 for a primary. */
  offsetMs: number;
  /** The follower's audio clock against the primary's, ppm (+ = fast); 0 for a primary. */
  driftPpm: number;
  /** A follower: the primary's clock minus this machine's, ms, from round trips. */
  clockOffsetMs?: number;
  /** Declicked jumps the follower made to get back in lock. */
  relocks: number;
  /** Packets dropped: bad MAC, old sequence, another sender, malformed. */
  rejected: number;
  /** A follower: how late its own device callbacks ran behind its filtered audio clock in the
   * last 2 s, ms (sync_callback_clock.ts): the jitter the filter keeps out of the lock. */
  callbackLateMs?: { median: number; p90: number; p99: number };
  /** A follower: in standby (its outputs, or the standby buses, muted while the primary is
   * healthy). */
  standby?: boolean;
  /** A primary: followers heard from in the last few seconds. */
  followers?: number;
  /** What the operator should know (a missing song, a mismatched song, a lost feed, an error
   * following a packet). Only authenticated packets change it. */
  problem?: string;
  /** A follower: why the last dropped packet was dropped (junk never touches `problem`). */
  lastRejected?: string;
}

/** What a surface can ask of a player's sync link. */
export interface SyncLink {
  health(): SyncHealth;
  /** Answers the `failback` action (a message for the operator). */
  failback(): string;
}

const links = new WeakMap<object, SyncLink>();

/** Registers (or with undefined, removes) the link of `player`. */
export function setSyncLink(player: object, link: SyncLink | undefined): void {
  if (link) links.set(player, link);
  else links.delete(player);
}

/** The sync health of `player`, if it serves or follows. */
export function syncHealthOf(player: object): SyncHealth | undefined {
  return links.get(player)?.health();
}

/** Runs the `failback` action on `player`. */
export function failbackOf(player: object): string {
  const link = links.get(player);
  return link ? link.failback() : "this rig follows no primary: nothing to fail back";
}
