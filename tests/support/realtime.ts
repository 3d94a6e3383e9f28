/**
 * Real-time scheduling for timing tests: whether this process may have it, and the loud-skip
 * policy of tests/support/require_tool.ts for tests that need it.
 *
 * @module
 */

/** Whether this process may give a thread real-time scheduling: root, or a non-zero
 * RLIMIT_RTPRIO ("Max realtime priority" in /proc/self/limits). */
export function realtimeAllowed(): boolean {
  if (Deno.build.os !== "linux") return true; // other systems: no such check here
  if (Deno.uid() === 0) return true;
  const limits = Deno.readTextFileSync("/proc/self/limits");
  const line = limits.split("\n").find((l) => l.startsWith("Max realtime priority"));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === "unlimited" || Number(soft) > 0;
}

/** The tool policy of tests/support/require_tool.ts for real-time scheduling: without it,
 * any busy thread can preempt the callback, and a timing test cannot tell that CPU contention
 * from what it tests. Ignored loudly here; under CI not ignored, so the test fails. */
export function ignoreWithoutRealtime(name: string): boolean {
  if (realtimeAllowed()) return false;
  if (Deno.env.get("CI") || Deno.env.get("STEMPLAY_REQUIRE_ALL")) return false;
  console.error(
    `SKIPPED: real-time scheduling is not allowed (run as root or grant rtprio in ` +
      `/etc/security/limits.conf) — skipping "${name}"`,
  );
  return true;
}
