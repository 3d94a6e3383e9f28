/**
 * jackd2's own `jack_midi_dump -a`, an independent JACK MIDI client, recording what a port
 * sends: each line is "<absolute frame>: <hex bytes>".
 *
 * @module
 */

import type { JackServer } from "./jack.ts";
import { readLines } from "./midi_send.ts";
import { sleep } from "./wait.ts";

/** One message as jack_midi_dump printed it. */
export interface DumpEvent {
  at: number;
  bytes: number[];
}

/** `jack_midi_dump -a` lines: "<frame>: <hex bytes> …" (jackd2 prints the absolute frame). */
export function parseDump(lines: string[]): DumpEvent[] {
  const events: DumpEvent[] = [];
  for (const line of lines) {
    const match = /^\s*(\d+)\s*:\s*((?:[0-9a-f]{2}\s*)+)/i.exec(line);
    if (!match) continue;
    events.push({
      at: Number(match[1]),
      bytes: match[2].trim().split(/\s+/).map((b) => parseInt(b, 16)),
    });
  }
  return events;
}

/** A message's bytes in lower-case hex, "b0 40 7f". */
export function hex(event: DumpEvent): string {
  return event.bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** A running `jack_midi_dump`: its lines so far, and the promise that ends with its output. */
export interface Dump {
  child: Deno.ChildProcess;
  lines: string[];
  read: Promise<void>;
}

/** Starts `jack_midi_dump -a` as the JACK client `dump` (port `dump:input`); its lines collect
 * in `lines`. Stop it with {@linkcode stopDump}. */
export function startDump(server: JackServer): Dump {
  const child = new Deno.Command("jack_midi_dump", {
    args: ["-a", "dump"],
    env: server.env,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  const read = (async () => {
    for await (const line of readLines(child.stdout)) lines.push(line);
  })();
  return { child, lines, read };
}

/** Starts the dump and connects `port` (e.g. midi_out's) to it once the server lists it. */
export async function dumpPort(server: JackServer, port: string): Promise<Dump> {
  const dump = startDump(server);
  await waitForPort(server, "dump:input");
  // A port opened again right after its close may not be listed yet, or still be the old one
  // on its way out (CI: "not a valid port"): wait for it, and try again for a second.
  await waitForPort(server, port);
  for (let attempt = 1;; attempt++) {
    try {
      await server.connect(port, "dump:input");
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(50);
    }
  }
  return dump;
}

/** Stops the dump (SIGTERM), waits for the last of its output and returns what it recorded.
 * Close the player first: a client killed while the engine runs can stall a --sync server. */
export async function stopDump(dump: Dump): Promise<DumpEvent[]> {
  dump.child.kill("SIGTERM");
  await dump.child.status;
  await dump.read;
  return parseDump(dump.lines);
}

/** Waits (up to 5 s) until the server lists `port`. */
export async function waitForPort(server: JackServer, port: string): Promise<void> {
  for (let i = 0; i < 100 && !(await server.ports()).includes(port); i++) await sleep(50);
}
