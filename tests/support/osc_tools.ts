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
