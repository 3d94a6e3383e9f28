/**
 * Key and tempo's C code on its own under AddressSanitizer and UndefinedBehaviorSanitizer, over
 * the real Rubber Band: native/tests/stretch_check.c renders many channel counts, lengths,
 * speeds, scales, engines and starts, and checks the lengths, that every sample is finite,
 * that a render repeats bit for bit, that a file read the streaming reader's way gives the same
 * frames, that a render while playing equals the render from its start frame (its clocks read
 * while it runs, after and right before it is freed), and that bad values are refused. (Nothing of it runs on the audio thread, so there is
 * nothing for RealtimeSanitizer to watch.)
 */
import assert from "node:assert/strict";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { buildHarness, runHarness, SANITIZER_CC } from "./support/sanitize.ts";

{
  const name = "stretch under ASan+UBSan+LSan: exact lengths, repeatable, streamed = whole";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("address,undefined", [], "stretch_check");
      const run = await runHarness(build, [], {
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
      });
      const report = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
      assert.doesNotMatch(run.stderr, /runtime error:|Sanitizer/, report);
      assert.equal(run.code, 0, report);
      assert.match(run.stdout, /stretch: 108 cases, ok/, report);
      assert.match(run.stdout, /stretch: 20 renders while playing, ok/, report);
    },
  });
}

for (const sanitizer of ["address,undefined", "thread"] as const) {
  const name = `stretch reader under ${
    sanitizer === "thread" ? "TSan" : "ASan+UBSan+LSan"
  }: a streamed file read through its stretcher equals its renders`;
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness(sanitizer, [], "stretch_reader_check");
      const run = await runHarness(build, [], {
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
        TSAN_OPTIONS: "halt_on_error=1",
      });
      const report = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
      assert.doesNotMatch(run.stderr, /runtime error:|Sanitizer/, report);
      assert.equal(run.code, 0, report);
      assert.match(run.stdout, /stretch reader: 17 cases, ok/, report);
    },
  });
}

{
  const name =
    "stretch reader under ASan+UBSan+LSan: Rubber Band failing to create a stretcher is a counted read failure, never a crash";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("address,undefined", [], "stretch_reader_check");
      // The real librubberband behind a switch that makes rubberband_new fail.
      const fault = `${build.executable}-rubberband-fault.so`;
      const made = await new Deno.Command(SANITIZER_CC, {
        args: [
          "-shared",
          "-fPIC",
          "-O1",
          new URL("../native/tests/rubberband_fault.c", import.meta.url).pathname,
          "-ldl",
          "-o",
          fault,
        ],
        stderr: "piped",
      }).output();
      assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
      const run = await runHarness(build, ["failing-create"], {
        STEMPLAY_RUBBERBAND: fault,
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
      });
      const report = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
      assert.doesNotMatch(run.stderr, /runtime error:|Sanitizer/, report);
      assert.equal(run.code, 0, report);
      assert.match(run.stdout, /stretch reader: a failing create, ok/, report);
    },
  });
}
