/**
 * The primary's side of the sync feed (docs/two-rigs.md): answers followers' clock probes and
 * sends its transport to every follower heard from lately, every 20 ms.
 *
 * @module
 */

import dgram from "node:dgram";
import { createHmac, randomBytes } from "node:crypto";
import type { Player } from "../player/player.ts";
import { StemplayError } from "../errors.ts";
import {
  checkSyncKey,
  decodeSyncPacket,
  encodeSyncPacket,
  type SyncMessage,
  SyncReplayWindows,
  SyncSequence,
  type SyncState,
} from "./sync_packet.ts";
import { CallbackClock } from "./sync_callback_clock.ts";
import { syncNow } from "./sync_clock.ts";
import { setSyncLink } from "./sync_registry.ts";

/** Options of `serveSync`. */
export interface SyncServeOptions {
  /** UDP port (0: any free port; see the handle's `port`). */
  port: number;
  /** Address to listen on; default "127.0.0.1" (loopback). A LAN rig gives its LAN address or
   * "0.0.0.0". */
  hostname?: string;
  /** The shared secret, at least 16 bytes, the same on the follower. */
  key: string;
}

/** A running feed. */
export interface SyncServer {
  /** The UDP port it listens on. */
  readonly port: number;
  /** Packets dropped (bad MAC, replay, malformed). */
  readonly rejected: number;
  /** Followers heard from in the last few seconds. */
  readonly followers: number;
  /** Stops the feed. Idempotent. */
  close(): Promise<void>;
}

/** More frames than one callback plays (JACK's largest period is 8192). */
const MAX_CALLBACK_FRAMES = 8192;
/** How often the transport goes out. */
export const SYNC_TICK_MS = 20;
/** A follower that has not pinged for this long is no longer sent to. */
const FOLLOWER_TTL_MS = 5000;
/** Followers served at most (a feed is for a backup or two, not a broadcast). */
const MAX_FOLLOWERS = 8;
/** Follower sessions whose replay windows are remembered (the least recently heard go first). */
const MAX_WINDOWS = 64;
/** A ping whose wall clock is further than this from the primary's is refused (an old capture
 * replayed): the two rigs' clocks must agree within it (NTP, or set by hand). */
export const SYNC_FRESH_MS = 30_000;
/** Bytes sent to one follower per second at most (states are ~300 B, 50 a second). */
const MAX_BYTES_PER_SECOND = 64_000;

/** The primary's transport now, as a state message; undefined in the moment between the
 * callback's switch to the next song (a setlist transition) and the tick that takes it in: the
 * song, its position and its armed jump must come from one status, or a follower would take
 * the new song's position for the old one's (and reload a song mid-show). */
export function transportMessage(
  player: Player,
  clock?: CallbackClock,
): SyncState | undefined {
  player.engineContext.tick(); // a transition or a jump that fired is taken in first
  const status = player.engineContext.readStatus();
  if (status.group !== player.currentGroup) return undefined;
  const { state, positionFrames } = player.transportAt(status);
  // Playing on a device: the frame the last callback began with, and when (sub-millisecond).
  // Not when a jump or a song change happened inside that callback: the frame it began with
  // is then the place it left (the status's own position is the one after it).
  const seam = status.position < status.callbackPosition ||
    status.position - status.callbackPosition > MAX_CALLBACK_FRAMES;
  const stamped = state === "playing" && status.callbackMs > 0 && !seam;
  const at = stamped ? status.callbackMs : syncNow(player.native);
  if (stamped) clock?.add(at, status.callbackPosition, clock.framesPerMs());
  const setlist = player.setlist;
  return {
    kind: "state",
    at,
    song: { index: setlist ? setlist.index : -1, title: player.title },
    state,
    // Filtered, when the feed samples its callbacks: a late callback's stamp reads late.
    position: stamped ? (clock?.frameAt(at) ?? status.callbackPosition) : positionFrames,
    sampleRate: player.sampleRate,
    jump: player.scheduledJumpAsOf(status),
    loop: player.loopRange,
    leaving: player.leavingLoop,
    transpose: player.transpose,
    speed: player.speed,
    timelineSpeed: player.timelineSpeed,
    deviceLost: state === "error",
  };
}

/** Serves `player`'s transport to followers on UDP.
 * @throws {StemplayError} "INVALID_ARGUMENT" for a short key or a bad port; "SYNC_LISTEN" when the
 * port cannot be bound */
export async function serveSync(player: Player, options: SyncServeOptions): Promise<SyncServer> {
  const key = checkSyncKey(options.key);
  const port = options.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StemplayError("INVALID_ARGUMENT", `sync port must be 0..65535, got ${port}`);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const socket = dgram.createSocket(hostname.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (error) =>
      reject(
        new StemplayError(
          "SYNC_LISTEN",
          `cannot serve sync on ${hostname}:${port}: ${error.message}`,
        ),
      ));
    socket.bind(port, hostname, () => resolve());
  });
  const sequence = new SyncSequence();
  const followers = new Map<
    string,
    { port: number; address: string; seen: number; second: number; bytes: number }
  >();
  const windows = new SyncReplayWindows(MAX_WINDOWS);
  // A cookie is a MAC of the follower's address, port and session under a secret of this run:
  // only a follower that receives at that address can echo it.
  const cookieKey = randomBytes(32);
  const cookieOf = (who: string, session: bigint) =>
    createHmac("sha256", cookieKey).update(`${who}/${session}`).digest("hex").slice(0, 32);
  let rejected = 0;
  let closed = false;
  const send = (message: SyncMessage, address: string, to: number) => {
    const bytes = encodeSyncPacket(key, sequence.next(), message, sequence.session);
    socket.send(bytes, to, address);
    return bytes.length;
  };
  socket.on("message", (packet, from) => {
    const t1 = syncNow(player.native);
    const decoded = decodeSyncPacket(key, new Uint8Array(packet));
    const who = `${from.address}:${from.port}`;
    if (!decoded.ok || decoded.message.kind !== "ping") {
      rejected++;
      return;
    }
    const ping = decoded.message;
    if (Math.abs(ping.wall - Date.now()) > SYNC_FRESH_MS) {
      rejected++;
      return;
    }
    if (!windows.get(decoded.session).accept(decoded.seq)) {
      rejected++;
      return;
    }
    const cookie = cookieOf(who, decoded.session);
    // State goes only to an address proven by a round trip (the cookie of our last pong).
    if (ping.cookie === cookie && (followers.has(who) || followers.size < MAX_FOLLOWERS)) {
      const known = followers.get(who);
      followers.set(who, {
        address: from.address,
        port: from.port,
        seen: t1,
        second: known?.second ?? 0,
        bytes: known?.bytes ?? 0,
      });
    }
    send(
      {
        kind: "pong",
        t0: ping.t0,
        t1,
        t2: syncNow(player.native),
        id: decoded.session.toString(16),
        cookie,
      },
      from.address,
      from.port,
    );
  });
  socket.on("error", () => {});
  const clock = new CallbackClock(player);
  clock.start();
  const timer = setInterval(() => {
    if (player.closed) return;
    const now = syncNow(player.native);
    for (const [who, follower] of followers) {
      if (now - follower.seen > FOLLOWER_TTL_MS) followers.delete(who);
    }
    if (!followers.size) return;
    const message = transportMessage(player, clock);
    if (!message) return; // the next tick's, 20 ms on
    const second = Math.floor(now / 1000);
    for (const follower of followers.values()) {
      if (follower.second !== second) [follower.second, follower.bytes] = [second, 0];
      if (follower.bytes >= MAX_BYTES_PER_SECOND) continue;
      follower.bytes += send(message, follower.address, follower.port);
    }
  }, SYNC_TICK_MS);
  const server: SyncServer = {
    get port() {
      return socket.address().port;
    },
    get rejected() {
      return rejected;
    },
    get followers() {
      return followers.size;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      clearInterval(timer);
      clock.stop();
      setSyncLink(player, undefined);
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
  setSyncLink(player, {
    health: () => ({
      role: "primary",
      state: "serving",
      offsetMs: 0,
      driftPpm: 0,
      relocks: 0,
      rejected,
      followers: followers.size,
    }),
    failback: () => "this rig is the primary: failback is for a follower",
  });
  return server;
}
