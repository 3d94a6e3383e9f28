/**
 * Who may use the web remote: the PIN, the sessions it opens (an HttpOnly cookie), the limits on
 * PIN checks (per address, and for all addresses together), and the same-origin checks. A church
 * LAN has guests: nothing of the show is readable or actionable without the PIN.
 *
 * @module
 */

import { addressKey } from "./address_key.ts";
import { MAX_PIN_CHECKS, PIN_WINDOW_SECONDS, PinCheckLimit } from "./login_limit.ts";

export { MAX_PIN_CHECKS, PIN_WINDOW_SECONDS };

/** Wrong PINs an address (an IPv6 /64) may try before it must wait. */
export const MAX_WRONG_PINS = 10;
/** Seconds an address waits after `MAX_WRONG_PINS` wrong PINs; also how long a wrong PIN is
 * remembered when no other follows. */
export const LOCKOUT_SECONDS = 60;
/** Hours a session lasts (a long service, a rehearsal before it). */
export const SESSION_HOURS = 12;
/** Sessions kept at once. */
export const MAX_SESSIONS = 64;
/** A session used within this many seconds is never ended to make room for a new one. */
export const SESSION_IN_USE_SECONDS = 60;
/** The fewest digits a PIN may have (10^6 PINs: days of guessing at `MAX_PIN_CHECKS`). */
export const MIN_PIN_DIGITS = 6;
/** The most digits a PIN may have. */
export const MAX_PIN_DIGITS = 12;
/** The session cookie's name. */
export const SESSION_COOKIE = "stemplay_session";
/** The console's session cookie: its own name, as cookies ignore ports (a shared name would log
 * one out when logging into the other, and send one's token to the other). */
export const CONSOLE_COOKIE = "stemplay_console";

/** Whether `pin` is an acceptable PIN: `MIN_PIN_DIGITS` to `MAX_PIN_DIGITS` digits. */
export function validPin(pin: unknown): pin is string {
  return typeof pin === "string" && /^\d+$/.test(pin) && pin.length >= MIN_PIN_DIGITS &&
    pin.length <= MAX_PIN_DIGITS;
}

/** A random PIN of `digits` digits (uniform, from the system's secure random source). */
export function randomPin(digits = MIN_PIN_DIGITS): string {
  let pin = "";
  const byte = new Uint8Array(1);
  while (pin.length < digits) {
    crypto.getRandomValues(byte);
    if (byte[0] < 250) pin += String(byte[0] % 10); // 250 = 25 × 10: no digit favoured
  }
  return pin;
}

/** Compares two strings in time that does not depend on where they first differ. */
function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let difference = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return difference === 0;
}

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The outcome of a PIN. `locked` is per address (`everyone: false`) or, when the PIN checks
 * of all addresses together reached their limit, for everyone (`everyone: true`); `full`: no
 * session may be made now (every one is in use). */
export type LoginResult =
  | { ok: true; token: string }
  | { ok: false; reason: "wrong"; triesLeft: number }
  | { ok: false; reason: "locked"; retryAfterSeconds: number; everyone: boolean }
  | { ok: false; reason: "full"; retryAfterSeconds: number };

/** Options of a `RemoteGate`. */
export interface GateOptions {
  /** How long a session lasts, in ms (default `SESSION_HOURS`). */
  sessionMs?: number;
  /** Told of every session that ends (expired or ended for room), to close its connections. */
  onSessionEnd?: (token: string) => void;
  /** Whether a session is in use now (an open page): such a session is never ended for room. */
  inUse?: (token: string) => boolean;
  /** The session cookie's name (default `SESSION_COOKIE`). */
  cookieName?: string;
}

interface Session {
  expiresAt: number;
  lastUsed: number;
}

/** The PIN, the sessions and the PIN-check limits of one remote. */
export class RemoteGate {
  readonly pin: string;
  readonly #sessions = new Map<string, Session>();
  readonly #wrong = new Map<string, { count: number; lastAt: number; lockedUntil: number }>();
  readonly #checks = new PinCheckLimit();
  readonly #sessionMs: number;
  readonly #onSessionEnd: (token: string) => void;
  readonly #inUse: (token: string) => boolean;
  /** The session cookie's name. */
  readonly cookieName: string;

  /** @param pin the PIN every device must give */
  constructor(pin: string, options: GateOptions = {}) {
    this.pin = pin;
    this.#sessionMs = options.sessionMs ?? SESSION_HOURS * 3600_000;
    this.#onSessionEnd = options.onSessionEnd ?? (() => {});
    this.#inUse = options.inUse ?? (() => false);
    this.cookieName = options.cookieName ?? SESSION_COOKIE;
  }

  /** Sessions open now. */
  get sessions(): number {
    this.expire(Date.now());
    return this.#sessions.size;
  }

  /** Addresses (IPv6: /64 networks) with wrong PINs remembered now. */
  get trackedAddresses(): number {
    this.#prune(Date.now());
    return this.#wrong.size;
  }

  /** Seconds until PIN checks are made again, when all addresses together used up
   * `MAX_PIN_CHECKS` (0: they are made now). */
  pinPauseSeconds(now = Date.now()): number {
    return this.#checks.waitSeconds(now);
  }

  /**
   * Checks a PIN from `address`. While the address is locked out, or the PIN checks of all
   * addresses together are used up, even the right PIN is refused (so guessing cannot go on).
   */
  login(address: string, pin: string, now = Date.now()): LoginResult {
    const refused = this.checkPin(address, pin, now);
    if (refused) return refused;
    this.expire(now);
    if (this.#sessions.size >= MAX_SESSIONS && !this.#endIdlest(now)) {
      return { ok: false, reason: "full", retryAfterSeconds: SESSION_IN_USE_SECONDS };
    }
    const token = newToken();
    this.#sessions.set(token, { expiresAt: now + this.#sessionMs, lastUsed: now });
    return { ok: true, token };
  }

  /**
   * Checks a PIN from `address` without logging in (unlocking a stage lock), counted like a
   * login's: per address and toward the limit of all addresses together.
   *
   * @returns undefined for the right PIN, else why not
   */
  checkPin(
    address: string,
    pin: string,
    now = Date.now(),
  ): Extract<LoginResult, { reason: "locked" | "wrong" }> | undefined {
    this.#prune(now);
    const key = addressKey(address);
    const record = this.#wrong.get(key);
    if (record && record.lockedUntil > now) {
      const retryAfterSeconds = Math.ceil((record.lockedUntil - now) / 1000);
      return { ok: false, reason: "locked", retryAfterSeconds, everyone: false };
    }
    const wait = this.#checks.waitSeconds(now);
    if (wait > 0) return { ok: false, reason: "locked", retryAfterSeconds: wait, everyone: true };
    this.#checks.count(now);
    if (!sameText(pin, this.pin)) {
      const count = (record?.count ?? 0) + 1;
      const locked = count >= MAX_WRONG_PINS;
      this.#wrong.set(key, {
        count,
        lastAt: now,
        lockedUntil: locked ? now + LOCKOUT_SECONDS * 1000 : 0,
      });
      return locked
        ? { ok: false, reason: "locked", retryAfterSeconds: LOCKOUT_SECONDS, everyone: false }
        : { ok: false, reason: "wrong", triesLeft: MAX_WRONG_PINS - count };
    }
    this.#wrong.delete(key);
    return undefined;
  }

  /** The live session `headers` carry (its cookie), marked as used now; else undefined. */
  sessionOf(headers: Headers, now = Date.now()): string | undefined {
    const token = cookie(headers, this.cookieName);
    return token !== undefined && this.use(token, now) ? token : undefined;
  }

  /** Whether `headers` carry a live session cookie (and marks that session as used). */
  hasSession(headers: Headers, now = Date.now()): boolean {
    return this.sessionOf(headers, now) !== undefined;
  }

  /** Whether the session `token` is live; if so, marks it as used now. */
  use(token: string, now = Date.now()): boolean {
    const session = this.#sessions.get(token);
    if (session === undefined) return false;
    if (session.expiresAt <= now) {
      this.#end(token);
      return false;
    }
    session.lastUsed = now;
    return true;
  }

  /** The Set-Cookie value for a new session: HttpOnly (no script reads it), SameSite=Strict
   * (no other site's page sends it). */
  static cookie(token: string, name = SESSION_COOKIE): string {
    return `${name}=${token}; HttpOnly; SameSite=Strict; Path=/; ` +
      `Max-Age=${SESSION_HOURS * 3600}`;
  }

  /** Ends every session that has expired (its connections are told to close). */
  expire(now = Date.now()): void {
    for (const [token, { expiresAt }] of this.#sessions) {
      if (expiresAt <= now) this.#end(token);
    }
  }

  /** Ends every session (the remote is closing). */
  endAll(): void {
    for (const token of [...this.#sessions.keys()]) this.#end(token);
  }

  /** Ends the least recently used session that is not in use, to make room; false if none. */
  #endIdlest(now: number): boolean {
    let idlest: string | undefined, idlestAt = Infinity;
    for (const [token, { lastUsed }] of this.#sessions) {
      if (lastUsed < idlestAt && lastUsed <= now - SESSION_IN_USE_SECONDS * 1000) {
        if (this.#inUse(token)) continue;
        idlest = token;
        idlestAt = lastUsed;
      }
    }
    if (idlest === undefined) return false;
    this.#end(idlest);
    return true;
  }

  #end(token: string): void {
    if (!this.#sessions.delete(token)) return;
    try {
      this.#onSessionEnd(token);
    } catch (error) {
      console.error(`stemplay: web remote: closing an ended session failed: ${error}`);
    }
  }

  /** Forgets wrong PINs no longer locked and older than the lockout: the table holds only the
   * addresses of the last minute, which the all-address limit bounds. */
  #prune(now: number): void {
    for (const [key, record] of this.#wrong) {
      if (record.lockedUntil <= now && record.lastAt + LOCKOUT_SECONDS * 1000 <= now) {
        this.#wrong.delete(key);
      }
    }
  }
}

/** A cookie's value from the request's headers, if it has it. */
function cookie(headers: Headers, name: string): string | undefined {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/** Whether `url` (an Origin or Referer) names the host the request was sent to. */
function sameHost(url: string, host: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") &&
      parsed.host === host;
  } catch {
    return false;
  }
}

/**
 * Whether the request comes from a page of this server: its Origin header is present and names
 * the host the request was sent to. A page on another site (or a guest's script) cannot drive
 * the show through a visitor's browser.
 */
export function sameOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  const host = headers.get("host");
  return !!origin && !!host && sameHost(origin, host);
}

/**
 * Whether a navigation was started by another site: its Origin or Referer names another host,
 * or the browser says so (`Sec-Fetch-Site` other than "same-origin" or "none"). A typed or
 * scanned URL has neither header, or `Sec-Fetch-Site: none`.
 */
export function fromAnotherSite(headers: Headers): boolean {
  const host = headers.get("host") ?? "";
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  for (const name of ["origin", "referer"]) {
    const value = headers.get(name);
    if (value !== null && !sameHost(value, host)) return true;
  }
  return false;
}
