/**
 * A program that closes its player and exits must exit cleanly: no thread of the library may
 * still be running its code when the process unloads it. (Device work runs on helper threads
 * under a deadline; one that signalled "done" but had not returned yet faulted at exit in about
 * half of all runs before those threads were joined.) A program that exits without closing its
 * player must exit cleanly too.
 */
import assert from "node:assert/strict";

const RUNS = 30;

/** Runs `child` (under tests/support/) `runs` times, two at once as a loaded machine would
 * schedule them; returns how each run that did not exit cleanly ended. */
async function unclean(child: string, args: string[], runs: number): Promise<string[]> {
  const path = new URL(`./support/${child}`, import.meta.url).pathname;
  const failures: string[] = [];
  for (let run = 0; run < runs; run += 2) {
    const outputs = await Promise.all([0, 1].map(() =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-check", path, ...args],
        stdout: "null",
        stderr: "piped",
      }).output()
    ));
    for (const output of outputs) {
      if (!output.success) {
        failures.push(
          `exit ${output.code} signal ${output.signal}: ` +
            new TextDecoder().decode(output.stderr).slice(-300),
        );
      }
    }
  }
  return failures;
}

Deno.test("a process that closes its player exits cleanly, every time", async () => {
  const failures = await unclean("close_and_exit_child.ts", [], RUNS);
  assert.deepEqual(failures, [], `${failures.length} of ${RUNS} runs did not exit cleanly`);
});

// A program that forgets close(): the device's thread and the streaming reader ran on into the
// unloaded library (a segmentation fault in 10 of 10 runs, with or without streaming) until
// the library's destructor stopped them (native/unload.c).
for (const close of [true, false]) {
  const name = `a process that streams a song and exits ${
    close ? "after closing its player" : "without closing its player"
  } exits cleanly`;
  Deno.test(name, async () => {
    const failures = await unclean("stream_and_exit_child.ts", close ? [] : ["--no-close"], 10);
    assert.deepEqual(failures, [], `${failures.length} of 10 runs did not exit cleanly`);
  });
}

Deno.test("two reopens at once take turns (a double tap never crashes the process)", async () => {
  const child = new URL("./support/double_reopen_child.ts", import.meta.url).pathname;
  for (let run = 0; run < 3; run++) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", child],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(
      output.success,
      `run ${run + 1}: exit ${output.code} signal ${output.signal}: ` +
        new TextDecoder().decode(output.stderr).slice(-300),
    );
  }
});
