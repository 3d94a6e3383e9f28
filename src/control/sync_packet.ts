/**
 * The sync feed's packets (docs/two-rigs.md): what a primary and its followers say over UDP,
 * and the one codec that signs and checks them.
 *
 * A packet is `"SPS1"`, a 64-bit big-endian sequence number, a JSON body, then an
 * HMAC-SHA-256 (key: the shared secret) over everything before it. A receiver checks the
 * size, the magic and the MAC before it parses anything, then the body's shape; a packet that
 * fails any check is dropped whole (the caller counts it).
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { StemplayError } from "../errors.ts";

const MAGIC = new TextEncoder().encode("SPS1");
const SEQ_BYTES = 8;
const MAC_BYTES = 32;
/** Larger packets are refused: a state packet is a few hundred bytes, and a LAN's MTU is 1500. */
export const MAX_SYNC_PACKET_BYTES = 1400;
/** The shortest shared secret accepted, in bytes (UTF-8). */
export const MIN_SYNC_KEY_BYTES = 16;

/** A follower's clock probe (NTP-style): `t0` is the follower's clock when it was sent. It
 * also subscribes the follower to the primary's state for a few seconds. */
export interface SyncPing {
  kind: "ping";
  t0: number;
}

/** The primary's answer to a ping: `t1` when it arrived, `t2` when the answer left (the
 * primary's clock, ms). */
export interface SyncPong {
  kind: "pong";
  t0: number;
  t1: number;
  t2: number;
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
  /** Frames into the song. */
  position: number;
  sampleRate: number;
  /** A jump armed and not yet taken (sent ahead). */
  jump?: { target: number; at: number };
  /** The loop playing (its end is the next jump, known ahead). */
  loop?: { start: number; end: number };
  /** A loop whose last pass plays (left at its end). */
  leaving?: { start: number; end: number };
  /** Key (semitones) and tempo (speed ratio), when the primary has them. */
  transpose?: number;
  speed?: number;
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

/** Signs a message with its sequence number. */
export function encodeSyncPacket(key: string, seq: bigint, message: SyncMessage): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(message));
  const signed = new Uint8Array(MAGIC.length + SEQ_BYTES + body.length);
  signed.set(MAGIC, 0);
  new DataView(signed.buffer).setBigUint64(MAGIC.length, seq);
  signed.set(body, MAGIC.length + SEQ_BYTES);
  const packet = new Uint8Array(signed.length + MAC_BYTES);
  packet.set(signed, 0);
  packet.set(mac(key, signed), signed.length);
  return packet;
}

/** Why a packet was dropped. */
export type SyncReject = "size" | "magic" | "mac" | "malformed" | "replay" | "address";

/** A checked packet, or why it was dropped. */
export type SyncDecoded =
  | { ok: true; seq: bigint; message: SyncMessage }
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
      return finite(m.t0);
    case "pong":
      return finite(m.t0) && finite(m.t1) && finite(m.t2);
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
        (m.speed === undefined || finite(m.speed));
    }
  }
  return false;
}

/** Checks a received packet: size, magic, MAC, then the body. The sequence and the sender are
 * the caller's to check. */
export function decodeSyncPacket(key: string, packet: Uint8Array): SyncDecoded {
  const head = MAGIC.length + SEQ_BYTES;
  if (packet.length < head + MAC_BYTES + 2 || packet.length > MAX_SYNC_PACKET_BYTES) {
    return { ok: false, reason: "size" };
  }
  if (!MAGIC.every((byte, i) => packet[i] === byte)) return { ok: false, reason: "magic" };
  const signed = packet.subarray(0, packet.length - MAC_BYTES);
  if (!timingSafeEqual(mac(key, signed), packet.subarray(signed.length))) {
    return { ok: false, reason: "mac" };
  }
  const seq = new DataView(packet.buffer, packet.byteOffset).getBigUint64(MAGIC.length);
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(signed.subarray(head)));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!wellFormed(message)) return { ok: false, reason: "malformed" };
  return { ok: true, seq, message };
}

/** A sender's sequence numbers: they start at the wall clock in microseconds, so a rig that
 * restarts goes on above anything it sent before, and a receiver can refuse every replay. */
export class SyncSequence {
  #next = BigInt(Date.now()) * 1000n;
  /** The next number. */
  next(): bigint {
    return this.#next++;
  }
}

/** The receiving side: the highest sequence accepted from one sender. */
export class SyncReplayGuard {
  #last = -1n;
  /** True (and remembered) when `seq` is newer than every one accepted before. */
  accept(seq: bigint): boolean {
    if (seq <= this.#last) return false;
    this.#last = seq;
    return true;
  }
}

/** Words for a drop, for the operator. */
export const SYNC_REJECT_WORDS: Record<SyncReject, string> = {
  size: "wrong size",
  magic: "not a stemplay sync packet",
  mac: "bad MAC (another key, or altered)",
  malformed: "malformed body",
  replay: "old sequence number (a replay)",
  address: "not from the primary's address",
};
