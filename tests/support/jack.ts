/**
 * A private JACK server for tests: Debian's jackd2 with the dummy driver, in user space
 * (`--no-realtime`) and synchronous (`--sync`), 48 kHz, 64-frame periods, 8 playback and 2 capture ports, under its own
 * server name so parallel runs never share a server. Clients reach it through
 * `JACK_DEFAULT_SERVER` (see {@linkcode JackServer.env}); the engine's miniaudio JACK backend
 * reads the same variable, so {@linkcode withJackServer} sets it in this process too.
 *
 * The engine's JACK client is named "stemplay" (a second rig on the same server gets JACK's renamed
 * client, "stemplay-01"); its output ports are `stemplay:playback0` … `stemplay:playback7`,
 * connected to `system:playback_1` … `_8` when the device starts, beside `stemplay:midi_in`,
 * `midi_out` and `mtc_out` when those are open. Find a second rig's ports by what it reports or
 * what the server lists, not by a fixed prefix.
 *
 * Always stop it: it is stopped by the pid of the process the test started, never by name.
 * JACK's registry has 8 server slots, and a server that was killed (not stopped) keeps its slot
 * until a server of its name starts again. So a killed server is started again under its name
 * and stopped cleanly when it is stopped, and a full registry ("Too many servers already
 * active") first gets its dead test servers' slots back the same way. Only when that frees
 * nothing, and no jackd runs at all, is the registry cleared: a cleared registry breaks every
 * process that has it mapped ("Cannot open shm segment" in all its later clients).
 *
 * @module
 */

import { alive, signalAndWait } from "./pid.ts";
import { ignoreWithout, requireTool } from "./require_tool.ts";
import { sleep } from "./wait.ts";

export const JACK_RATE = 48000;
export const JACK_PERIOD = 64;
export const JACK_OUTPUTS = 8;

const decoder = new TextDecoder();

/** A running jackd. */
export class JackServer {
  /** The server name (`jackd -n`), unique per start. */
  readonly name: string;
  #child: Deno.ChildProcess;
  #log: Promise<string>;
  /** Ended by SIGKILL: its slot in the registry is still taken. */
  #killed = false;

  private constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.#child = child;
    this.#log = (async () => {
      const [out, err] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ]);
      return out + err;
    })();
  }

  /** What the server printed (its xruns among it), complete once it has stopped. */
  output(): Promise<string> {
    return this.#log;
  }

  /** Environment for a JACK client program (jack_lsp, jack_rec, jack_connect …). */
  get env(): Record<string, string> {
    return { JACK_DEFAULT_SERVER: this.name, JACK_NO_START_SERVER: "1" };
  }

  /** Starts jackd and waits until it accepts clients (jack_lsp lists its ports).
   * `realtime`: run the server (and its clients' process threads) with real-time scheduling,
   * as on a rig; default: `--no-realtime`, all in user space. */
  static async start(
    options: { realtime?: boolean; waitUs?: number; async?: boolean; name?: string } = {},
  ): Promise<JackServer> {
    try {
      return await JackServer.#start(options);
    } catch (error) {
      // JACK's registry has 8 server slots, and a server that was killed (not stopped) keeps
      // its slot for good: another server reclaims it only under the same name, and every
      // test server has its own. With no jackd running, the registry holds only dead servers.
      if (!String(error).includes("Too many servers")) throw error;
      if (await reclaimDeadSlots() === 0) {
        if (await jackdRunning()) throw error;
        await clearJackRegistry();
      }
      return await JackServer.#start(options);
    }
  }

  static async #start(
    options: { realtime?: boolean; waitUs?: number; async?: boolean; name?: string },
  ): Promise<JackServer> {
    // `name`: a killed server's, to start it again where its clients look (JACK_DEFAULT_SERVER).
    const name = options.name ?? `stemplay-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const child = new Deno.Command("jackd", {
      args: [
        "-n",
        name,
        ...(options.realtime ? ["--realtime"] : ["--no-realtime"]),
        // Synchronous: each cycle waits for every client. Without real-time scheduling a busy
        // machine makes cycles late, and in JACK2's default asynchronous mode a late client's
        // buffer is then read before it is written (a recording repeats or skips a block).
        // (`async`: JACK2's default mode, where a stalled client stalls nothing but itself.)
        ...(options.async ? [] : ["--sync"]),
        "-d",
        "dummy",
        "-r",
        String(JACK_RATE),
        "-p",
        String(JACK_PERIOD),
        "-w",
        // The dummy driver's period in µs. JACK2 rounds it to whole frames (1333 and 1334 µs
        // are both 64 frames at 48 kHz) and times its cycles by frames / rate, so it does not
        // change the server's rate: only a late cycle (an xrun, whose time is lost) does.
        String(options.waitUs ?? Math.round(JACK_PERIOD / JACK_RATE * 1e6)),
        "-P",
        String(JACK_OUTPUTS),
        "-C",
        "2",
      ],
      env: { JACK_NO_AUDIO_RESERVATION: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const server = new JackServer(name, child);
    for (let i = 0; i < 200; i++) {
      if (!alive(child.pid)) break;
      const ports = await server.ports();
      if (ports.includes(`system:playback_${JACK_OUTPUTS}`)) return server;
      await sleep(50);
    }
    await server.stop();
    throw new Error(`jackd did not start: ${await server.#log}`);
  }

  /** The server's ports (`jack_lsp`), or [] when it does not answer. */
  async ports(): Promise<string[]> {
    const output = await new Deno.Command("jack_lsp", {
      env: this.env,
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!output.success) return [];
    return decoder.decode(output.stdout).split("\n").filter(Boolean);
  }

  /** Connects two ports with `jack_connect`. */
  async connect(from: string, to: string): Promise<void> {
    const output = await new Deno.Command("jack_connect", {
      args: [from, to],
      env: this.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(`jack_connect ${from} ${to}: ${decoder.decode(output.stderr)}`);
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL) by its pid; a killed one then gets its registry
   * slot back (see the module's note). Idempotent. */
  async stop(): Promise<void> {
    if (await this.#end()) this.#killed = true;
    if (this.#killed) {
      this.#killed = false;
      await JackServer.reclaimSlot(this.name);
    }
  }

  /** Ends the process (SIGTERM, then SIGKILL) and waits for it; true when it took SIGKILL. */
  async #end(): Promise<boolean> {
    await signalAndWait(this.#child.pid, "SIGTERM");
    const killed = alive(this.#child.pid);
    await signalAndWait(this.#child.pid, "SIGKILL");
    await this.#child.status;
    await this.#log;
    return killed;
  }

  /** Kills the server with SIGKILL (a crash, a device lost) by its pid, and waits for it.
   * Its registry slot is given back by `stop()` (or by a start under its name). */
  async kill(): Promise<void> {
    this.#killed = true;
    await signalAndWait(this.#child.pid, "SIGKILL");
    await this.#child.status;
    await this.#log;
  }

  /** Gives a dead server's registry slot back: a server of its name starts (taking the slot
   * over) and stops cleanly (freeing it). Once only: a start that fails is left as it is. */
  static async reclaimSlot(name: string): Promise<void> {
    let again: JackServer | undefined;
    try {
      again = await JackServer.#start({ name });
    } catch {
      return;
    }
    await again.#end(); // once: a restart that again needs SIGKILL is left as it is
  }

  /** `await using server = await JackServer.start()` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Whether any jackd process runs on this machine (of any user). */
async function jackdRunning(): Promise<boolean> {
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const comm = await Deno.readTextFile(`/proc/${entry.name}/comm`).catch(() => "");
    if (comm.trim() === "jackd") return true;
  }
  return false;
}

/** The test servers the registry names that no jackd runs as, each given its slot back;
 * returns how many. */
async function reclaimDeadSlots(): Promise<number> {
  const registry = await Deno.readFile("/dev/shm/jack-shm-registry").catch(() => undefined);
  if (!registry) return 0;
  const names = new Set(
    new TextDecoder("latin1").decode(registry).match(/stemplay-test-[\w-]+/g) ?? [],
  );
  const running = await jackdNames();
  let reclaimed = 0;
  for (const name of names) {
    if (running.has(name)) continue;
    await JackServer.reclaimSlot(name);
    reclaimed++;
  }
  return reclaimed;
}

/** The names (`-n`) of the jackd processes running on this machine. */
async function jackdNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const line = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    const args = line.split("\0");
    const at = args.indexOf("-n");
    if (args[0]?.endsWith("jackd") && at >= 0 && args[at + 1]) names.add(args[at + 1]);
  }
  return names;
}

/** Removes JACK's shared-memory registry and segments (only when no jackd runs). */
async function clearJackRegistry(): Promise<void> {
  for await (const entry of Deno.readDir("/dev/shm")) {
    if (entry.name.startsWith("jack")) {
      await Deno.remove(`/dev/shm/${entry.name}`, { recursive: true }).catch(() => {});
    }
  }
}

/** Runs `fn` with a fresh server, this process's JACK_DEFAULT_SERVER pointing at it (for the
 * engine's JACK backend), and stops the server after. */
export async function withJackServer(
  fn: (server: JackServer) => Promise<void>,
  options: { realtime?: boolean } = {},
): Promise<void> {
  const server = await JackServer.start(options);
  const previous = Deno.env.get("JACK_DEFAULT_SERVER");
  Deno.env.set("JACK_DEFAULT_SERVER", server.name);
  Deno.env.set("JACK_NO_START_SERVER", "1");
  try {
    await fn(server);
  } finally {
    if (previous === undefined) Deno.env.delete("JACK_DEFAULT_SERVER");
    else Deno.env.set("JACK_DEFAULT_SERVER", previous);
    await server.stop();
  }
}

/**
 * Declares a test that runs on a private JACK server: skipped (or, in strict mode, failed) without
 * jackd or any of `tools`, and by default without Deno's resource and op sanitizers, because the
 * engine's JACK client threads and the server's child processes outlive a test's ops by design.
 *
 * @param name the test's name (outside tools match it: keep it exact)
 * @param tools the programs besides jackd it needs (cc, jack_connect, jack_midi_dump …)
 * @param options `sanitize`: keep Deno's sanitizers on (a test that checks nothing outlives it)
 */
export function jackTest(
  name: string,
  tools: readonly string[],
  fn: () => Promise<void>,
  options: { sanitize?: boolean } = {},
): void {
  const needs = ["jackd", ...tools];
  // Sanitizing: left unset, Deno's default. Set to true, Deno 2.9 also reports the native
  // library the first player loads (held for the process) as a leak.
  const sanitizers = options.sanitize ? {} : { sanitizeResources: false, sanitizeOps: false };
  Deno.test({
    name,
    ignore: needs.some((tool) => ignoreWithout(tool, name)),
    ...sanitizers,
    async fn() {
      for (const tool of needs) requireTool(tool, name);
      await fn();
    },
  });
}

/** A capture with `jack_rec` (an independent JACK client) of the given ports into a 32-bit WAV. */
export class JackRecording {
  #child: Deno.ChildProcess;
  readonly path: string;

  private constructor(child: Deno.ChildProcess, path: string) {
    this.#child = child;
    this.path = path;
  }

  /** Starts jack_rec on `ports` for `seconds`. */
  static async start(server: JackServer, ports: string[], seconds: number): Promise<JackRecording> {
    const path = await Deno.makeTempFile({ prefix: "stemplay-jackrec-", suffix: ".wav" });
    const child = new Deno.Command("jack_rec", {
      args: ["-f", path, "-d", String(seconds), "-b", "32", ...ports],
      env: server.env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    return new JackRecording(child, path);
  }

  /** Waits for jack_rec to finish its duration and returns the WAV's bytes (file removed). */
  async finish(): Promise<Uint8Array> {
    const status = await this.#child.output();
    if (!status.success) {
      throw new Error(`jack_rec failed: ${decoder.decode(status.stderr)}`);
    }
    const bytes = await Deno.readFile(this.path);
    await Deno.remove(this.path).catch(() => {});
    return bytes;
  }
}
