/**
 * The OSC surface (UDP, OSC 1.0): messages from a controller (a foot pedal app, TouchOSC, a
 * lighting desk, QLab) become operator actions of the command layer; subscribers get the show's
 * status back. The address table is in osc_addresses.ts, the wire format is the `osc-min`
 * codec's.
 *
 * ```ts
 * const osc = await serveOsc(player, { port: 9000, hostname: "0.0.0.0" });
 * // oscsend localhost 9000 /stemplay/jump s Chorus
 * await osc.close();
 * ```
 *
 * Nothing a sender does can throw out of here or stop the show: a malformed packet, an unknown
 * address, wrong type tags, or an action the player refuses (an unknown track or marker) is
 * counted in `errors` and answered to the sender with `/stemplay/error s:<what was wrong>`.
 *
 * @module
 */

import dgram from "node:dgram";
import { Buffer } from "node:buffer";
// The version is pinned here, not in deno.json's import map: a project that imports mod.ts by
// URL does not see our import map.
// deno-lint-ignore no-import-prefix
import { fromBuffer, type OscArgInput, type OscPacketOutput, toBuffer } from "npm:osc-min@2.1.2";
import { StemplayError } from "../errors.ts";
import type { Player } from "../engine/player.ts";
import type { ControlStatus } from "./status.ts";
import { StatusFeed } from "./status_feed.ts";
import { controlStatus, dispatch } from "./surface.ts";
import { type OscArg, OscProblem, readOscMessage } from "./osc_addresses.ts";

/** Options of `serveOsc`. */
export interface OscOptions {
  /** UDP port to listen on (default 9000; 0 picks a free one, see `port`). */
  port?: number;
  /** Address to listen on (default "0.0.0.0": every IPv4 interface; "127.0.0.1": this
   * machine only; an IPv6 address listens on IPv6). */
  hostname?: string;
  /** Seconds a subscription lasts unless renewed (default 60). */
  subscriptionSeconds?: number;
}

/** A running OSC surface. */
export interface OscServer {
  /** The UDP port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly hostname: string;
  /** Packets received. */
  readonly received: number;
  /** Problems answered with `/stemplay/error` (malformed packets, unknown addresses, wrong
   * type tags, refused actions). */
  readonly errors: number;
  /** Subscribers whose subscription has not expired. */
  readonly subscribers: number;
  /** Stops listening and sending (idempotent). The player is left as it is. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** One OSC message to send. */
interface OutMessage {
  address: string;
  args: OscArgInput[];
}

interface Subscriber {
  host: string;
  port: number;
  expiresAt: number;
  /** What was last sent to it, by address (the args as JSON), so only changes go out. */
  sent: Map<string, string>;
}

/** Whether every part of the show is well, in words: "ok", or the problems. */
function healthWords(status: ControlStatus): string {
  return status.health.problems.length ? status.health.problems.join("; ") : "ok";
}

/**
 * The status messages, in the order a subscriber gets them. `overruns` comes from the latency
 * monitor (0 while it is off).
 */
export function statusMessages(status: ControlStatus, overruns: number): OutMessage[] {
  return [
    { address: "/stemplay/state", args: [{ type: "string", value: status.state }] },
    {
      address: "/stemplay/position",
      args: [
        { type: "float", value: status.position },
        { type: "float", value: status.duration },
      ],
    },
    {
      address: "/stemplay/song",
      args: [
        { type: "integer", value: status.song.number ?? 1 },
        { type: "string", value: status.song.title },
      ],
    },
    { address: "/stemplay/marker", args: [{ type: "string", value: status.marker?.name ?? "" }] },
    {
      address: "/stemplay/health",
      args: [
        { type: "string", value: healthWords(status) },
        { type: "integer", value: overruns },
      ],
    },
  ];
}

/** The messages of a packet, bundles flattened (their time tags are not waited for: an
 * operator's command plays at once). */
function messagesOf(packet: OscPacketOutput): { address: string; args: OscArg[] }[] {
  if (packet.oscType === "bundle") return packet.elements.flatMap(messagesOf);
  return [{ address: packet.address, args: packet.args as OscArg[] }];
}

class OscSurface implements OscServer {
  readonly hostname: string;
  received = 0;
  errors = 0;
  readonly #player: Player;
  readonly #socket: dgram.Socket;
  readonly #subscriptionMs: number;
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #feed: StatusFeed;
  /** Settles when every action this surface handed to the shared queue has run. */
  #pending: Promise<void> = Promise.resolve();
  #closed?: Promise<void>;

  constructor(player: Player, socket: dgram.Socket, hostname: string, subscriptionMs: number) {
    this.#player = player;
    this.#socket = socket;
    this.hostname = hostname;
    this.#subscriptionMs = subscriptionMs;
    this.#feed = new StatusFeed(player, (status) => this.#publish(status));
    socket.on("message", (packet: Uint8Array, from: dgram.RemoteInfo) => {
      try {
        this.#receive(packet, from);
      } catch (error) {
        // A bug of ours must not stop the show either: say it and go on.
        this.#answerProblem(from, `internal error: ${error}`);
      }
    });
    socket.on("error", (error: Error) => console.error(`stemplay: OSC socket: ${error}`));
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get subscribers(): number {
    this.#expire(performance.now());
    return this.#subscribers.size;
  }

  #receive(packet: Uint8Array, from: dgram.RemoteInfo): void {
    this.received++;
    let decoded: OscPacketOutput;
    try {
      decoded = fromBuffer(packet);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.#answerProblem(from, `malformed packet (${packet.length} bytes): ${why}`);
      return;
    }
    for (const message of messagesOf(decoded)) {
      let request;
      try {
        request = readOscMessage(message.address, message.args);
      } catch (error) {
        if (!(error instanceof OscProblem)) throw error;
        this.#answerProblem(from, error.message);
        continue;
      }
      if (request.kind === "status") {
        this.#send(from.address, from.port, this.#messages(controlStatus(this.#player)));
      } else if (request.kind === "subscribe") {
        this.#subscribe(from.address, request.port ?? from.port);
      } else {
        // The shared action queue orders it after every surface's earlier actions; a full
        // queue (BUSY) is answered like any refusal. `#pending` only lets close() wait.
        const done = dispatch(this.#player, request.action).then(
          () => this.#feed.poke(),
          (error) => this.#answerProblem(from, `${message.address}: ${errorText(error)}`),
        ).catch((error) => console.error(`stemplay: OSC ${message.address}: ${error}`));
        this.#pending = Promise.all([this.#pending, done]).then(() => {});
      }
    }
  }

  #subscribe(host: string, port: number): void {
    const key = `${host}|${port}`;
    const expiresAt = performance.now() + this.#subscriptionMs;
    const existing = this.#subscribers.get(key);
    if (existing) {
      existing.expiresAt = expiresAt;
      return;
    }
    const subscriber = { host, port, expiresAt, sent: new Map<string, string>() };
    this.#subscribers.set(key, subscriber);
    // A new subscriber gets the whole status at once, then changes.
    this.#publishTo(subscriber, this.#messages(controlStatus(this.#player)));
    this.#feed.start();
  }

  #expire(now: number): void {
    for (const [key, subscriber] of this.#subscribers) {
      if (subscriber.expiresAt <= now) this.#subscribers.delete(key);
    }
    if (this.#subscribers.size === 0) this.#feed.stop();
  }

  #messages(status: ControlStatus): OutMessage[] {
    let overruns = 0;
    if (this.#player.latencyMonitor) overruns = this.#player.latencyStats().overruns;
    return statusMessages(status, overruns);
  }

  #publish(status: ControlStatus): void {
    this.#expire(performance.now());
    if (this.#subscribers.size === 0) return;
    const messages = this.#messages(status);
    for (const subscriber of this.#subscribers.values()) this.#publishTo(subscriber, messages);
  }

  /** Sends the messages that differ from what the subscriber last got. */
  #publishTo(subscriber: Subscriber, messages: OutMessage[]): void {
    const changed = messages.filter((message) => {
      const value = JSON.stringify(message.args);
      if (subscriber.sent.get(message.address) === value) return false;
      subscriber.sent.set(message.address, value);
      return true;
    });
    this.#send(subscriber.host, subscriber.port, changed);
  }

  #send(host: string, port: number, messages: OutMessage[]): void {
    // A spoofed packet can claim source port 0, which send() throws on: nobody to answer.
    if (this.#closed || !Number.isInteger(port) || port < 1 || port > 65535) return;
    for (const message of messages) {
      const bytes = toBuffer({ address: message.address, args: message.args });
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      try {
        this.#socket.send(buffer, port, host, (error) => {
          if (error) console.error(`stemplay: OSC to ${host}:${port}: ${error.message}`);
        });
      } catch (error) {
        console.error(`stemplay: OSC to ${host}:${port}: ${error}`);
      }
    }
  }

  #answerProblem(to: dgram.RemoteInfo, problem: string): void {
    this.errors++;
    this.#send(to.address, to.port, [{
      address: "/stemplay/error",
      args: [{ type: "string", value: problem }],
    }]);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#feed.stop();
      this.#subscribers.clear();
      await this.#pending;
      await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
}

/**
 * Listens for OSC on UDP and maps each message onto the command layer (see docs/remote.md for
 * the address table).
 *
 * @param player the player the actions go to (it is not closed by `close()`)
 * @returns the running surface; `close()` it when done
 * @throws {StemplayError} "OSC_LISTEN" when the port cannot be opened (in use, not allowed)
 */
export async function serveOsc(player: Player, options: OscOptions = {}): Promise<OscServer> {
  const port = options.port ?? 9000;
  const hostname = options.hostname ?? "0.0.0.0";
  const seconds = options.subscriptionSeconds ?? 60;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StemplayError("INVALID_ARGUMENT", `OSC port must be 0 to 65535, got ${port}`);
  }
  if (typeof seconds !== "number" || !(seconds > 0)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `subscriptionSeconds must be a number of seconds > 0, got ${seconds}`,
    );
  }
  const socket = dgram.createSocket(hostname.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (error: Error) => {
      socket.close();
      reject(
        new StemplayError(
          "OSC_LISTEN",
          `cannot listen for OSC on ${hostname}:${port}: ${error.message} ` +
            `(is another program using the port? choose another with --osc PORT)`,
          { cause: error },
        ),
      );
    });
    socket.bind(port, hostname, () => resolve());
  });
  return new OscSurface(player, socket, hostname, seconds * 1000);
}
