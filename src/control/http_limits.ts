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
}

/**
 * Applies `limits` to `server` (before it listens): every connection is counted, closed at once
 * when a limit is full, and closed when a header or idle timer runs out. The header timer starts
 * on connect and after each response, and stops when a request (or an upgrade) has its headers.
 */
export function limitConnections(server: Server, limits: HttpLimits): ConnectionCounts {
  const counts: ConnectionCounts = { open: 0, refused: 0, timedOut: 0, unread: 0 };
  const waiting = new WeakMap<Socket, number>(); // requests whose answers are not all sent
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
    if (counts.open >= limits.maxConnections || fromKey >= limits.maxPerAddress) {
      counts.refused++;
      socket.destroy();
      return;
    }
    counts.open++;
    perAddress.set(key, fromKey + 1);
    startTimer(socket, limits.headerTimeoutMs);
    socket.once("close", () => {
      stopTimer(socket);
      counts.open--;
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
    });
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
    response.once("close", () => waiting.set(socket, (waiting.get(socket) ?? 1) - 1));
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
  server.on("upgrade", (request: IncomingMessage) => stopTimer(request.socket));
  return counts;
}
