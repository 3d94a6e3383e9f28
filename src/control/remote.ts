/**
 * The web remote: one page for phones and tablets (web/, served as it is), live state over a
 * WebSocket, actions as small JSON requests, every one through the command layer.
 *
 * ```ts
 * const web = await serveRemote(player, { port: 8080, hostname: "0.0.0.0", pin: "482913" });
 * // a phone opens http://<this machine>:8080/?pin=482913
 * await web.close();
 * ```
 *
 * Routes (everything but the PIN page needs a session):
 * - `GET /` the remote (with a session), else the PIN page; `/?pin=…` logs in directly (only
 *   when the link was not followed from another site);
 * - `POST /login` the PIN page's form;
 * - `GET /remote.js`, `/remote.css` the page's assets (`/login.css`, the PIN page's style, is
 *   the one file served without a session: it holds nothing of the show);
 * - `GET /ws` the WebSocket: the status on connect and on every change (at most 10/s);
 * - `POST /action` one action (JSON, as `validateAction` takes it): `{ ok, message }` back;
 * - `GET /session` 204 with a session, 401 without (the page asks after a lost connection).
 *
 * Every request and WebSocket upgrade must name this machine in its Host (DNS rebinding), and
 * the server bounds what a stranger can hold: connections (256, 32 per address), header and
 * idle time, pipelined requests left unread (16, 256 KB of answers), body size, PIN checks (100
 * a minute from all addresses together), sessions (64).
 *
 * The server holds five files read once at start and the command layer: no route reads or
 * writes any other file. Its hardened HTTP parts (security headers, replies, a listen that no
 * client can end) are in hardened_http.ts, for any other page served to the LAN.
 *
 * @module
 */

import http, { type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { webSocketServer, type WsServer, type WsSocket } from "./web_sockets.ts";
import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";
import { HostCheck } from "./host_check.ts";
import { readCapped } from "./http_body.ts";
import { RemoteActions } from "./remote_actions.ts";
import { type ConnectionCounts, DEFAULT_HTTP_LIMITS, type HttpLimits } from "./http_limits.ts";
import {
  answer,
  escapeHtml,
  headersOf,
  json,
  listenHardened,
  refuseUpgrade,
  type Reply,
} from "./hardened_http.ts";
import {
  fromAnotherSite,
  MAX_PIN_DIGITS,
  MIN_PIN_DIGITS,
  randomPin,
  RemoteGate,
  sameOrigin,
  validPin,
} from "./remote_auth.ts";
import type { ControlStatus } from "./status.ts";
import { StatusFeed } from "./status_feed.ts";
import { controlStatus } from "./surface.ts";

/** Options of `serveRemote`. */
export interface RemoteOptions {
  /** TCP port (default 8080; 0 picks a free one, see `port`). */
  port?: number;
  /** Address to listen on (default "127.0.0.1": this machine only; "0.0.0.0" for every IPv4
   * interface, so phones on the LAN can reach it). */
  hostname?: string;
  /** The PIN devices must give: 6 to 12 digits. Default: a random 6-digit PIN (see `pin`). */
  pin?: string;
  /** Names of this machine to accept in the Host header besides its own (localhost, loopback
   * and interface addresses, its hostname and `<hostname>.local`), e.g. a LAN DNS name. */
  allowHosts?: string[];
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
  /** Seconds until PINs are checked again after too many PIN checks from all addresses
   * together (100 a minute); 0 when they are checked now. */
  readonly pinPauseSeconds: number;
  /** Stops serving and closes every connection (idempotent). The player is left as it is. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Tuning beyond `RemoteOptions`, for tests (short timeouts so they run in a second). */
export interface RemoteTuning extends HttpLimits {
  /** How long a session lasts, in ms. */
  sessionMs?: number;
}

/** The page's files, by the path they are served at. */
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/remote.js": { file: "remote.js", type: "text/javascript; charset=utf-8" },
  "/remote.css": { file: "remote.css", type: "text/css; charset=utf-8" },
  "/login": { file: "login.html", type: "text/html; charset=utf-8" },
  "/login.css": { file: "login.css", type: "text/css; charset=utf-8" },
};

/** Bytes an action request may have. */
const MAX_ACTION_BYTES = 4096;
/** A PIN form ("pin=123456") and then some. */
const MAX_LOGIN_BYTES = 256;
/** Bytes waiting to go to one page before it is dropped (a phone that stopped reading). */
const MAX_SOCKET_BACKLOG = 1 << 20;
/** Known paths, for 405 rather than 404. */
const KNOWN_PATHS = new Set([
  "/",
  "/login",
  "/ws",
  "/action",
  "/lock",
  "/unlock",
  "/session",
  "/remote.js",
  "/remote.css",
  "/login.css",
]);

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
  readonly #hosts: HostCheck;
  readonly #assets: Map<string, string>;
  readonly #limits: HttpLimits;
  readonly #sockets = new Map<WsSocket, string>(); // open WebSocket → its session
  readonly #webSockets: WsServer;
  readonly #feed: StatusFeed;
  readonly #actions: RemoteActions;
  readonly #server: http.Server;
  #counts!: ConnectionCounts;
  #lastSent = "";
  #closed?: Promise<void>;

  constructor(
    player: Player,
    hostname: string,
    pin: string,
    allowHosts: string[],
    assets: Map<string, string>,
    tuning: RemoteTuning,
    webSockets: WsServer,
  ) {
    this.#player = player;
    this.#webSockets = webSockets;
    this.hostname = hostname;
    this.pin = pin;
    this.#limits = tuning;
    this.#gate = new RemoteGate(pin, {
      sessionMs: tuning.sessionMs,
      onSessionEnd: (token) => {
        this.#actions.forget(token);
        this.#closeSession(token);
      },
      inUse: (token) => [...this.#sockets.values()].includes(token),
    });
    this.#hosts = new HostCheck(allowHosts);
    this.#actions = new RemoteActions(player, this.#gate);
    this.#assets = assets;
    this.#feed = new StatusFeed(player, (status) => this.#broadcast(status), undefined, true);
    this.#server = http.createServer({ maxHeaderSize: tuning.maxHeaderBytes });
  }

  async listen(port: number): Promise<void> {
    this.#counts = await listenHardened(this.#server, {
      port,
      hostname: this.hostname,
      limits: this.#limits,
      name: "web remote",
      portFlag: "--remote PORT",
    }, {
      handle: (request) => this.#handle(request),
      upgrade: (request, socket, head) => this.#upgrade(request, socket, head),
      stranger: (request) => !this.#gate.hasSession(headersOf(request)),
    });
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  get sessions(): number {
    return this.#gate.sessions;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  get pinPauseSeconds(): number {
    return this.#gate.pinPauseSeconds();
  }

  /** Connections counted by the limits (for tests). */
  get httpCounts(): Readonly<ConnectionCounts> {
    return this.#counts;
  }

  /** Wrong-PIN records held now (for tests). */
  get trackedAddresses(): number {
    return this.#gate.trackedAddresses;
  }

  async #handle(request: IncomingMessage): Promise<Reply> {
    const headers = headersOf(request);
    // DNS rebinding: a page of evil.example resolved to this machine is refused here, before
    // any cookie is given or read.
    if (!this.#hosts.allows(headers.get("host"))) {
      return answer("misdirected request", 421, { connection: "close" });
    }
    const address = request.socket.remoteAddress ?? "";
    const url = new URL(request.url ?? "/", "http://remote.invalid");
    const path = url.pathname;
    const method = request.method;
    if (path === "/" && method === "GET") {
      const pin = url.searchParams.get("pin");
      if (pin !== null) {
        // A link from another site must not log in, or count toward anyone's lockout.
        if (fromAnotherSite(headers)) {
          return this.#loginPage("Type the PIN to open the remote.", 200);
        }
        return this.#login(address, pin);
      }
      return this.#gate.hasSession(headers) ? this.#asset("/") : this.#loginPage("", 200);
    }
    if (path === "/login" && method === "POST") {
      if (!sameOrigin(headers)) {
        return answer("forbidden: not from this remote's page", 403);
      }
      // Anyone can reach this without a session: read at most a PIN form's worth of body.
      const body = await readCapped(request, MAX_LOGIN_BYTES);
      if (body === undefined) {
        return answer("the login form is too long", 413);
      }
      const pin = new URLSearchParams(body).get("pin");
      return this.#login(address, pin ?? "");
    }
    if ((path === "/remote.js" || path === "/remote.css") && method === "GET") {
      return this.#gate.hasSession(headers) ? this.#asset(path) : answer("log in first", 401);
    }
    if (path === "/login.css" && method === "GET") return this.#asset(path); // no show data
    if (path === "/session" && method === "GET") {
      return answer(null, this.#gate.hasSession(headers) ? 204 : 401);
    }
    if (path === "/ws" && method === "GET") {
      return answer("a WebSocket upgrade is expected", 426);
    }
    if (["/action", "/lock", "/unlock"].includes(path) && method === "POST") {
      return await this.#post(path, request, headers, address);
    }
    return KNOWN_PATHS.has(path) ? answer("method not allowed", 405) : answer("not found", 404);
  }

  #asset(path: string): Reply {
    const { file, type } = ASSETS[path];
    return answer(this.#assets.get(file)!, 200, { "content-type": type });
  }

  #loginPage(message: string, status: number, headers: Record<string, string> = {}): Reply {
    const page = this.#assets.get("login.html")!.replace(
      "<!--message-->",
      message ? `<p class="message" role="alert">${escapeHtml(message)}</p>` : "",
    );
    return answer(page, status, { "content-type": ASSETS["/login"].type, ...headers });
  }

  #login(address: string, pin: string): Reply {
    const result = this.#gate.login(address, pin.trim());
    if (result.ok) {
      return answer(null, 303, { location: "/", "set-cookie": RemoteGate.cookie(result.token) });
    }
    if (result.reason === "locked") {
      return this.#loginPage(
        result.everyone
          ? `Too many PIN tries on this network: PINs are checked again in ${result.retryAfterSeconds} s.`
          : `Too many wrong PINs from this device: wait ${result.retryAfterSeconds} s.`,
        429,
        { "retry-after": String(result.retryAfterSeconds) },
      );
    }
    if (result.reason === "full") {
      return this.#loginPage(
        "Too many devices are using the remote: close it on one, or try again in a minute.",
        503,
        { "retry-after": String(result.retryAfterSeconds) },
      );
    }
    return this.#loginPage(
      `Wrong PIN (${result.triesLeft} ${result.triesLeft === 1 ? "try" : "tries"} left).`,
      401,
    );
  }

  /** Refuses a request without a session or from another origin; undefined when it may go on. */
  #refusal(headers: Headers): Reply | undefined {
    if (!sameOrigin(headers)) return json({ ok: false, error: "not from this remote's page" }, 403);
    if (!this.#gate.hasSession(headers)) return json({ ok: false, error: "log in first" }, 401);
    return undefined;
  }

  #upgrade(request: IncomingMessage, socket: Socket, head: Uint8Array): void {
    const headers = headersOf(request);
    if (!this.#hosts.allows(headers.get("host"))) {
      return refuseUpgrade(socket, 421, "Misdirected Request");
    }
    const path = new URL(request.url ?? "/", "http://remote.invalid").pathname;
    if (path !== "/ws") return refuseUpgrade(socket, 404, "Not Found");
    if (!sameOrigin(headers)) return refuseUpgrade(socket, 403, "Forbidden");
    const token = this.#gate.sessionOf(headers);
    if (token === undefined) return refuseUpgrade(socket, 401, "Unauthorized");
    if (this.#closed) return refuseUpgrade(socket, 503, "Service Unavailable");
    this.#webSockets.handleUpgrade(request, socket, head, (ws: WsSocket) => {
      if (!this.#gate.use(token)) return ws.close(1008, "the session has ended");
      this.#sockets.set(ws, token);
      ws.on("error", () => {}); // a broken page is closed below, never thrown
      ws.on("close", () => {
        this.#sockets.delete(ws);
        if (this.#sockets.size === 0) this.#feed.stop();
      });
      // The page sends nothing but keep-alives; anything else is ignored, never acted on. Each
      // message still checks the session: one that has ended closes the socket.
      ws.on("message", () => {
        if (!this.#gate.use(token)) ws.close(1008, "the session has ended");
      });
      this.#feed.start(); // the status is read only while a page listens
      ws.send(this.#statusText(controlStatus(this.#player)));
      ws.send(JSON.stringify(this.#actions.session(token)));
    });
  }

  /** Closes the WebSockets of a session that ended: they must not go on receiving the show. */
  #closeSession(token: string): void {
    for (const [ws, owner] of this.#sockets) {
      if (owner !== token) continue;
      this.#sockets.delete(ws);
      ws.close(1008, "the session has ended");
      Deno.unrefTimer(setTimeout(() => ws.terminate(), 1000)); // if the page never answers
    }
    if (this.#sockets.size === 0) this.#feed.stop();
  }

  async #post(path: string, request: IncomingMessage, headers: Headers, address: string) {
    const refused = this.#refusal(headers);
    if (refused) return refused;
    if (!(headers.get("content-type") ?? "").startsWith("application/json")) {
      return json({ ok: false, error: "send the action as application/json" }, 415);
    }
    const text = await readCapped(request, MAX_ACTION_BYTES);
    if (text === undefined) return json({ ok: false, error: "the action is too long" }, 413);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return json({ ok: false, error: "the action is not JSON" }, 400);
    }
    const token = this.#gate.sessionOf(headers)!;
    const reply = path === "/action"
      ? await this.#actions.action(token, body)
      : path === "/lock"
      ? this.#actions.lock(token)
      : this.#actions.unlock(token, address, body);
    this.#feed.poke();
    if (path !== "/action") {
      const session = JSON.stringify(this.#actions.session(token));
      for (const [ws, owner] of this.#sockets) if (owner === token) ws.send(session);
    }
    return json(reply.value, reply.status);
  }

  #statusText(status: ControlStatus): string {
    const message: StatusMessage = { type: "status", status };
    return JSON.stringify(message);
  }

  #broadcast(status: ControlStatus): void {
    this.#gate.expire(); // a session that ended closes its sockets before anything more is sent
    if (this.#sockets.size === 0) {
      this.#lastSent = "";
      return;
    }
    const text = this.#statusText(status);
    if (text === this.#lastSent) return;
    this.#lastSent = text;
    for (const ws of this.#sockets.keys()) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_SOCKET_BACKLOG) {
        ws.terminate(); // it stopped reading: it will reconnect and get the whole status
        continue;
      }
      ws.send(text);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#feed.stop();
      for (const ws of this.#sockets.keys()) ws.close(1001, "the remote is closing");
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      // Give the close frames a moment, then drop whatever is still open.
      await new Promise((resolve) => setTimeout(resolve, this.#sockets.size ? 50 : 0));
      for (const ws of this.#sockets.keys()) ws.terminate();
      this.#sockets.clear();
      this.#server.closeAllConnections();
      await closed;
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Serves the web remote for `player`. It listens on loopback unless `hostname` says otherwise
 * ("0.0.0.0" for phones on the LAN), and answers only requests whose Host names this machine
 * (or one of `allowHosts`).
 *
 * @param player the player the actions go to (it is not closed by `close()`)
 * @returns the running remote; `close()` it when done
 * @throws {StemplayError} "INVALID_ARGUMENT" for a PIN that is not 6 to 12 digits, a bad port
 *   or bad `allowHosts`; "REMOTE_LISTEN" when the port cannot be opened
 */
export function serveRemote(player: Player, options: RemoteOptions = {}): Promise<RemoteServer> {
  return startRemote(player, options, DEFAULT_HTTP_LIMITS);
}

/** `serveRemote` with its limits given (tests shorten the timeouts). Not part of the API. */
export async function startRemote(
  player: Player,
  options: RemoteOptions,
  tuning: RemoteTuning,
): Promise<
  RemoteServer & {
    readonly httpCounts: Readonly<ConnectionCounts>;
    readonly trackedAddresses: number;
  }
> {
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StemplayError("INVALID_ARGUMENT", `remote port must be 0 to 65535, got ${port}`);
  }
  const pin = options.pin ?? randomPin();
  if (!validPin(pin)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the remote's PIN must be ${MIN_PIN_DIGITS} to ${MAX_PIN_DIGITS} digits, got ${
        JSON.stringify(pin)
      }`,
    );
  }
  const allowHosts = options.allowHosts ?? [];
  if (!Array.isArray(allowHosts) || !allowHosts.every((name) => typeof name === "string" && name)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `allowHosts must be a list of host names, got ${JSON.stringify(allowHosts)}`,
    );
  }
  const remote = new WebRemote(
    player,
    options.hostname ?? "127.0.0.1",
    pin,
    allowHosts,
    await loadAssets(),
    tuning,
    await webSocketServer(),
  );
  await remote.listen(port);
  player.metering = true; // the page's output meters
  return remote;
}
