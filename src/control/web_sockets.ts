/**
 * The WebSockets of the web remote, through npm `ws` (upgrades only: node:http serves the rest).
 * Only what the remote uses of it is typed here.
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** What the remote uses of a `ws` WebSocket. */
export interface WsSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: "close" | "error" | "message", listener: () => void): void;
}

/** What the remote uses of a `ws` WebSocketServer. */
export interface WsServer {
  handleUpgrade(
    request: IncomingMessage,
    socket: Socket,
    head: Uint8Array,
    done: (socket: WsSocket) => void,
  ): void;
}

/** A `ws` WebSocketServer for upgrades only. `ws` is loaded when a remote starts, not when
 * mod.ts is imported: it reads environment variables as it loads, which would make every
 * importer of the library need --allow-env. */
export async function webSocketServer(): Promise<WsServer> {
  // Pinned here, not in deno.json's import map: mod.ts may be imported by URL, which does not
  // see it. ws ships no types, and @types/ws would pull in @types/node, whose globals clash with
  // Deno's: the little we use of it is typed above.
  // deno-lint-ignore no-import-prefix
  const { WebSocketServer } = await import("npm:ws@8.23.1");
  const Server = WebSocketServer as new (
    options: { noServer: true; maxPayload: number },
  ) => WsServer;
  return new Server({ noServer: true, maxPayload: 1024 });
}
