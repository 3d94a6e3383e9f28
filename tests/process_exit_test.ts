/**
 * A program that closes its player and exits must exit cleanly: no thread of the library may
 * still be running its code when the process unloads it. (Device work runs on helper threads
 * under a deadline; one that signalled "done" but had not returned yet faulted at exit in about
 * half of all runs before those threads were joined.)
 */
import assert from "node:assert/strict";

const RUNS = 30;

Deno.test("a process that closes its player exits cleanly, every time", async () => {
  const child = new URL("./support/close_and_exit_child.ts", import.meta.url).pathname;
  const failures: string[] = [];
  for (let run = 0; run < RUNS; run += 2) {
    // Two at once, as a loaded machine would schedule them.
    const outputs = await Promise.all([0, 1].map(() =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-check", child],
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
  assert.deepEqual(failures, [], `${failures.length} of ${RUNS} runs did not exit cleanly`);
});

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
