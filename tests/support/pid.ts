/**
 * A process the test started, stopped by its pid (never by name).
 *
 * @module
 */

import { sleep } from "./wait.ts";

/** True while `pid` runs: /proc/<pid>/stat exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Sends `signal` to `pid` when it runs, and waits up to 2 s for it to exit. */
export async function signalAndWait(pid: number, signal: Deno.Signal): Promise<void> {
  if (!pid || !alive(pid)) return;
  try {
    Deno.kill(pid, signal);
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
}
