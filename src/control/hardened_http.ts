/**
 * The hardened parts of an HTTP server that a stranger on the network can reach: the security
 * headers on every answer, replies built before they are written, request headers read as web
 * `Headers`, upgrades refused on the raw socket, and a `listen` where nothing a client sends can
 * end the process (every handler catches; a request the parser refuses is answered and closed)
 * under the connection limits of http_limits.ts. The web remote (remote.ts) serves through it;
 * another page served to the LAN should too, rather than a copy.
 *
 * @module
 */

import type http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { StemplayError } from "../errors.ts";
import { type ConnectionCounts, type HttpLimits, limitConnections } from "./http_limits.ts";

/** Headers on every answer: nothing cached, framed, sniffed, or loaded from elsewhere. The
 * referrer policy is "same-origin", not "no-referrer": with "no-referrer" a browser sends
 * `Origin: null` on a form's POST, and the Origin check could not pass. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** An answer, before it is written. */
export interface Reply {
  status: number;
  body?: string | null;
  headers?: Record<string, string>;
}

/** An answer with a body (or none) and extra headers. */
export function answer(
  body: string | null,
  status: number,
  headers: Record<string, string> = {},
): Reply {
  return { status, body, headers };
}

/** A JSON answer. */
export function json(value: unknown, status = 200): Reply {
  return answer(JSON.stringify(value), status, { "content-type": "application/json" });
}

/** Text made safe to put inside HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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

/** Writes a reply with the security headers and its exact length. */
export function writeReply(response: ServerResponse, reply: Reply): void {
  const body = reply.body ?? "";
  response.writeHead(reply.status, {
    ...SECURITY_HEADERS,
    "content-length": String(new TextEncoder().encode(body).byteLength),
    ...(reply.headers ?? {}),
  });
  response.end(body);
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

/** What a hardened server does with what reaches it. */
export interface HardenedRoutes {
  /** The answer to a request (a throw answers 500 and is logged). */
  handle(request: IncomingMessage): Promise<Reply>;
  /** A WebSocket upgrade (a throw closes the socket and is logged); none: refused with 404. */
  upgrade?(request: IncomingMessage, socket: Socket, head: Uint8Array): void;
  /** True for a request from someone without a session: the stricter limits apply. */
  stranger(request: IncomingMessage): boolean;
}

/** Where a hardened server listens, and how it names itself in logs and errors. */
export interface HardenedListen {
  port: number;
  hostname: string;
  limits: HttpLimits;
  /** In logs and the error, e.g. "web remote". */
  name: string;
  /** The flag that chooses another port, e.g. "--remote PORT". */
  portFlag: string;
}

/** Listens on `server` with the limits, routing requests and upgrades so that nothing a client
 * sends can end the process. Returns the connection counts the limits keep.
 * @throws {StemplayError} "REMOTE_LISTEN" when the port cannot be opened, naming the flag */
export async function listenHardened(
  server: http.Server,
  where: HardenedListen,
  routes: HardenedRoutes,
): Promise<ConnectionCounts> {
  const log = (error: unknown) => console.error(`stemplay: ${where.name}: ${error}`);
  const counts = limitConnections(server, where.limits, (request) => routes.stranger(request));
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (request.socket.destroyed) return; // closed by a limit: nothing is answered
    routes.handle(request).then((reply) => writeReply(response, reply)).catch((error) => {
      log(error);
      try {
        if (!response.headersSent) writeReply(response, answer("internal error", 500));
        else response.destroy();
      } catch {
        response.destroy(); // the connection is gone: nothing more to say
      }
    });
  });
  server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Uint8Array) => {
    try {
      if (routes.upgrade) routes.upgrade(request, socket, head);
      else refuseUpgrade(socket, 404, "Not Found");
    } catch (error) {
      log(error);
      socket.destroy();
    }
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    const status = error.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  const listening = Promise.withResolvers<void>();
  server.once("error", listening.reject);
  server.listen(where.port, where.hostname, () => listening.resolve());
  try {
    await listening.promise;
  } catch (error) {
    throw new StemplayError(
      "REMOTE_LISTEN",
      `cannot serve the ${where.name} on ${where.hostname}:${where.port}: ${
        error instanceof Error ? error.message : error
      } (is another program using the port? choose another with ${where.portFlag})`,
      { cause: error },
    );
  }
  server.off("error", listening.reject);
  server.on("error", log);
  return counts;
}
