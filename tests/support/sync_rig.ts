/**
 * Two rigs for the sync tests: a setlist of two songs of noise stems (no period, so a
 * cross-correlation finds one lag), and a rig process (tests/support/sync_child.ts) playing it
 * on JACK as the primary (commands on stdin) or the follower (its `health.sync` on stdout).
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeWav } from "../../src/sources/wav.ts";
import { noise } from "./align.ts";
import { readLines } from "./midi_send.ts";

export const SYNC_KEY = "the two rigs' shared secret";
/** The songs' titles, markers (tempo 120 in 4/4: a bar is 2 s) and length. */
export const SYNC_TITLES = ["First light", "Second wind"];
export const SYNC_MARKERS = [
  { name: "Intro", at: 0 },
  { name: "Verse", at: 4 },
  { name: "Chorus", at: 8 },
  { name: "Bridge", at: 12 },
];
export const SYNC_SONG_SECONDS = 24;

/** Writes the setlist into `dir`. @returns its path */
export async function writeNoiseShow(
  dir: string,
  rate = 48000,
  seconds = SYNC_SONG_SECONDS,
): Promise<string> {
  const songs: string[] = [];
  for (const [index, title] of SYNC_TITLES.entries()) {
    const folder = join(dir, `song${index + 1}`);
    await Deno.mkdir(folder, { recursive: true });
    const pcm = noise(100 + index, seconds * rate, 0.3);
    await Deno.writeFile(join(folder, "noise.wav"), encodeWav([pcm], rate, "f32"));
    await Deno.writeTextFile(
      join(folder, "song.json"),
      JSON.stringify({
        title,
        tempo: 120,
        markers: SYNC_MARKERS,
        tracks: [{ file: "noise.wav", name: "Noise", route: [1] }],
      }),
    );
    songs.push(`song${index + 1}`);
  }
  const path = join(dir, "setlist.json");
  await Deno.writeTextFile(path, JSON.stringify({ title: "Two rigs", songs }));
  return path;
}

const CHILD = fileURLToPath(new URL("./sync_child.ts", import.meta.url));

/** A rig process. */
export class RigProcess {
  readonly #child: Deno.ChildProcess;
  readonly #lines: AsyncGenerator<string>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  /** The last `health.sync` a follower printed. */
  last?: Record<string, unknown>;
  readonly pid: number;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.pid = child.pid;
    this.#lines = readLines(child.stdout);
    this.#writer = child.stdin.getWriter();
  }

  /** Starts a rig: `role` "primary" or "follower", on the JACK server of `env`. */
  static async start(
    role: "primary" | "follower",
    setlist: string,
    port: number,
    env: Record<string, string>,
    extra: Record<string, unknown> = {},
  ): Promise<RigProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, JSON.stringify({ role, setlist, port, ...extra })],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      env,
    }).spawn();
    const rig = new RigProcess(child);
    await rig.until((line) => line === "ready");
    return rig;
  }

  /** Reads lines until `match` holds for one (the follower's health lines are kept). */
  async until(match: (line: string) => boolean, what = "a line"): Promise<string> {
    // next() by hand: leaving a for-await early would cancel the pipe (the rig's next write
    // would then fail).
    while (true) {
      const { value: line, done } = await this.#lines.next();
      if (done) throw new Error(`the rig ended before ${what}`);
      if (line.startsWith("sync ")) this.last = JSON.parse(line.slice(5));
      if (match(line)) return line;
    }
  }

  /** Sends a command to a primary and waits for its "ok". */
  async command(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(`${text}\n`));
    await this.until((line) => line === `ok ${text}`, `ok ${text}`);
  }

  /** Keeps reading the rig's lines (its health) in the background until it ends. */
  drain(): void {
    this.until(() => false).catch(() => {});
  }

  /** Sends `signal` to the process (by its pid). */
  signal(signal: Deno.Signal): void {
    this.#child.kill(signal);
  }

  /** Stops the process by its pid and waits for it. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#child.status;
    await this.#writer.close().catch(() => {});
    await this.#child.stdout.cancel().catch(() => {});
  }
}
