/**
 * The play screen on a terminal: redraws at ~20 Hz, reads keys in raw mode, and gives the
 * terminal back on every way out.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { handleKey } from "./keys.ts";
import { decodeKeys } from "./key_input.ts";
import { frameLines, frameText } from "./screen.ts";
import type { PlaySession } from "./session.ts";
import { TerminalScreen } from "./terminal.ts";

/** Milliseconds between frames (20 Hz). */
const FRAME_MS = 50;

/** What went wrong with a key, on one line: the player's refusal, or the error itself. */
function refusal(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
  return error instanceof StemplayError ? `refused: ${text}` : `error: ${text}`;
}

/**
 * Runs the screen until q (returns undefined), or Ctrl-C, SIGINT or SIGTERM (returns the
 * signal, after the terminal was restored). The caller closes the player.
 */
export async function runScreen(session: PlaySession): Promise<Deno.Signal | undefined> {
  const terminal = new TerminalScreen();
  const decoder = new TextDecoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopBySignal!: (signal: Deno.Signal) => void;
  const signalled = new Promise<Deno.Signal>((resolve) => stopBySignal = resolve);
  try {
    terminal.enter((signal) => stopBySignal(signal));
    session.player.metering = true;
    const draw = () => {
      session.show.sync(); // a setlist transition may have changed the song
      session.expirePrompt();
      const { columns, rows } = terminal.size;
      terminal.draw(frameText(frameLines(session, columns, rows), columns, rows));
    };
    draw();
    timer = setInterval(draw, FRAME_MS);
    const buffer = new Uint8Array(64);
    while (true) {
      const next = await Promise.race([Deno.stdin.read(buffer), signalled]);
      if (typeof next === "string") return next;
      if (next === null) return undefined; // stdin closed: nobody can press q any more
      for (const key of decodeKeys(decoder.decode(buffer.subarray(0, next)))) {
        try {
          const outcome = await handleKey(session, key);
          if (outcome === "quit") return undefined;
          if (outcome === "interrupt") return "SIGINT";
        } catch (error) {
          session.message = refusal(error);
        }
        session.show.sync();
      }
      draw();
    }
  } finally {
    if (timer !== undefined) clearInterval(timer);
    terminal.restore();
  }
}
