/**
 * Which packets a follower takes (docs/two-rigs.md, Security): only from the primary, checked
 * with the key, in the primary's current session, newer than every one before. The primary's
 * session and address are learned from its first authenticated answer to one of our own pings.
 *
 * @module
 */

import {
  decodeSyncPacket,
  type SyncPong,
  type SyncReject,
  SyncReplayGuard,
  type SyncState,
} from "./sync_packet.ts";
import { SYNC_FRESH_MS } from "./sync_serve.ts";

/** A packet taken, or why not. `newSession` is set on the pong that starts a primary session. */
export type SyncAdmitted =
  | { ok: true; message: SyncPong | SyncState; newSession: boolean }
  | { ok: false; reason: SyncReject };

/** The follower's gate. */
export class SyncAdmission {
  readonly #key: string;
  /** Our own session id, as a pong echoes it. */
  readonly #id: string;
  /** Where the primary answers from: the configured address until its first answer to our
   * ping, then the address that answer came from (a primary on 0.0.0.0 answers from the
   * address its route picks). */
  #primary: { address: string; port: number };
  #confirmed = false;
  #session?: bigint;
  #guard = new SyncReplayGuard();
  /** The t0 of the newest pong taken: an answer to an older ping cannot switch sessions. */
  #lastPongT0 = -Infinity;
  /** The primary's cookie, echoed in our next ping. */
  cookie?: string;

  constructor(key: string, primary: { address: string; port: number }, ownSession: bigint) {
    this.#key = key;
    this.#primary = primary;
    this.#id = ownSession.toString(16);
  }

  /** Checks one datagram that arrived at `now` (our clock, as our pings' t0). */
  admit(packet: Uint8Array, address: string, port: number, now: number): SyncAdmitted {
    const fromPrimary = this.#confirmed
      ? address === this.#primary.address && port === this.#primary.port
      : port === this.#primary.port;
    if (!fromPrimary) return { ok: false, reason: "address" };
    const decoded = decodeSyncPacket(this.#key, packet);
    if (!decoded.ok) return decoded;
    const message = decoded.message;
    if (message.kind === "ping") return { ok: false, reason: "malformed" };
    let newSession = false;
    if (message.kind === "pong") {
      // Only an answer to one of our own recent pings, in this run, counts.
      const ours = message.id === this.#id && message.t0 <= now &&
        now - message.t0 <= SYNC_FRESH_MS;
      if (!ours) return { ok: false, reason: "stale" };
      if (decoded.session !== this.#session) {
        if (message.t0 <= this.#lastPongT0) return { ok: false, reason: "stale" };
        // The primary (re)started: a new session, a new window, its address.
        this.#session = decoded.session;
        this.#guard = new SyncReplayGuard();
        this.#primary = { address, port };
        this.#confirmed = true;
        newSession = true;
      }
    } else if (decoded.session !== this.#session) {
      return { ok: false, reason: "session" };
    }
    const why = this.#guard.check(decoded.seq);
    if (why) return { ok: false, reason: why };
    if (message.kind === "pong") {
      this.#lastPongT0 = Math.max(this.#lastPongT0, message.t0);
      this.cookie = message.cookie;
    }
    return { ok: true, message, newSession };
  }
}
