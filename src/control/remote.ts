/**
 * The web remote: one page for phones and tablets (web/, served as it is), live state over a
 * WebSocket, actions as small JSON requests, every one through the command layer.
 *
 * ```ts
 * const web = await serveRemote(player, { port: 8080, hostname: "0.0.0.0", pin: "4321" });
 * // a phone opens http://<this machine>:8080/?pin=4321
 * await web.close();
 * ```
 *
 * Routes (everything but the PIN page needs a session):
 * - `GET /` the remote (with a session), else the PIN page; `/?pin=…` logs in directly;
 * - `POST /login` the PIN page's form;
 * - `GET /remote.js`, `/remote.css` the page's assets (`/login.css`, the PIN page's style, is
 *   the one file served without a session: it holds nothing of the show);
 * - `GET /ws` the WebSocket: the status on connect and on every change (at most 10/s);
 * - `POST /action` one action (JSON, as `validateAction` takes it): `{ ok, message }` back;
 * - `GET /session` 204 with a session, 401 without (the page asks after a lost connection).
 *
 * The server holds five files read once at start and the command layer: no route reads or
 * writes any other file.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Player } from "../engine/player.ts";
import { randomPin, RemoteGate, sameOrigin } from "./remote_auth.ts";
import type { ControlStatus } from "./status.ts";
import { StatusFeed } from "./status_feed.ts";
import { controlStatus, dispatch } from "./surface.ts";

/** Options of `serveRemote`. */
export interface RemoteOptions {
  /** TCP port (default 8080; 0 picks a free one, see `port`). */
  port?: number;
  /** Address to listen on (default "0.0.0.0": every IPv4 interface). */
  hostname?: string;
  /** The PIN devices must give: 4 to 12 digits. Default: a random 6-digit PIN (see `pin`). */
  pin?: string;
}

/** A running web remote. */
export interface RemoteServer {
  /** The TCP port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly hostname: string;
  /** The PIN (the one given, or the random one made). */
  readonly pin: string;
  /** Devices logged in now (open sessions). */
  readonly sessions: number;
  /** Pages connected now (open WebSockets). */
  readonly connections: number;
  /** Stops serving and closes every connection (idempotent). The player is left as it is. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The page's files, by the path they are served at. */
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/remote.js": { file: "remote.js", type: "text/javascript; charset=utf-8" },
  "/remote.css": { file: "remote.css", type: "text/css; charset=utf-8" },
  "/login": { file: "login.html", type: "text/html; charset=utf-8" },
  "/login.css": { file: "login.css", type: "text/css; charset=utf-8" },
};

/** Headers on every answer: nothing cached, framed, sniffed, or loaded from elsewhere. The
 * referrer policy is "same-origin", not "no-referrer": with "no-referrer" a browser sends
 * `Origin: null` on the PIN form's POST, and the Origin check could not pass. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** Bytes an action request may have. */
const MAX_ACTION_BYTES = 4096;
/** A PIN form ("pin=123456") and then some. */
const MAX_LOGIN_BYTES = 256;

/** A request's body as text, or undefined once it is longer than `maxBytes`: it is never read
 * whole, so a huge body costs nothing (an unbounded read of one let a stranger on the LAN
 * exhaust the process's memory). */
async function readCapped(request: Request, maxBytes: number): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

async function loadAssets(): Promise<Map<string, string>> {
  const folder = new URL("../../web/", import.meta.url);
  const files = new Map<string, string>();
  for (const { file } of Object.values(ASSETS)) {
    const response = await fetch(new URL(file, folder));
    if (!response.ok) {
      throw new StemplayError(
        "REMOTE_ASSETS",
        `the web remote's page ${file} could not be read from ${folder} (${response.status})`,
      );
    }
    files.set(file, await response.text());
  }
  return files;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function answer(body: BodyInit | null, status: number, headers: Record<string, string> = {}) {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

function json(value: unknown, status = 200): Response {
  return answer(JSON.stringify(value), status, { "content-type": "application/json" });
}

/** What the page gets over the WebSocket. */
interface StatusMessage {
  type: "status";
  status: ControlStatus;
}

class WebRemote implements RemoteServer {
  readonly hostname: string;
  readonly pin: string;
  readonly #player: Player;
  readonly #gate: RemoteGate;
  readonly #assets: Map<string, string>;
  readonly #sockets = new Set<WebSocket>();
  readonly #feed: StatusFeed;
  #lastSent = "";
  #server!: Deno.HttpServer<Deno.NetAddr>;
  #closed?: Promise<void>;

  constructor(player: Player, hostname: string, pin: string, assets: Map<string, string>) {
    this.#player = player;
    this.hostname = hostname;
    this.pin = pin;
    this.#gate = new RemoteGate(pin);
    this.#assets = assets;
    this.#feed = new StatusFeed(player, (status) => this.#broadcast(status));
  }

  async listen(port: number): Promise<void> {
    const listening = Promise.withResolvers<void>();
    try {
      this.#server = Deno.serve({
        port,
        hostname: this.hostname,
        onListen: () => listening.resolve(),
        onError: (error) => {
          console.error(`stemplay: web remote: ${error}`);
          return answer("internal error", 500);
        },
      }, (request, info) => this.#handle(request, info.remoteAddr.hostname));
    } catch (error) {
      throw new StemplayError(
        "REMOTE_LISTEN",
        `cannot serve the web remote on ${this.hostname}:${port}: ${
          error instanceof Error ? error.message : error
        } (is another program using the port? choose another with --remote PORT)`,
        { cause: error },
      );
    }
    await listening.promise;
  }

  get port(): number {
    return this.#server.addr.port;
  }

  get sessions(): number {
    return this.#gate.sessions;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  async #handle(request: Request, address: string): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/" && request.method === "GET") {
      const pin = url.searchParams.get("pin");
      if (pin !== null) return this.#login(address, pin);
      return this.#gate.hasSession(request) ? this.#asset("/") : this.#loginPage("", 200);
    }
    if (path === "/login" && request.method === "POST") {
      if (!sameOrigin(request)) return answer("forbidden: not from this remote's page", 403);
      // Anyone can reach this without a session: read at most a PIN form's worth of body.
      const body = await readCapped(request, MAX_LOGIN_BYTES);
      if (body === undefined) return answer("the login form is too long", 413);
      const pin = new URLSearchParams(body).get("pin");
      return this.#login(address, pin ?? "");
    }
    if ((path === "/remote.js" || path === "/remote.css") && request.method === "GET") {
      return this.#gate.hasSession(request) ? this.#asset(path) : answer("log in first", 401);
    }
    if (path === "/login.css" && request.method === "GET") return this.#asset(path); // no show data
    if (path === "/session" && request.method === "GET") {
      return answer(null, this.#gate.hasSession(request) ? 204 : 401);
    }
    if (path === "/ws" && request.method === "GET") return this.#webSocket(request);
    if (path === "/action" && request.method === "POST") return await this.#action(request);
    const known = path === "/" || path === "/login" || path === "/ws" || path === "/action" ||
      path === "/session" || path === "/remote.js" || path === "/remote.css" ||
      path === "/login.css";
    return known ? answer("method not allowed", 405) : answer("not found", 404);
  }

  #asset(path: string): Response {
    const { file, type } = ASSETS[path];
    return answer(this.#assets.get(file)!, 200, { "content-type": type });
  }

  #loginPage(message: string, status: number, headers: Record<string, string> = {}): Response {
    const page = this.#assets.get("login.html")!.replace(
      "<!--message-->",
      message ? `<p class="message" role="alert">${escapeHtml(message)}</p>` : "",
    );
    return answer(page, status, { "content-type": ASSETS["/login"].type, ...headers });
  }

  #login(address: string, pin: string): Response {
    const result = this.#gate.login(address, pin.trim());
    if (result.ok) {
      return answer(null, 303, { location: "/", "set-cookie": RemoteGate.cookie(result.token) });
    }
    if (result.reason === "locked") {
      return this.#loginPage(
        `Too many wrong PINs from this device: wait ${result.retryAfterSeconds} s.`,
        429,
        { "retry-after": String(result.retryAfterSeconds) },
      );
    }
    return this.#loginPage(
      `Wrong PIN (${result.triesLeft} ${result.triesLeft === 1 ? "try" : "tries"} left).`,
      401,
    );
  }

  /** Refuses a request without a session or from another origin; undefined when it may go on. */
  #refusal(request: Request): Response | undefined {
    if (!sameOrigin(request)) return json({ ok: false, error: "not from this remote's page" }, 403);
    if (!this.#gate.hasSession(request)) return json({ ok: false, error: "log in first" }, 401);
    return undefined;
  }

  #webSocket(request: Request): Response {
    const refused = this.#refusal(request);
    if (refused) return refused;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return answer("a WebSocket upgrade is expected", 426);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => {
      this.#sockets.add(socket);
      this.#feed.start(); // the status is read only while a page listens
      socket.send(this.#statusText(controlStatus(this.#player)));
    };
    socket.onclose = socket.onerror = () => {
      this.#sockets.delete(socket);
      if (this.#sockets.size === 0) this.#feed.stop();
    };
    // The page sends nothing but keep-alives; anything else is ignored, never acted on.
    socket.onmessage = () => {};
    return response;
  }

  async #action(request: Request): Promise<Response> {
    const refused = this.#refusal(request);
    if (refused) return refused;
    if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
      return json({ ok: false, error: "send the action as application/json" }, 415);
    }
    const text = await readCapped(request, MAX_ACTION_BYTES);
    if (text === undefined) {
      return json({ ok: false, error: "the action is too long" }, 413);
    }
    let action: unknown;
    try {
      action = JSON.parse(text);
    } catch {
      return json({ ok: false, error: "the action is not JSON" }, 400);
    }
    try {
      const { message } = await dispatch(this.#player, action);
      this.#feed.poke();
      return json({ ok: true, message });
    } catch (error) {
      const code = error instanceof StemplayError ? error.code : "ERROR";
      const message = error instanceof Error ? error.message : String(error);
      return json({ ok: false, code, error: message }, 400);
    }
  }

  #statusText(status: ControlStatus): string {
    const message: StatusMessage = { type: "status", status };
    return JSON.stringify(message);
  }

  #broadcast(status: ControlStatus): void {
    if (this.#sockets.size === 0) {
      this.#lastSent = "";
      return;
    }
    const text = this.#statusText(status);
    if (text === this.#lastSent) return;
    this.#lastSent = text;
    for (const socket of this.#sockets) {
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#feed.stop();
      for (const socket of this.#sockets) socket.close(1001, "the remote is closing");
      this.#sockets.clear();
      await this.#server.shutdown();
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Serves the web remote for `player`.
 *
 * @param player the player the actions go to (it is not closed by `close()`)
 * @returns the running remote; `close()` it when done
 * @throws {StemplayError} "INVALID_ARGUMENT" for a PIN that is not 4 to 12 digits or a bad
 *   port; "REMOTE_LISTEN" when the port cannot be opened
 */
export async function serveRemote(
  player: Player,
  options: RemoteOptions = {},
): Promise<RemoteServer> {
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StemplayError("INVALID_ARGUMENT", `remote port must be 0 to 65535, got ${port}`);
  }
  const pin = options.pin ?? randomPin();
  if (typeof pin !== "string" || !/^\d{4,12}$/.test(pin)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the remote's PIN must be 4 to 12 digits, got ${JSON.stringify(pin)}`,
    );
  }
  const remote = new WebRemote(player, options.hostname ?? "0.0.0.0", pin, await loadAssets());
  await remote.listen(port);
  return remote;
}
