/**
 * A progress bar on stderr for loading and rendering: redrawn in place on a terminal, a few
 * plain lines (every 25%) when stderr is piped.
 *
 * @module
 */

import { progressBar } from "./format.ts";

const encoder = new TextEncoder();
/** Milliseconds between redraws on a terminal. */
const REDRAW_MS = 100;

function writeErr(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

/** A labelled progress bar on stderr. */
export class StderrProgress {
  #label: string;
  #terminal = Deno.stderr.isTerminal();
  #lastDrawAt = 0;
  #lastQuarter = -1;
  #shown = false;

  /** @param label what is progressing, e.g. "loading" */
  constructor(label: string) {
    this.#label = label;
  }

  /** Reports `done` of `total` (total 0: unknown yet). */
  update(done: number, total: number): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    if (this.#terminal) {
      const now = performance.now();
      if (now - this.#lastDrawAt < REDRAW_MS && fraction < 1) return;
      this.#lastDrawAt = now;
      writeErr(`\r${this.#label} ${progressBar(fraction, 42)} ${percent}\x1b[K`);
      this.#shown = true;
    } else {
      const quarter = Math.floor(fraction * 4);
      if (quarter === this.#lastQuarter) return;
      this.#lastQuarter = quarter;
      writeErr(`${this.#label} ${progressBar(fraction, 42)} ${percent}\n`);
    }
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.#terminal && this.#shown) writeErr("\n");
    this.#shown = false;
  }
}
