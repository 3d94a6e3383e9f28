/**
 * Bounds on what a stranger can hold open on the remote's HTTP server: connections in all and
 * per address, the time to send a request's headers, and the idle time of a keep-alive. Without
 * them 20,000 idle connections used up the process's file descriptors and ended it (the show
 * stopped), and slow half-sent headers grew its memory without end.
 *
 * @module
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { addressKey } from "./address_key.ts";

/** The limits of one server. */
export interface HttpLimits {
  /** Connections open at once, all addresses together (WebSockets included). */
  maxConnections: number;
  /** Connections open at once from one address (an IPv6 /64). */
  maxPerAddress: number;
  /** Time a new connection has to send its first request's headers, in ms. */
  headerTimeoutMs: number;
  /** Time a kept-alive connection may wait for its next request's headers, in ms. */
  idleTimeoutMs: number;
  /** Time a request has to send its body, in ms. */
  bodyTimeoutMs: number;
  /** Bytes a request's headers may have (more: 431, then closed). */
  maxHeaderBytes: number;
  /** Requests one connection may have waiting for their answers to be sent (HTTP/1.1
   * pipelining); one more closes it. */
  maxPipelined: number;
  /** Bytes of answers waiting to go to one connection that does not read them; a request
   * beyond closes it. */
  maxUnsentBytes: number;
}

/** The remote's limits. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 256,
  maxPerAddress: 32,
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 5_000,
  bodyTimeoutMs: 10_000,
  maxHeaderBytes: 16 * 1024,
  maxPipelined: 16,
  maxUnsentBytes: 256 * 1024,
};

/** What the limits did, for the screen and the tests. */
export interface ConnectionCounts {
  /** Connections open now. */
  open: number;
  /** Connections closed at once because a limit was full. */
  refused: number;
  /** Connections closed because their headers came too slowly or they idled too long. */
  timedOut: number;
  /** Connections closed because they sent requests faster than they read the answers. */
  unread: number;
  /** Idle connections (no request under way) closed to make room for a new one. */
  evicted: number;
}

/**
 * Applies `limits` to `server` (before it listens): every connection is counted, closed at once
 * when its address's limit is full, and closed when a header or idle timer runs out. When all
 * connections are taken, a new one closes the oldest with no request under way (no headers yet,
 * or kept alive between requests) or with only a `stranger`'s request (one without a session);
 * with none such, it is closed itself. The header timer starts on connect and after each
 * response, and stops when a request (or an upgrade) has its headers. A connection with more
 * than `maxPipelined` requests waiting for their answers, or `maxUnsentBytes` of answers it has
 * not read, is closed.
 */
export function limitConnections(
  server: Server,
  limits: HttpLimits,
  stranger: (request: IncomingMessage) => boolean = () => false,
): ConnectionCounts {
  const isStranger = (request: IncomingMessage) => {
    try {
      return stranger(request);
    } catch {
      return true; // a listener that throws would escape into the server's loop
    }
  };
  const counts: ConnectionCounts = { open: 0, refused: 0, timedOut: 0, unread: 0, evicted: 0 };
  const waiting = new WeakMap<Socket, number>(); // requests whose answers are not all sent
  // Connections with no request under way (no headers yet, or kept alive), oldest first: when
  // all connections are taken, the oldest of these makes room. Otherwise strangers holding
  // idle connections from a few addresses shut out a logged-in page's next request.
  const idle = new Set<Socket>();
  const released = new WeakMap<Socket, () => void>(); // uncounts a connection, once
  const perAddress = new Map<string, number>();
  const timers = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
  const stopTimer = (socket: Socket) => {
    clearTimeout(timers.get(socket));
    timers.delete(socket);
  };
  const startTimer = (socket: Socket, ms: number) => {
    stopTimer(socket);
    const timer = setTimeout(() => {
      counts.timedOut++;
      socket.destroy();
    }, ms);
    Deno.unrefTimer(timer);
    timers.set(socket, timer);
  };

  server.maxHeadersCount = 64;
  server.headersTimeout = limits.headerTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.requestTimeout = limits.headerTimeoutMs + limits.bodyTimeoutMs;
  server.on("connection", (socket: Socket) => {
    socket.on("error", () => {}); // a reset by the peer is no failure of ours
    const key = addressKey(socket.remoteAddress ?? "");
    const fromKey = perAddress.get(key) ?? 0;
    if (fromKey >= limits.maxPerAddress) {
      counts.refused++;
      socket.destroy();
      return;
    }
    if (counts.open >= limits.maxConnections) {
      const oldest = idle.values().next();
      if (oldest.done) {
        counts.refused++;
        socket.destroy();
        return;
      }
      counts.evicted++;
      released.get(oldest.value)?.();
      oldest.value.destroy();
    }
    counts.open++;
    perAddress.set(key, (perAddress.get(key) ?? 0) + 1);
    startTimer(socket, limits.headerTimeoutMs);
    idle.add(socket);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      idle.delete(socket);
      stopTimer(socket);
      counts.open--;
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
    };
    released.set(socket, release);
    socket.once("close", release);
  });
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (socket.destroyed) return; // a request parsed before its connection was closed
    // Pipelined requests from a client that never reads: every answer would wait in memory
    // (30 such connections grew the process by 700 MB). Past the bounds it is closed.
    const queued = (waiting.get(socket) ?? 0) + 1;
    if (queued > limits.maxPipelined || socket.writableLength > limits.maxUnsentBytes) {
      counts.unread++;
      socket.destroy();
      return;
    }
    waiting.set(socket, queued);
    // A stranger's request (no session) may still make room while it is read and answered:
    // else slow bodies from a few addresses would hold every connection instead.
    if (!isStranger(request)) idle.delete(socket);
    response.once("close", () => {
      const left = (waiting.get(socket) ?? 1) - 1;
      waiting.set(socket, left);
      // Answered, and nothing more under way: it may make room again.
      if (left === 0 && !socket.destroyed) idle.add(socket);
    });
    stopTimer(socket);
    // The body must come in time too; then the next request's headers, within the idle time.
    startTimer(socket, limits.bodyTimeoutMs);
    request.once("end", () => { // the body is in: the answer may take its time (a queued action)
      if (!response.writableFinished) stopTimer(socket);
    });
    response.once("finish", () => {
      if (!socket.destroyed) startTimer(socket, limits.idleTimeoutMs);
    });
  });
  server.on("upgrade", (request: IncomingMessage) => {
    stopTimer(request.socket);
    // A WebSocket is not idle; a stranger's upgrade (refused, closed within a second) may
    // still make room, or upgrades sent again and again could hold every connection.
    if (!isStranger(request)) idle.delete(request.socket);
  });
  return counts;
}
