/**
 * Who may use the web remote: the PIN, the sessions it opens (an HttpOnly cookie), the limit on
 * wrong PINs per address, and the same-origin check on WebSocket and action requests. A church
 * LAN has guests: nothing of the show is readable or actionable without the PIN.
 *
 * @module
 */

/** Wrong PINs an address may try before it must wait. */
export const MAX_WRONG_PINS = 10;
/** Seconds an address waits after `MAX_WRONG_PINS` wrong PINs. */
export const LOCKOUT_SECONDS = 60;
/** Hours a session lasts (a long service, a rehearsal before it). */
export const SESSION_HOURS = 12;
/** Sessions kept at once; the oldest goes first. */
const MAX_SESSIONS = 64;
/** The session cookie's name. */
export const SESSION_COOKIE = "stemplay_session";

/** A random PIN of `digits` digits (uniform, from the system's secure random source). */
export function randomPin(digits = 6): string {
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

/** The outcome of a PIN. */
export type LoginResult =
  | { ok: true; token: string }
  | { ok: false; reason: "wrong"; triesLeft: number }
  | { ok: false; reason: "locked"; retryAfterSeconds: number };

/** The PIN, the sessions and the wrong-PIN counts of one remote. */
export class RemoteGate {
  readonly pin: string;
  readonly #sessions = new Map<string, number>(); // token → expires at (ms)
  readonly #wrong = new Map<string, { count: number; lockedUntil: number }>();

  /** @param pin the PIN every device must give */
  constructor(pin: string) {
    this.pin = pin;
  }

  /** Sessions open now. */
  get sessions(): number {
    this.#expire(Date.now());
    return this.#sessions.size;
  }

  /**
   * Checks a PIN from `address`. While the address is locked out, even the right PIN is
   * refused (so guessing cannot go on at full speed).
   */
  login(address: string, pin: string, now = Date.now()): LoginResult {
    const record = this.#wrong.get(address);
    if (record && record.lockedUntil > now) {
      return {
        ok: false,
        reason: "locked",
        retryAfterSeconds: Math.ceil((record.lockedUntil - now) / 1000),
      };
    }
    if (record && record.lockedUntil && record.lockedUntil <= now) this.#wrong.delete(address);
    if (!sameText(pin, this.pin)) {
      const count = (this.#wrong.get(address)?.count ?? 0) + 1;
      const locked = count >= MAX_WRONG_PINS;
      this.#wrong.set(address, {
        count,
        lockedUntil: locked ? now + LOCKOUT_SECONDS * 1000 : 0,
      });
      return locked
        ? { ok: false, reason: "locked", retryAfterSeconds: LOCKOUT_SECONDS }
        : { ok: false, reason: "wrong", triesLeft: MAX_WRONG_PINS - count };
    }
    this.#wrong.delete(address);
    this.#expire(now);
    if (this.#sessions.size >= MAX_SESSIONS) {
      this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    const token = newToken();
    this.#sessions.set(token, now + SESSION_HOURS * 3600_000);
    return { ok: true, token };
  }

  /** Whether `request` carries a live session cookie. */
  hasSession(request: Request, now = Date.now()): boolean {
    const token = cookie(request, SESSION_COOKIE);
    if (!token) return false;
    const expiresAt = this.#sessions.get(token);
    if (expiresAt === undefined) return false;
    if (expiresAt <= now) {
      this.#sessions.delete(token);
      return false;
    }
    return true;
  }

  /** The Set-Cookie value for a new session: HttpOnly (no script reads it), SameSite=Strict
   * (no other site's page sends it). */
  static cookie(token: string): string {
    return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; ` +
      `Max-Age=${SESSION_HOURS * 3600}`;
  }

  #expire(now: number): void {
    for (const [token, expiresAt] of this.#sessions) {
      if (expiresAt <= now) this.#sessions.delete(token);
    }
  }
}

/** A cookie's value from the request, if it has it. */
function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/**
 * Whether the request comes from a page of this server: its Origin header is present and names
 * the host the request was sent to. A page on another site (or a guest's script) cannot drive
 * the show through a visitor's browser.
 */
export function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  const host = request.headers.get("host");
  if (!origin || !host) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host === host;
  } catch {
    return false;
  }
}
