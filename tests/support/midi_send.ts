/**
 * An independent JACK MIDI source: native/tests/midi_send.c (a JACK client "midisend" with an
 * output port "midisend:out"), built here with cc, driven through its stdin.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { JackServer } from "./jack.ts";

const SOURCE = fileURLToPath(new URL("../../native/tests/midi_send.c", import.meta.url));
let built: Promise<string> | undefined;

function build(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-midisend-" });
    const binary = `${dir}/midi_send`;
    const output = await new Deno.Command("cc", {
      args: ["-O2", "-o", binary, SOURCE, "-l:libjack.so.0", "-lpthread"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(`cannot build midi_send: ${new TextDecoder().decode(output.stderr)}`);
    }
    return binary;
  })();
  return built;
}

/** A running midi_send. */
export class MidiSender {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;
  readonly port = "midisend:out";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#lines = readLines(child.stdout)[Symbol.asyncIterator]();
  }

  /** Starts the client on `server` and waits until it is active. */
  static async start(server: JackServer): Promise<MidiSender> {
    const child = new Deno.Command(await build(), {
      env: server.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const sender = new MidiSender(child);
    const first = await sender.#lines.next();
    if (first.value !== "ready") throw new Error(`midi_send did not start: ${first.value}`);
    return sender;
  }

  /** Sends one message (bytes) and waits until a JACK cycle has written it. */
  async send(bytes: number[]): Promise<void> {
    await this.sendInOneCycle([{ bytes }]);
  }

  /** Sends messages in one JACK cycle, each at its frame offset in the cycle (default 0), and
   * waits until the cycle has written them. */
  async sendInOneCycle(messages: { bytes: number[]; offset?: number }[]): Promise<void> {
    const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const line = messages.map((m) => `+${m.offset ?? 0} ${hex(m.bytes)}`).join(" | ") + "\n";
    await this.#writer.write(new TextEncoder().encode(line));
    const reply = await this.#lines.next();
    if (!reply.value?.startsWith("sent")) throw new Error(`midi_send: ${reply.value}`);
  }

  /** Stops it (closing its stdin ends it; SIGKILL by pid if it does not). */
  async stop(): Promise<void> {
    await this.#writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // gone
      }
    }, 3000);
    await this.#child.status;
    clearTimeout(timer);
  }
}

/** The lines of a text stream. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
}
