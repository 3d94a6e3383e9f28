/**
 * A JS garbage storm: large arrays allocated and dropped as fast as the event loop allows, so
 * V8's collector runs all the time. Used by the monitor test (no overruns during it) and by
 * bench/gc_storm_report.ts (callback timing quiet vs storm).
 *
 * @module
 */
import { sleep } from "./wait.ts";

/** Allocates and drops large arrays for `ms`, yielding now and then so timers still run.
 * Returns how many ~1 MB batches were allocated. */
export async function garbageStorm(ms: number): Promise<number> {
  const until = performance.now() + ms;
  let allocated = 0;
  let keep: unknown[] = [];
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) {
      const array = new Array(20_000).fill(i).map((x, j) => ({ x, j }));
      keep.push(array, new Float64Array(50_000));
      allocated += 1;
      if (keep.length > 40) keep = [];
    }
    await sleep(0);
  }
  return allocated;
}
