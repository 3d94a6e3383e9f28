/**
 * The terminal while the screen is up: raw keys, the alternate screen, the cursor hidden; and
 * the way back, taken on every exit path (normal return, q, Ctrl-C, SIGINT/SIGTERM, an
 * uncaught error). Deno's built-ins are enough for this; see docs/cli.md.
 *
 * @module
 */

import { ESC } from "./screen.ts";

const encoder = new TextEncoder();

/** Writes all of `text` to stdout, synchronously (so it also works in a signal handler). */
export function writeOut(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** The terminal taken over by the screen. `restore()` is idempotent. */
export class TerminalScreen {
  #active = false;
  #cleanup: (() => void)[] = [];

  /** Columns and rows of the terminal (80 × 24 when it cannot tell). */
  get size(): { columns: number; rows: number } {
    try {
      return Deno.consoleSize();
    } catch {
      return { columns: 80, rows: 24 };
    }
  }

  /** Switches to raw keys and the alternate screen, hides the cursor, and arranges for
   * `restore()` to run on SIGINT, SIGTERM and uncaught errors. `onSignal` is called after. */
  enter(onSignal: (signal: Deno.Signal) => void): void {
    if (this.#active) return;
    Deno.stdin.setRaw(true);
    this.#active = true;
    writeOut(ESC.altScreenOn + ESC.hideCursor + ESC.home + ESC.clearBelow);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const handler = () => {
        this.restore();
        onSignal(signal);
      };
      Deno.addSignalListener(signal, handler);
      this.#cleanup.push(() => Deno.removeSignalListener(signal, handler));
    }
    const onError = () => this.restore();
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onError);
    this.#cleanup.push(() => {
      globalThis.removeEventListener("error", onError);
      globalThis.removeEventListener("unhandledrejection", onError);
    });
  }

  /** Draws a frame (a string built by src/cli/screen.ts). */
  draw(frame: string): void {
    if (this.#active) writeOut(frame);
  }

  /** Cursor shown, normal screen back, cooked keys. Safe to call any number of times. */
  restore(): void {
    if (!this.#active) return;
    this.#active = false;
    for (const cleanup of this.#cleanup.splice(0)) cleanup();
    try {
      writeOut(ESC.showCursor + ESC.altScreenOff);
    } finally {
      Deno.stdin.setRaw(false);
    }
  }
}
