/**
 * The OSC surface (UDP, OSC 1.0): messages from a controller (a foot pedal app, TouchOSC, a
 * lighting desk, QLab) become operator actions of the command layer; subscribers get the show's
 * status back. The address table is in osc_addresses.ts, the wire format is the `osc-min`
 * codec's.
 *
 * ```ts
 * const osc = await serveOsc(player, { port: 9000 }); // this machine only; "0.0.0.0": the LAN
 * // oscsend localhost 9000 /stemplay/jump s Chorus
 * await osc.close();
 * ```
 *
 * Nothing a sender does can throw out of here or stop the show: a malformed packet, an unknown
 * address, wrong type tags, or an action the player refuses (an unknown track or marker) is
 * counted in `errors` and answered to the sender with `/stemplay/error s:<what was wrong>`.
 *
 * OSC is unauthenticated UDP, so what a sender can make us hold or send is bounded (the limits
 * are in osc_limits.ts, the subscriptions in osc_subscribers.ts): messages per packet (and
 * arguments per message, bundle depth: both read before decoding), packets per second per
 * address, one error reply (of bounded size) and one status reply per packet, one subscribe per
 * packet, pending actions, subscriptions, packets sent per renewal, sends in flight. Replies
 * name files, never folders.
 *
 * @module
 */

import dgram from "node:dgram";
import { Buffer } from "node:buffer";
// The version is pinned here, not in deno.json's import map: a project that imports mod.ts by
// URL does not see our import map.
// deno-lint-ignore no-import-prefix
import { fromBuffer, type OscPacketOutput, toBuffer } from "npm:osc-min@2.1.2";
import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";
import type { ControlStatus } from "./status.ts";
import { StatusFeed } from "./status_feed.ts";
import { controlStatus, dispatch } from "./surface.ts";
import { type OscArg, OscProblem, readOscMessage } from "./osc_addresses.ts";
import { OSC_LIMITS } from "./osc_limits.ts";
import { PacketRate } from "./osc_rate.ts";
import { countMessages, MAX_BUNDLE_DEPTH, mostArguments } from "./osc_packet.ts";
import { type Subscriber, Subscribers } from "./osc_subscribers.ts";
import { listeningAddresses } from "./listening.ts";
import { withoutPaths } from "./redact_paths.ts";
import { type OutMessage, statusMessages } from "./osc_status.ts";
import type { Action } from "./actions.ts";

/** Options of `serveOsc`. */
export interface OscOptions {
  /** UDP port to listen on (default 9000; 0 picks a free one, see `port`). */
  port?: number;
  /** Address to listen on (default "127.0.0.1": this machine only; "0.0.0.0": every IPv4
   * interface, the LAN; an IPv6 address listens on IPv6). See `addresses` for where that is. */
  hostname?: string;
  /** Seconds a subscription lasts after its last renewal (default 60). It also ends after
   * 10 packets sent without a renewal (docs/remote.md, "Subscriptions"). */
  subscriptionSeconds?: number;
  /** Packets a second one address may send (default 50, `OSC_LIMITS.packetsPerSecond`); more
   * are dropped and counted. Raise it only on a network you trust, for a controller whose
   * faders send faster (or to measure, as bench/osc_bench.ts does). */
  packetsPerSecond?: number;
}

/** A running OSC surface. */
export interface OscServer {
  /** The UDP port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly hostname: string;
  /** Where it can be reached, `host:port` each: the address, or every interface's address
   * when it listens on all of them ("0.0.0.0"). */
  readonly addresses: string[];
  /** Packets received (dropped ones too). */
  readonly received: number;
  /** Problems found in messages (malformed packets, unknown addresses, wrong type tags,
   * refused actions and subscriptions); each packet's first is answered with
   * `/stemplay/error`. */
  readonly errors: number;
  /** Packets dropped unread because their address sent more than 50 in a second. */
  readonly rateLimited: number;
  /** Packets not sent because too many were already on their way. */
  readonly sendsDropped: number;
  /** Actions of this surface waiting or running (at most 64). */
  readonly pendingActions: number;
  /** Subscribers whose subscription has not ended. */
  readonly subscribers: number;
  /** Stops listening and sending (idempotent). The player is left as it is. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The messages of a packet, bundles flattened (their time tags are not waited for: an
 * operator's command plays at once). */
function messagesOf(packet: OscPacketOutput): { address: string; args: OscArg[] }[] {
  if (packet.oscType === "bundle") return packet.elements.flatMap(messagesOf);
  return [{ address: packet.address, args: packet.args as OscArg[] }];
}

/**
 * The answers to one packet: at most one error reply (its first problem, and how many more)
 * and at most one status reply, however many messages asked. Problems found while reading
 * the packet are gathered and answered together; a problem found later (an action refused
 * when it runs) is answered only if the packet got no error reply yet.
 */
class PacketAnswers {
  readonly #to: dgram.RemoteInfo;
  readonly #sendError: (
    to: dgram.RemoteInfo,
    text: string,
    keep: string[],
    requestBytes: number,
  ) => void;
  #problems: string[] = [];
  /** The packet's addresses and strings: echoed back, they are the sender's words, not
   * paths of ours, and are left as they are. */
  readonly senderWords: string[] = [];
  #read = false;
  #errorSent = false;
  wantsStatus = false;
  /** The packet's size: its error reply is no bigger (or `OSC_LIMITS.errorReplyBytes`). */
  requestBytes = 0;

  constructor(
    to: dgram.RemoteInfo,
    sendError: (
      to: dgram.RemoteInfo,
      text: string,
      keep: string[],
      requestBytes: number,
    ) => void,
  ) {
    this.#to = to;
    this.#sendError = sendError;
  }

  problem(text: string): void {
    if (!this.#read) {
      this.#problems.push(text);
    } else if (!this.#errorSent) {
      this.#errorSent = true;
      this.#sendError(this.#to, text, this.senderWords, this.requestBytes);
    }
  }

  /** The packet is read: answer what it found. */
  done(): void {
    this.#read = true;
    const [first, ...more] = this.#problems;
    if (first === undefined) return;
    this.#errorSent = true;
    const others = more.length
      ? ` (and ${more.length} more problem${more.length === 1 ? "" : "s"} in this packet)`
      : "";
    this.#sendError(this.#to, first + others, this.senderWords, this.requestBytes);
  }
}

class OscSurface implements OscServer {
  readonly hostname: string;
  received = 0;
  errors = 0;
  rateLimited = 0;
  sendsDropped = 0;
  pendingActions = 0;
  readonly #player: Player;
  readonly #socket: dgram.Socket;
  readonly #subscribers: Subscribers;
  readonly #rate: PacketRate;
  readonly #feed: StatusFeed;
  readonly #packetsPerSecond: number;
  #sendsInFlight = 0;
  /** Settles when every action this surface handed to the shared queue has run. */
  #pending: Promise<void> = Promise.resolve();
  #closed?: Promise<void>;

  constructor(
    player: Player,
    socket: dgram.Socket,
    hostname: string,
    subscriptionMs: number,
    packetsPerSecond: number,
  ) {
    this.#player = player;
    this.#socket = socket;
    this.hostname = hostname;
    this.#subscribers = new Subscribers(subscriptionMs);
    this.#rate = new PacketRate(packetsPerSecond, OSC_LIMITS.rateSources);
    this.#packetsPerSecond = packetsPerSecond;
    this.#feed = new StatusFeed(player, (status) => this.#publish(status));
    socket.on("message", (packet: Uint8Array, from: dgram.RemoteInfo) => {
      try {
        this.#receive(packet, from);
      } catch (error) {
        // A bug of ours must not stop the show either: say it and go on.
        this.errors++;
        this.#sendError(from, `internal error: ${error}`);
      }
    });
    socket.on("error", (error: Error) => console.error(`stemplay: OSC socket: ${error}`));
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get addresses(): string[] {
    return listeningAddresses(this.hostname, this.port);
  }

  get subscribers(): number {
    return this.#subscribers.count(performance.now());
  }

  #receive(packet: Uint8Array, from: dgram.RemoteInfo): void {
    this.received++;
    const admission = this.#rate.admit(from.address, performance.now());
    if (admission !== "ok") {
      this.rateLimited++;
      if (admission === "first-over") {
        this.#sendError(
          from,
          `too many packets from ${from.address}: more than ` +
            `${this.#packetsPerSecond} a second are dropped`,
        );
      }
      return;
    }
    const answers = new PacketAnswers(
      from,
      (to, text, keep, bytes) => this.#sendError(to, text, keep, bytes),
    );
    try {
      this.#read(packet, from, answers);
    } catch (error) {
      // A bug of ours must not stop the show either: say it (in this packet's one reply).
      this.errors++;
      answers.problem(`internal error: ${error}`);
    }
    answers.done();
    if (answers.wantsStatus) {
      this.#sendPacket(from.address, from.port, this.#messages(controlStatus(this.#player)));
    }
  }

  #read(packet: Uint8Array, from: dgram.RemoteInfo, answers: PacketAnswers): void {
    answers.requestBytes = packet.length;
    const count = countMessages(packet, OSC_LIMITS.messagesPerPacket);
    if (count === Infinity) {
      this.errors++;
      answers.problem(
        `bundles nested more than ${MAX_BUNDLE_DEPTH} deep (${packet.length} bytes): ` +
          `none of them was run`,
      );
      return;
    }
    if (count > OSC_LIMITS.messagesPerPacket) {
      this.errors++;
      answers.problem(
        `more than ${OSC_LIMITS.messagesPerPacket} messages in one packet ` +
          `(${packet.length} bytes): none of them was run`,
      );
      return;
    }
    const most = OSC_LIMITS.argumentsPerMessage;
    if (mostArguments(packet, most) > most) {
      this.errors++;
      answers.problem(
        `a message with more than ${most} arguments (${packet.length} bytes): ` +
          `none of the packet was run`,
      );
      return;
    }
    let decoded: OscPacketOutput;
    try {
      decoded = fromBuffer(packet);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.errors++;
      answers.problem(`malformed packet (${packet.length} bytes): ${why}`);
      return;
    }
    const messages = messagesOf(decoded);
    if (messages.length > OSC_LIMITS.messagesPerPacket) {
      this.errors++;
      answers.problem(
        `${messages.length} messages in one packet, the most is ` +
          `${OSC_LIMITS.messagesPerPacket}: none of them was run`,
      );
      return;
    }
    for (const message of messages) {
      answers.senderWords.push(message.address);
      for (const arg of message.args) {
        if (typeof arg.value === "string") answers.senderWords.push(arg.value);
      }
    }
    let subscribed = false;
    for (const message of messages) {
      let request;
      try {
        request = readOscMessage(message.address, message.args);
      } catch (error) {
        if (!(error instanceof OscProblem)) throw error;
        this.errors++;
        answers.problem(error.message);
        continue;
      }
      if (request.kind === "status") {
        answers.wantsStatus = true;
      } else if (request.kind === "reply") {
        const reply = this.#subscribers.subscribe(from.address, request.port, now(), "reply");
        if (reply.kind === "refused") {
          this.errors++;
          answers.problem(`/stemplay/reply refused: ${reply.why}`);
        }
      } else if (request.kind === "subscribe") {
        // One a packet: else one forged packet of 8 subscribes (a host's most) would make 8
        // subscriptions, 8 status replies at once and 80 packets to its victim.
        if (subscribed) {
          this.errors++;
          answers.problem("one /stemplay/subscribe a packet: only the first was taken");
          continue;
        }
        subscribed = true;
        this.#subscribe(from.address, request.port ?? from.port, answers);
      } else {
        this.#enqueue(message.address, request.action, answers);
      }
    }
  }

  #enqueue(address: string, action: Action, answers: PacketAnswers): void {
    if (this.pendingActions >= OSC_LIMITS.pendingActions) {
      this.errors++;
      answers.problem(
        `${address} refused: ${this.pendingActions} actions are waiting, the most there may ` +
          `be (send it again when the show has caught up)`,
      );
      return;
    }
    this.pendingActions++;
    // The shared action queue orders it after every surface's earlier actions; a full queue
    // (BUSY) is answered like any refusal. `#pending` only lets close() wait.
    const done = dispatch(this.#player, action, { source: "osc" }).then(
      () => this.#feed.poke(),
      (error) => {
        this.errors++;
        answers.problem(`${address}: ${this.#songOf(action)}${errorText(error)}`);
      },
    ).catch((error) => console.error(`stemplay: OSC ${address}: ${error}`))
      .finally(() => this.pendingActions--);
    this.#pending = Promise.all([this.#pending, done]).then(() => {});
  }

  /** For an action that changes the song: which song, in words and a colon ("song 2 "Way
   * Maker": "), so an error about its files names the song (the files lose their folders). */
  #songOf(action: Action): string {
    const setlist = this.#player.setlist;
    if (!setlist) return "";
    let number: number | undefined;
    if (action.type === "goto") {
      number = typeof action.song === "number"
        ? action.song
        : setlist.songs.findIndex((song) => song.title === action.song) + 1;
    } else if (action.type === "next") number = setlist.index + 2;
    else if (action.type === "previous") number = setlist.index;
    const song = number === undefined ? undefined : setlist.songs[number - 1];
    return song ? `song ${number} "${song.title}": ` : "";
  }

  #subscribe(host: string, port: number, answers: PacketAnswers): void {
    const subscription = this.#subscribers.subscribe(host, port, performance.now());
    if (subscription.kind === "refused") {
      this.errors++;
      answers.problem(`/stemplay/subscribe refused: ${subscription.why}`);
    } else if (subscription.kind === "new") {
      // A new subscriber gets the whole status at once, then changes.
      this.#publishTo(subscription.subscriber, this.#messages(controlStatus(this.#player)));
      this.#feed.start();
    }
  }

  #messages(status: ControlStatus): OutMessage[] {
    let overruns = 0;
    if (this.#player.latencyMonitor) overruns = this.#player.latencyStats().overruns;
    const messages = statusMessages(status, overruns);
    // Health words can carry a song's load error, with its files' paths.
    const health = messages.find((message) => message.address === "/stemplay/health")!;
    const words = health.args[0] as { type: "string"; value: string };
    health.args[0] = { type: "string", value: withoutPaths(words.value, this.#knownFolders()) };
    return messages;
  }

  #publish(status: ControlStatus): void {
    const now = performance.now();
    if (this.#subscribers.count(now, "status") > 0) {
      const messages = this.#messages(status);
      for (const subscriber of this.#subscribers.list("status")) {
        this.#publishTo(subscriber, messages);
      }
    }
    if (this.#subscribers.count(now, "status") === 0) this.#feed.stop();
  }

  /** Sends the messages that differ from what the subscriber last got, in one packet. */
  #publishTo(subscriber: Subscriber, messages: OutMessage[]): void {
    const changed = messages.filter((message) =>
      subscriber.sent.get(message.address) !== JSON.stringify(message.args)
    );
    if (changed.length === 0) return;
    if (!this.#sendPacket(subscriber.host, subscriber.port, changed)) return;
    for (const message of changed) {
      subscriber.sent.set(message.address, JSON.stringify(message.args));
    }
    this.#subscribers.spend(subscriber);
  }

  /**
   * Sends `messages` as one packet (one message alone, more in a bundle). Never to a port
   * below 1024 (a system service: nobody to answer there, only someone to attack), and
   * never more than `sendsInFlight` at once: beyond, the packet is dropped and counted.
   *
   * @returns whether the packet was handed to the socket
   */
  #sendPacket(host: string, port: number, messages: OutMessage[]): boolean {
    if (this.#closed || messages.length === 0) return false;
    if (!Number.isInteger(port) || port < OSC_LIMITS.lowestPort || port > 65535) return false;
    if (this.#sendsInFlight >= OSC_LIMITS.sendsInFlight) {
      this.sendsDropped++;
      return false;
    }
    const bytes = messages.length === 1
      ? toBuffer({ address: messages[0].address, args: messages[0].args })
      : toBuffer({ timetag: [0, 1], elements: messages });
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#sendsInFlight++;
    try {
      this.#socket.send(buffer, port, host, (error) => {
        this.#sendsInFlight--;
        if (error) console.error(`stemplay: OSC to ${host}:${port}: ${error.message}`);
      });
    } catch (error) {
      this.#sendsInFlight--;
      console.error(`stemplay: OSC to ${host}:${port}: ${error}`);
      return false;
    }
    return true;
  }

  /** The one way an error reply leaves: with file paths reduced to file names, and no bigger
   * than its request (or `OSC_LIMITS.errorReplyBytes`; never more than `errorReplyMaxBytes`):
   * a forged sender address must not make us a reflector that sends its victim more bytes
   * than it was sent, and a 64 KB text is slow to redact. */
  #sendError(
    to: dgram.RemoteInfo,
    problem: string,
    senderWords: string[] = [],
    requestBytes = 0,
  ): void {
    const most = Math.max(
      OSC_LIMITS.errorReplyBytes,
      Math.min(requestBytes, OSC_LIMITS.errorReplyMaxBytes),
    );
    // Cut before redacting too (a 64 KB text of paths is slow to redact), then to the reply's
    // size: the address, the type tag and the string's padding take 32 bytes.
    const text = clipUtf8(
      withoutPaths(problem.slice(0, 4 * most), this.#knownFolders(), senderWords),
      most - 32,
    );
    const message: OutMessage[] = [{
      address: "/stemplay/error",
      args: [{ type: "string", value: text }],
    }];
    // The host's reply subscriptions (/stemplay/reply i PORT) get it instead of the sender.
    const replies = this.#subscribers.list("reply").filter((r) => r.host === to.address);
    for (const reply of replies) {
      if (this.#sendPacket(reply.host, reply.port, message)) this.#subscribers.spend(reply);
    }
    if (replies.length === 0) this.#sendPacket(to.address, to.port, message);
  }

  /** Folders an error may name: the setlist's song folders, their parents, the working one. */
  #knownFolders(): string[] {
    const folders: string[] = [];
    for (const song of this.#player.setlist?.songs ?? []) {
      folders.push(song.path, song.path.replace(/[\\/][^\\/]*$/, ""));
    }
    try {
      folders.push(Deno.cwd());
    } catch {
      // no read permission for it: the pattern still catches its paths
    }
    return folders;
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

const now = () => performance.now();

/** `text` cut to at most `bytes` bytes of UTF-8 (on a character's boundary), "…" ending it. */
function clipUtf8(text: string, bytes: number): string {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= bytes) return text;
  const ellipsis = "…"; // 3 bytes
  let end = bytes - 3;
  while (end > 0 && (encoded[end] & 0xc0) === 0x80) end--; // not inside a character
  return new TextDecoder().decode(encoded.subarray(0, end)) + ellipsis;
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
  const hostname = options.hostname ?? "127.0.0.1";
  const seconds = options.subscriptionSeconds ?? 60;
  const packetsPerSecond = options.packetsPerSecond ?? OSC_LIMITS.packetsPerSecond;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StemplayError("INVALID_ARGUMENT", `OSC port must be 0 to 65535, got ${port}`);
  }
  if (typeof seconds !== "number" || !(seconds > 0)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `subscriptionSeconds must be a number of seconds > 0, got ${seconds}`,
    );
  }
  if (typeof packetsPerSecond !== "number" || !(packetsPerSecond >= 1)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `packetsPerSecond must be a number >= 1, got ${packetsPerSecond}`,
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
  return new OscSurface(player, socket, hostname, seconds * 1000, packetsPerSecond);
}
