/**
 * The engine's pool of reader threads (`streaming.readers`, native/butler.c): how many threads
 * read, decode, resample and stretch the streamed stems ahead of the playhead. Every reader
 * takes whichever stem has work and no other reader, so one stem is never read by two at once
 * and the work balances by itself; more readers help where one cannot keep up, above all with
 * stems stretched to another key (docs/key_tempo.md gives the measurements).
 *
 * @module
 */

import type { Native } from "../native/native.ts";
import { unwrap } from "../native/native.ts";

/** Reader threads by default: 2. One thread kept only 2–3 R3 stems up on a 2-core machine; two
 * share the cores with the audio thread and the player (see docs/key_tempo.md). */
export const DEFAULT_READERS = 2;

/** The reader threads' range (the engine's SP_MAX_READERS is the top). */
export const READERS = { min: 1, max: 8 } as const;

/** What is wrong with `value` as `streaming.readers`, or undefined when it is fine. */
export function readersProblem(value: unknown): string | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= READERS.min &&
      value <= READERS.max
    ? undefined
    : `must be a whole number of reader threads from ${READERS.min} to ${READERS.max}, got ${
      String(value)
    }`;
}

/** Runs `count` reader threads on the engine (from its first streamed track on). */
export function setReaders(native: Native, engine: Deno.PointerValue, count: number): void {
  unwrap(native, native.sp_engine_set_readers(engine, count), "streaming.readers");
}
