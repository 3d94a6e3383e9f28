/**
 * Clients for the web remote's limit tests: raw TCP from a chosen loopback source address
 * (node:net's `localAddress`; Deno.connect cannot bind one), HTTP requests with any headers, and
 * a logged-in WebSocket.
 *
 * @module
 */

import net from "node:net";

/** An open TCP connection and whether the server has closed it. */
export interface HeldSocket {
  socket: net.Socket;
  readonly closed: boolean;
}

/** Opens `count` connections from `from` to `host`:`port`, sends `send` on each if given, and
 * keeps them open; each records when it is closed. */
export async function holdConnections(
  port: number,
  from: string,
  count: number,
  send?: string,
  host = "127.0.0.1",
): Promise<HeldSocket[]> {
  const held: HeldSocket[] = [];
  const opening: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect({ port, host, localAddress: from });
    const entry = { socket, closed: false };
    socket.on("error", () => {});
    socket.on("data", () => {}); // read, or a close after the server's answer goes unnoticed
    socket.on("close", () => entry.closed = true);
    opening.push(
      new Promise((resolve) => {
        socket.once("connect", () => {
          if (send) socket.write(send);
          resolve();
        });
        socket.once("close", () => resolve());
      }),
    );
    held.push(entry);
  }
  await Promise.all(opening);
  return held;
}

/** Closes every held connection. */
export function release(held: HeldSocket[]): void {
  for (const { socket } of held) socket.destroy();
}

/** One HTTP/1.1 request over a fresh connection from `from`; the status and the whole head. */
export function rawRequest(
  port: number,
  request: { method?: string; path: string; headers: Record<string, string>; body?: string },
  from = "127.0.0.1",
  host = "127.0.0.1",
): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, localAddress: from });
    const lines = [`${request.method ?? "GET"} ${request.path} HTTP/1.1`];
    for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
    if (request.body !== undefined) lines.push(`Content-Length: ${request.body.length}`);
    lines.push("Connection: close");
    let text = "";
    socket.on(
      "connect",
      () => socket.write(lines.join("\r\n") + "\r\n\r\n" + (request.body ?? "")),
    );
    socket.on("data", (chunk) => text += chunk.toString());
    socket.on("error", reject);
    socket.on("close", () => {
      const [head, ...rest] = text.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
      resolve({ status, head, body: rest.join("\r\n\r\n") });
    });
  });
}

/** The value of header `name` in a raw response head. */
export function headerOf(head: string, name: string): string | undefined {
  const match = new RegExp(`^${name}: (.*)$`, "im").exec(head);
  return match?.[1].trim();
}

/** Logs in with `/?pin=` from `from` and returns the session cookie ("name=value"), or the
 * status when refused. */
export async function loginFrom(
  port: number,
  pin: string,
  from = "127.0.0.1",
  headers: Record<string, string> = {},
  host = "127.0.0.1",
): Promise<{ status: number; cookie?: string; head: string; body: string }> {
  const hostHeader = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const reply = await rawRequest(
    port,
    { path: `/?pin=${pin}`, headers: { host: hostHeader, ...headers } },
    from,
    host,
  );
  const cookie = headerOf(reply.head, "set-cookie")?.split(";")[0];
  return { ...reply, cookie };
}

/** A reply of the console's JSON API. */
// deno-lint-ignore no-explicit-any -- the console's JSON replies, read field by field
export type JsonReply = { status: number; body: any };

/** Logs in to the console on `port` with `pin` and returns a POST of a JSON body to a path, with
 * the session cookie and the console's own origin, resolving with the status and JSON reply. */
export async function consolePost(
  port: number,
  pin: string,
): Promise<(path: string, body: unknown) => Promise<JsonReply>> {
  const { cookie } = await loginFrom(port, pin);
  const base = `http://127.0.0.1:${port}`;
  return async (path, body) => {
    const response = await fetch(base + path, {
      method: "POST",
      headers: { cookie: cookie!, origin: base, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
}

/** A WebSocket to the remote with a session cookie; resolves with it and its first status. */
export function openSocket(
  port: number,
  cookie: string,
): Promise<{ socket: WebSocket; messages: string[] }> {
  const base = `http://127.0.0.1:${port}`;
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
    headers: { origin: base, cookie },
  } as unknown as string[]);
  const messages: string[] = [];
  return new Promise((resolve, reject) => {
    socket.onmessage = (event) => {
      messages.push(event.data);
      if (messages.length === 1) resolve({ socket, messages });
    };
    socket.onerror = () => reject(new Error("WebSocket failed"));
  });
}
