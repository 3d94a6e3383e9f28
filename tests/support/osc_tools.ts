/**
 * liblo's command-line tools as an independent OSC client: `oscsend` encodes what the tests
 * send, `oscdump` decodes what stemplay sends back. A relay socket stands between them and the
 * server, so that replies to the sender (which `oscsend` cannot receive) reach `oscdump` too:
 * packets from anyone but the server go to the server; packets from the server go to oscdump.
 *
 * @module
 */

import dgram from "node:dgram";
import { Buffer } from "node:buffer";
// deno-lint-ignore no-import-prefix
import { fromBuffer, type OscPacketInput, type OscPacketOutput, toBuffer } from "npm:osc-min@2.1.2";
import { waitFor } from "./wait.ts";

/** `oscdump -L PORT` running, its lines collected. */
export class OscDump {
  readonly port: number;
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #done: Promise<void>;

  private constructor(port: number, child: Deno.ChildProcess) {
    this.port = port;
    this.#child = child;
    const decoder = new TextDecoderStream();
    this.#done = (async () => {
      let rest = "";
      for await (const chunk of child.stdout.pipeThrough(decoder)) {
        rest += chunk;
        const parts = rest.split("\n");
        rest = parts.pop()!;
        // Each line starts with a time tag ("eeb20981.c002d16a"): keep the message only.
        for (const line of parts) this.lines.push(line.replace(/^[0-9a-f]+\.[0-9a-f]+ /, ""));
      }
    })();
  }

  /** Starts oscdump on a free port and waits until it listens (on another port if the one
   * picked was taken meanwhile: oscdump then exits at once). */
  static async start(): Promise<OscDump> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freeUdpPort();
      const child = new Deno.Command("oscdump", {
        args: ["-L", String(port)],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const dump = new OscDump(port, child);
      let exited = false;
      child.status.then(() => exited = true);
      // It listens once it answers: send it a probe until it prints it.
      const probe = dgram.createSocket("udp4");
      try {
        const bytes = Buffer.from("/probe\0\0,\0\0\0", "latin1");
        await waitFor("oscdump to listen", () => {
          if (exited) throw new Error(`oscdump could not listen on port ${port}`);
          probe.send(bytes, port, "127.0.0.1");
          return dump.lines.includes("/probe ");
        }, 30000);
        dump.lines.length = 0;
        return dump;
      } catch (error) {
        lastError = error;
        await dump.stop();
      } finally {
        probe.close();
      }
    }
    throw lastError;
  }

  /** Waits for a line matching `pattern` (after index `from`) and returns it. */
  async waitFor(pattern: RegExp, from = 0): Promise<string> {
    let found: string | undefined;
    await waitFor(
      `oscdump to print ${pattern} (got: ${this.lines.slice(from).join(" | ")})`,
      () => {
        found = this.lines.slice(from).find((line) => pattern.test(line));
        return found !== undefined;
      },
    );
    return found!;
  }

  /** Lines matching `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  /** Stops oscdump (by its pid). */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#child.status;
    await this.#done;
  }
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Runs `oscsend 127.0.0.1 PORT address types args…`. */
export async function oscsend(port: number, address: string, types = "", ...args: string[]) {
  const command = new Deno.Command("oscsend", {
    args: ["127.0.0.1", String(port), address, ...(types ? [types, ...args] : [])],
    stdout: "null",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  if (code !== 0) {
    throw new Error(`oscsend ${address} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

/** The relay between oscsend, the server and oscdump (see the module's note). */
export class OscRelay {
  readonly #socket: dgram.Socket;
  readonly #serverPort: number;

  private constructor(socket: dgram.Socket, serverPort: number, dumpPort: number) {
    this.#socket = socket;
    this.#serverPort = serverPort;
    socket.on("message", (packet: Buffer, from: dgram.RemoteInfo) => {
      const to = from.port === serverPort ? dumpPort : serverPort;
      socket.send(packet, to, "127.0.0.1");
    });
  }

  /** A relay to the server at `serverPort`, its replies to oscdump at `dumpPort`. */
  static async start(serverPort: number, dumpPort: number): Promise<OscRelay> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
    return new OscRelay(socket, serverPort, dumpPort);
  }

  /** The port oscsend sends to (and the server sees as the sender). */
  get port(): number {
    return this.#socket.address().port;
  }

  /** Sends raw bytes to the server as if from the relay (for malformed packets). */
  sendRaw(bytes: Uint8Array): void {
    this.#socket.send(Buffer.from(bytes), this.#serverPort, "127.0.0.1");
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

/** One OSC message as the tests build them: an address and `osc-min` arguments. */
export interface TestMessage {
  address: string;
  args?: { type: string; value?: unknown }[];
}

/** The bytes of one message, or of one bundle holding `messages` (time tag "immediately"). */
export function oscPacket(messages: TestMessage | TestMessage[]): Uint8Array {
  const element = (message: TestMessage) => ({
    address: message.address,
    args: message.args ?? [],
  });
  const view = Array.isArray(messages)
    ? toBuffer(
      { oscType: "bundle", timetag: [0, 1], elements: messages.map(element) } as OscPacketInput,
    )
    : toBuffer(element(messages) as OscPacketInput);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A bundle (time tag "immediately") whose elements are the packets given, as bytes: bundles
 * inside bundles. */
export function oscBundleOf(elements: Uint8Array[]): Uint8Array {
  const size = 16 + elements.reduce((sum, element) => sum + 4 + element.length, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode("#bundle\0"));
  view.setUint32(12, 1);
  let at = 16;
  for (const element of elements) {
    view.setInt32(at, element.length);
    bytes.set(element, at + 4);
    at += 4 + element.length;
  }
  return bytes;
}

/**
 * A UDP socket on one loopback address (127.0.0.1, or another 127.x.y.z to stand for another
 * host: Linux routes all of 127/8 to loopback) that sends raw packets and counts what comes
 * back: packets, and each message decoded (bundles flattened) as "address arg arg…".
 */
export class OscPeer {
  /** Packets received. */
  packets = 0;
  /** Messages received, as "address arg …". */
  readonly messages: string[] = [];
  readonly #socket: dgram.Socket;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on("message", (packet: Buffer) => {
      this.packets++;
      try {
        this.messages.push(...linesOf(fromBuffer(packet)));
      } catch {
        this.messages.push("(undecodable)");
      }
    });
  }

  /** A peer bound to `host` on a free port. */
  static async start(host = "127.0.0.1"): Promise<OscPeer> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => resolve());
    });
    return new OscPeer(socket);
  }

  /** The port it sends from and listens on. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** Sends `bytes` to 127.0.0.1:`port` and resolves once the socket took them. */
  send(port: number, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.send(
        Buffer.from(bytes),
        port,
        "127.0.0.1",
        (error) => error ? reject(error) : resolve(),
      )
    );
  }

  /** Sends `bytes` to `host`:`port`. */
  sendTo(host: string, port: number, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.send(
        Buffer.from(bytes),
        port,
        host,
        (error) => error ? reject(error) : resolve(),
      )
    );
  }

  /** Messages received whose line matches `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.messages.filter((line) => pattern.test(line));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

function linesOf(packet: OscPacketOutput): string[] {
  if (packet.oscType === "bundle") return packet.elements.flatMap(linesOf);
  return [
    [packet.address, ...packet.args.map((arg) => String((arg as { value?: unknown }).value))].join(
      " ",
    ),
  ];
}
