/**
 * A private PulseAudio server for tests: user mode, its own runtime folder, a 4-channel
 * float32 null sink named "stage" whose monitor can be captured with parec. The recipe is in
 * DESIGN.md. Always stop it (`await using`, or `stop()` in a finally block): it is stopped by
 * the pid it wrote, never by name.
 *
 * @module
 */

import { alive, signalAndWait } from "./pid.ts";
import { sleep } from "./wait.ts";

/** The sink every test plays to. */
export const SINK = "stage";
/** Its format. */
export const SINK_RATE = 48000;
export const SINK_CHANNELS = 4;

const decoder = new TextDecoder();

/** More null sinks besides "stage", e.g. a stereo one to be refused by a 4-output engine. */
export interface ExtraSink {
  name: string;
  channels: number;
}

/** A running server. */
export class PulseServer {
  /** The server's runtime folder (its socket and pid file live in `<dir>/pulse/`). */
  readonly runtimeDir: string;
  readonly #extraSinks: ExtraSink[];
  #pid = 0;

  private constructor(runtimeDir: string, extraSinks: ExtraSink[]) {
    this.runtimeDir = runtimeDir;
    this.#extraSinks = extraSinks;
  }

  /** The `PULSE_SERVER` value that reaches this server. */
  get serverAddress(): string {
    return `unix:${this.runtimeDir}/pulse/native`;
  }

  /** The server's pid (0 once stopped). */
  get pid(): number {
    return this.#pid;
  }

  /** Environment for a client program (pactl, parec). */
  get env(): Record<string, string> {
    return { PULSE_SERVER: this.serverAddress, XDG_RUNTIME_DIR: this.runtimeDir };
  }

  /** Starts a server in a new temporary runtime folder and waits until it answers. */
  static async start(options: { extraSinks?: ExtraSink[] } = {}): Promise<PulseServer> {
    const server = new PulseServer(
      await Deno.makeTempDir({ prefix: "stemplay-pulse-" }),
      options.extraSinks ?? [],
    );
    await server.#launch();
    return server;
  }

  /** Starts the server again in the same runtime folder (after `kill()`). */
  async restart(): Promise<void> {
    if (this.#pid && alive(this.#pid)) throw new Error("the server is still running");
    // A killed daemon may linger as a zombie (nobody reaps it), and pulseaudio takes the pid
    // in its pid file for a running server: remove the stale file first.
    await Deno.remove(`${this.runtimeDir}/pulse/pid`).catch(() => {});
    await this.#launch();
  }

  async #launch(): Promise<void> {
    const output = await new Deno.Command("pulseaudio", {
      args: [
        "-n",
        "--daemonize=yes",
        "--exit-idle-time=-1",
        "--disallow-exit",
        "--use-pid-file=yes",
        `--load=module-null-sink sink_name=${SINK} channels=${SINK_CHANNELS} ` +
        `rate=${SINK_RATE} format=float32le sink_properties=device.description=${SINK}`,
        ...this.#extraSinks.map((sink) =>
          `--load=module-null-sink sink_name=${sink.name} channels=${sink.channels} ` +
          `rate=${SINK_RATE} format=float32le sink_properties=device.description=${sink.name}`
        ),
        "--load=module-native-protocol-unix",
      ],
      env: { XDG_RUNTIME_DIR: this.runtimeDir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(`pulseaudio did not start: ${decoder.decode(output.stderr)}`);
    }
    this.#pid = Number(
      (await Deno.readTextFile(`${this.runtimeDir}/pulse/pid`)).trim(),
    );
    for (let i = 0; i < 100; i++) {
      if (await this.#answers()) return;
      await sleep(50);
    }
    await this.stop();
    throw new Error("pulseaudio started but does not answer pactl info");
  }

  async #answers(): Promise<boolean> {
    const info = await new Deno.Command("pactl", {
      args: ["info"],
      env: this.env,
      stdout: "piped",
      stderr: "null",
    }).output();
    return info.success && decoder.decode(info.stdout).includes(`Default Sink: ${SINK}`);
  }

  /** Kills the server at once (SIGKILL), as a crashing audio server would go. */
  async kill(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  /** Freezes the server (SIGSTOP): it keeps its socket open and answers nothing, as a hung
   * audio server does. */
  freeze(): void {
    if (this.#pid && alive(this.#pid)) Deno.kill(this.#pid, "SIGSTOP");
  }

  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void {
    if (this.#pid && alive(this.#pid)) Deno.kill(this.#pid, "SIGCONT");
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its folder. Idempotent. */
  async stop(): Promise<void> {
    this.thaw();
    await this.#signal("SIGTERM");
    await this.#signal("SIGKILL");
    await Deno.remove(this.runtimeDir, { recursive: true }).catch(() => {});
  }

  async #signal(signal: Deno.Signal): Promise<void> {
    const pid = this.#pid;
    if (!pid || !alive(pid)) return;
    await signalAndWait(pid, signal);
    if (!alive(pid)) this.#pid = 0;
  }

  /** `await using server = await PulseServer.start()` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Runs `fn` with a fresh server and this process's PULSE_SERVER pointing at it (for the
 * engine's PulseAudio backend), and stops the server after. */
export async function withPulseServer(
  fn: (server: PulseServer) => Promise<void>,
  options: { extraSinks?: ExtraSink[] } = {},
): Promise<void> {
  const server = await PulseServer.start(options);
  const previous = Deno.env.get("PULSE_SERVER");
  Deno.env.set("PULSE_SERVER", server.serverAddress);
  try {
    await fn(server);
  } finally {
    if (previous === undefined) Deno.env.delete("PULSE_SERVER");
    else Deno.env.set("PULSE_SERVER", previous);
    await server.stop();
  }
}

/** A capture of the sink's monitor, as interleaved float32. */
export class Capture {
  #child: Deno.ChildProcess;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #done: Promise<void>;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#done = (async () => {
      for await (const chunk of child.stdout) {
        this.#chunks.push(chunk);
        this.#bytes += chunk.length;
      }
    })();
  }

  /** Starts `parec` on the sink's monitor: float32, 4 channels, 48 kHz, raw. */
  static start(server: PulseServer): Capture {
    const child = new Deno.Command("parec", {
      args: [
        "-d",
        `${SINK}.monitor`,
        "--format=float32le",
        `--channels=${SINK_CHANNELS}`,
        `--rate=${SINK_RATE}`,
        "--raw",
        // A capture needs no low latency, and a deep buffer keeps a busy machine from making
        // the monitor source drop what it could not hand over in time (a gap that is not ours).
        "--latency-msec=250",
      ],
      env: server.env,
      stdout: "piped",
      stderr: "null",
    }).spawn();
    return new Capture(child);
  }

  /** Frames captured so far. */
  get frames(): number {
    return Math.floor(this.#bytes / 4 / SINK_CHANNELS);
  }

  /** Stops parec and returns one Float32Array per channel. */
  async stop(): Promise<Float32Array[]> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#child.status;
    await this.#done;
    const all = new Uint8Array(this.#bytes);
    let at = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    const frames = this.frames;
    const interleaved = new Float32Array(all.buffer, 0, frames * SINK_CHANNELS);
    const out = Array.from({ length: SINK_CHANNELS }, () => new Float32Array(frames));
    for (let i = 0, k = 0; i < frames; i++) {
      for (let c = 0; c < SINK_CHANNELS; c++) out[c][i] = interleaved[k++];
    }
    return out;
  }
}
