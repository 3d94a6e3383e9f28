/**
 * A tmux pane for driving the play screen for real: a tmux server of its own (its own
 * socket), one pane of a fixed size running a plain shell, keys sent as a user types them,
 * and the pane captured as text. Waits have generous limits and check what the screen shows,
 * never how fast it showed it.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The shell prompt inside the pane. */
export const PROMPT = "READY$ ";
/** How long to wait for something to appear before failing (a cold build can be slow). */
const WAIT_MS = 90_000;

/** One tmux server with one pane running bash. */
export class Pane {
  readonly socket = `stemplay-show-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;

  /** @param columns pane width @param rows pane height */
  constructor(readonly columns = 100, readonly rows = 40) {}

  /** Runs a tmux command against this server and returns its stdout. */
  async tmux(...args: string[]): Promise<string> {
    const output = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    if (!output.success) {
      throw new Error(`tmux ${args.join(" ")}: ${text.decode(output.stderr)}`);
    }
    return text.decode(output.stdout);
  }

  /** Starts the server and a shell in `cwd`, and waits for its prompt. */
  async start(cwd: string): Promise<void> {
    await this.tmux(
      ...["-f", "/dev/null", "new-session", "-d", "-s", "main"],
      ...["-x", String(this.columns), "-y", String(this.rows), "-c", cwd],
      ...["env", `PS1=${PROMPT}`, "TERM=xterm-256color", "bash", "--norc", "--noprofile"],
    );
    await this.waitFor((screen) => screen.includes(PROMPT.trim()), "the shell prompt");
  }

  /** Types `text` literally (no key names), then Enter when asked. */
  async type(text: string, enter = false): Promise<void> {
    await this.tmux("send-keys", "-t", "main", "-l", text);
    if (enter) await this.tmux("send-keys", "-t", "main", "Enter");
  }

  /** Sends tmux key names: "Space", "Right", "Home", "Enter", "C-c" … */
  async keys(...names: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", "main", ...names);
  }

  /** A second press of a key that asked for one: the player ignores a repeat sooner than
   * 150 ms as a bounce, so a person's pause comes first. */
  async pressAgain(...names: string[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await this.keys(...names);
  }

  /** The pane's text now. */
  capture(): Promise<string> {
    return this.tmux("capture-pane", "-p", "-t", "main");
  }

  /** A tmux format variable of the pane, e.g. "alternate_on". */
  async flag(name: string): Promise<string> {
    return (await this.tmux("display-message", "-p", "-t", "main", `#{${name}}`)).trim();
  }

  /** Captures until `test` holds; fails with the last screen after a generous limit. */
  async waitFor(test: (screen: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.capture();
      if (test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`waited for ${what}; the screen was:\n${screen}`);
  }

  /** Quits the play screen with q, and with q again when it asks (a song is playing: q
   * needs a second press within 2 s). Resolves once the exit status shows. */
  async quit(): Promise<string> {
    await this.keys("q");
    const screen = await this.waitFor(
      (s) => /exit=\d+/.test(s) || s.includes("press q again"),
      "the exit, or the question",
    );
    if (/exit=\d+/.test(screen)) return screen;
    await this.pressAgain("q");
    return await this.waitFor((s) => /exit=\d+/.test(s), "the exit status");
  }

  /** Ends the tmux server (and whatever runs in it), and removes its socket file, which
   * kill-server leaves behind. */
  async close(): Promise<void> {
    const socket = await this.tmux("display-message", "-p", "#{socket_path}").catch(() => "");
    await this.tmux("kill-server").catch(() => {});
    if (socket.trim()) await Deno.remove(socket.trim()).catch(() => {});
  }
}

/** The position the screen shows, in seconds ("1:04.0 / 1:10.0" → 64). */
export function shownPosition(screen: string): number {
  const match = /(\d+):(\d\d\.\d) \/ \d+:\d\d\.\d/.exec(screen);
  assert.ok(match, `no position on the screen:\n${screen}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The row of track `number` on the screen. */
export function trackRow(screen: string, number: number): string {
  const row = screen.split("\n").find((line) => new RegExp(`^  [> ] +${number}  `).test(line));
  assert.ok(row, `no row for track ${number}:\n${screen}`);
  return row;
}

/** The one child process of the pane's shell: the player it runs. */
export async function childOf(shell: number): Promise<number> {
  const children = await Deno.readTextFile(`/proc/${shell}/task/${shell}/children`);
  const pids = children.trim().split(/\s+/).filter(Boolean).map(Number);
  assert.equal(pids.length, 1, `the shell runs one process, not ${pids.join(", ")}`);
  return pids[0];
}
