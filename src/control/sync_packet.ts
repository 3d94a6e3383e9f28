/**
 * The sync feed's packets (docs/two-rigs.md): what a primary and its followers say over UDP,
 * and the one codec that signs and checks them.
 *
 * A packet is `"SPS2"`, the sender's 64-bit session id (random at every start), a 64-bit
 * sequence number (both big-endian), a JSON body, then an HMAC-SHA-256 (key: the shared secret)
 * over everything before it. A receiver checks the
 * size, the magic and the MAC before it parses anything, then the body's shape; a packet that
 * fails any check is dropped whole (the caller counts it).
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { StemplayError } from "../errors.ts";

const MAGIC = new TextEncoder().encode("SPS2");
const SESSION_BYTES = 8;
const SEQ_BYTES = 8;
const MAC_BYTES = 32;
/** Larger packets are refused: a state packet is a few hundred bytes, and a LAN's MTU is 1500. */
export const MAX_SYNC_PACKET_BYTES = 1400;
/** The shortest shared secret accepted, in bytes (UTF-8). */
export const MIN_SYNC_KEY_BYTES = 16;

/** A follower's clock probe (NTP-style): `t0` is the follower's clock when it was sent, `wall`
 * its wall clock (ms since 1970; the primary refuses a ping more than 30 s from its own). A
 * ping that echoes the `cookie` of the primary's last pong to this address subscribes the
 * follower to the primary's state for a few seconds. */
export interface SyncPing {
  kind: "ping";
  t0: number;
  wall: number;
  cookie?: string;
}

/** The primary's answer to a ping: `t1` when it arrived, `t2` when the answer left (the
 * primary's clock, ms). */
export interface SyncPong {
  kind: "pong";
  t0: number;
  t1: number;
  t2: number;
  /** The pinging follower's session id (hex), echoed: the follower takes only answers to its
   * own pings. */
  id: string;
  /** Echoed in the follower's next ping, it proves the follower receives at its address. */
  cookie: string;
}

/** The primary's transport, sent every tick and at once after every change. Times in seconds
 * of the song, clocks in ms. */
export interface SyncState {
  kind: "state";
  /** The primary's clock when `position` was read (ms). */
  at: number;
  /** Setlist position (from 0; -1 without a setlist) and title of the song. */
  song: { index: number; title: string };
  state: "stopped" | "playing" | "paused" | "ended" | "error";
  /** Frames into the song, on its timeline (real time; song time at speed 1). */
  position: number;
  sampleRate: number;
  /** A jump armed and not yet taken (sent ahead), in the timeline's seconds. */
  jump?: { target: number; at: number };
  /** The loop playing (its end is the next jump, known ahead), in song time (÷ speed: the
   * timeline's seconds). */
  loop?: { start: number; end: number };
  /** A loop whose last pass plays (left at its end), in song time. */
  leaving?: { start: number; end: number };
  /** Key (semitones) and tempo (speed ratio), when the primary has them. */
  transpose?: number;
  speed?: number;
  /** The speed the playing song's timeline runs at: `speed` until a tempo change asked is
   * ready. The loop goes on the timeline ÷ this one. */
  timelineSpeed?: number;
  /** The primary's device is lost: its audience hears nothing. */
  deviceLost: boolean;
}

/** Anything the feed carries. */
export type SyncMessage = SyncPing | SyncPong | SyncState;

/** Checks a shared secret: a string of at least 16 bytes.
 * @throws {StemplayError} "INVALID_ARGUMENT" naming what is wrong */
export function checkSyncKey(key: unknown): string {
  if (typeof key !== "string") {
    throw new StemplayError("INVALID_ARGUMENT", "the sync key must be a string (a shared secret)");
  }
  const bytes = new TextEncoder().encode(key).length;
  if (bytes < MIN_SYNC_KEY_BYTES) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the sync key is ${bytes} bytes; it must be at least ${MIN_SYNC_KEY_BYTES} ` +
        `(e.g. the output of "openssl rand -hex 16"), the same on both rigs`,
    );
  }
  return key;
}

function mac(key: string, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(bytes).digest());
}

const HEAD_BYTES = MAGIC.length + SESSION_BYTES + SEQ_BYTES;

/** Signs a message with the sender's session id and its sequence number. */
export function encodeSyncPacket(
  key: string,
  seq: bigint,
  message: SyncMessage,
  session = 0n,
): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(message));
  const signed = new Uint8Array(HEAD_BYTES + body.length);
  signed.set(MAGIC, 0);
  new DataView(signed.buffer).setBigUint64(MAGIC.length, session);
  new DataView(signed.buffer).setBigUint64(MAGIC.length + SESSION_BYTES, seq);
  signed.set(body, HEAD_BYTES);
  const packet = new Uint8Array(signed.length + MAC_BYTES);
  packet.set(signed, 0);
  packet.set(mac(key, signed), signed.length);
  return packet;
}

/** Why a packet was dropped. */
export type SyncReject =
  | "size"
  | "magic"
  | "mac"
  | "malformed"
  | "replay"
  | "reordered"
  | "stale"
  | "session"
  | "address";

/** A checked packet, or why it was dropped. */
export type SyncDecoded =
  | { ok: true; session: bigint; seq: bigint; message: SyncMessage }
  | { ok: false; reason: SyncReject };

const finite = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value);
const STATES = new Set(["stopped", "playing", "paused", "ended", "error"]);

function range(value: unknown): boolean {
  if (value === undefined) return true;
  const r = value as { start?: unknown; end?: unknown };
  return typeof value === "object" && value !== null && finite(r.start) && finite(r.end);
}

/** True when `value` has the shape of a message (fields and types; nothing more is trusted). */
function wellFormed(value: unknown): value is SyncMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  switch (m.kind) {
    case "ping":
      return finite(m.t0) && finite(m.wall) &&
        (m.cookie === undefined || typeof m.cookie === "string");
    case "pong":
      return finite(m.t0) && finite(m.t1) && finite(m.t2) && typeof m.id === "string" &&
        typeof m.cookie === "string";
    case "state": {
      const song = m.song as { index?: unknown; title?: unknown } | null;
      const jump = m.jump as { target?: unknown; at?: unknown } | undefined;
      return finite(m.at) && typeof song === "object" && song !== null &&
        Number.isInteger(song.index) && typeof song.title === "string" &&
        STATES.has(m.state as string) && finite(m.position) && finite(m.sampleRate) &&
        (m.sampleRate as number) > 0 && typeof m.deviceLost === "boolean" &&
        (jump === undefined || (typeof jump === "object" && jump !== null &&
          finite(jump.target) && finite(jump.at))) &&
        range(m.loop) && range(m.leaving) &&
        (m.transpose === undefined || finite(m.transpose)) &&
        (m.speed === undefined || finite(m.speed)) &&
        (m.timelineSpeed === undefined || (finite(m.timelineSpeed) && m.timelineSpeed > 0));
    }
  }
  return false;
}

/** Checks a received packet: size, magic, MAC, then the body. The sequence and the sender are
 * the caller's to check. */
export function decodeSyncPacket(key: string, packet: Uint8Array): SyncDecoded {
  const head = HEAD_BYTES;
  if (packet.length < head + MAC_BYTES + 2 || packet.length > MAX_SYNC_PACKET_BYTES) {
    return { ok: false, reason: "size" };
  }
  if (!MAGIC.every((byte, i) => packet[i] === byte)) return { ok: false, reason: "magic" };
  const signed = packet.subarray(0, packet.length - MAC_BYTES);
  if (!timingSafeEqual(mac(key, signed), packet.subarray(signed.length))) {
    return { ok: false, reason: "mac" };
  }
  const view = new DataView(packet.buffer, packet.byteOffset);
  const session = view.getBigUint64(MAGIC.length);
  const seq = view.getBigUint64(MAGIC.length + SESSION_BYTES);
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(signed.subarray(head)));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!wellFormed(message)) return { ok: false, reason: "malformed" };
  return { ok: true, session, seq, message };
}

/** A random 64-bit session id: a sender draws one at every start, so a restarted rig is told
 * from a replay of its last run whatever its clock did. */
export function newSyncSession(): bigint {
  return new DataView(crypto.getRandomValues(new Uint8Array(8)).buffer).getBigUint64(0);
}

/** A sender's sequence numbers within its session. They start at the wall clock in
 * microseconds (for reading; the session id is what tells runs apart). */
export class SyncSequence {
  readonly session: bigint = newSyncSession();
  #next = BigInt(Date.now()) * 1000n;
  /** The next number. */
  next(): bigint {
    return this.#next++;
  }
}

/** How many sequence numbers behind the newest a window remembers. */
const WINDOW = 64n;

/** The receiving side, for one sender's session: the newest sequence accepted and which of the
 * 64 before it were seen, so a repeat is told ("replay") from a late packet ("reordered"). */
export class SyncReplayGuard {
  #last = -1n;
  #seen = 0n; // bit i: #last - i was accepted
  /** Null (and remembered) when `seq` is newer than every one accepted before; else why not. */
  check(seq: bigint): "replay" | "reordered" | null {
    if (seq > this.#last) {
      const shift = seq - this.#last;
      this.#seen = this.#last < 0n || shift >= WINDOW ? 1n : ((this.#seen << shift) | 1n) &
        ((1n << WINDOW) - 1n);
      this.#last = seq;
      return null;
    }
    const back = this.#last - seq;
    if (back >= WINDOW) return "replay"; // too old to tell: refused like a replay
    if ((this.#seen >> back) & 1n) return "replay";
    this.#seen |= 1n << back; // a late one, counted once
    return "reordered";
  }
  /** True (and remembered) when `seq` is newer than every one accepted before. */
  accept(seq: bigint): boolean {
    return this.check(seq) === null;
  }
}

/** One replay window per session id, the least recently used forgotten past `limit` (never all
 * at once: a flood of new ids only pushes out the oldest). */
export class SyncReplayWindows {
  readonly #windows = new Map<bigint, SyncReplayGuard>();
  constructor(readonly limit: number) {}
  /** The window of `session`, made (and the oldest dropped) when new. */
  get(session: bigint): SyncReplayGuard {
    let guard = this.#windows.get(session);
    if (guard) {
      this.#windows.delete(session);
    } else {
      guard = new SyncReplayGuard();
      if (this.#windows.size >= this.limit) {
        this.#windows.delete(this.#windows.keys().next().value!);
      }
    }
    this.#windows.set(session, guard);
    return guard;
  }
}

/** Words for a drop, for the operator. */
export const SYNC_REJECT_WORDS: Record<SyncReject, string> = {
  size: "wrong size",
  magic: "not a stemplay sync packet",
  mac: "bad MAC (another key, or altered)",
  malformed: "malformed body",
  replay: "old sequence number (a replay)",
  reordered: "arrived after a newer one (reordered)",
  stale: "its time is more than 30 s from this rig's clock, or it answers no ping of ours",
  session: "from another session of the primary than the one confirmed by its answer to our ping",
  address: "not from the primary's address",
};
