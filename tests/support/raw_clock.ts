/**
 * The machine's CLOCK_MONOTONIC_RAW in µs, read through libc with Deno FFI: the clock JACK's
 * jack_get_time and jack_frames_to_time read (Debian's JACK2), so a test can place a moment of its
 * own (a SIGSTOP) on the timeline of timed captures (tests/support/jack_capture.ts).
 *
 * @module
 */

const CLOCK_MONOTONIC_RAW = 4;

let libc:
  | Deno.DynamicLibrary<{
    clock_gettime: { parameters: ["i32", "buffer"]; result: "i32" };
  }>
  | undefined;

/** Now, in µs of CLOCK_MONOTONIC_RAW. */
export function rawClockMicros(): number {
  libc ??= Deno.dlopen("libc.so.6", {
    clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  });
  const timespec = new BigInt64Array(2);
  if (libc.symbols.clock_gettime(CLOCK_MONOTONIC_RAW, timespec) !== 0) {
    throw new Error("clock_gettime(CLOCK_MONOTONIC_RAW) failed");
  }
  return Number(timespec[0]) * 1e6 + Number(timespec[1]) / 1e3;
}
