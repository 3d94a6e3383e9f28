/**
 * What the web remote and the console share to answer HTTP: the reply shape, the security
 * headers, a node request's headers as web `Headers`, escaping for HTML, and refusing an
 * upgrade on the raw socket.
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** An answer, before it is written. */
export interface Reply {
  status: number;
  body?: string | null;
  headers?: Record<string, string>;
}

/** Headers on every answer: nothing cached, framed, sniffed, or loaded from elsewhere. The
 * referrer policy is "same-origin", not "no-referrer": with "no-referrer" a browser sends
 * `Origin: null` on the PIN form's POST, and the Origin check could not pass. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function answer(
  body: string | null,
  status: number,
  headers: Record<string, string> = {},
): Reply {
  return { status, body, headers };
}

export function json(value: unknown, status = 200): Reply {
  return answer(JSON.stringify(value), status, { "content-type": "application/json" });
}

/** A node request's headers as a web `Headers` (the auth checks read those). */
export function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    try {
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    } catch { /* a value Headers will not hold is a value no check needs */ }
  }
  return headers;
}

/** Refuses an upgrade on the raw socket: a status line and nothing of ours. */
export function refuseUpgrade(socket: Socket, status: number, reason: string): void {
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  }
  Deno.unrefTimer(setTimeout(() => socket.destroy(), 1000)); // if it never reads the answer
}
