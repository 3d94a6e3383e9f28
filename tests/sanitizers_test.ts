/**
 * The engine under clang's sanitizers: native/tests/harness.c drives the callback from an
 * "audio" thread (a nonblocking function, like miniaudio's data callback) while a control
 * thread uses every control call. RealtimeSanitizer must see nothing unsafe on the audio path,
 * and must catch a deliberate malloc there; ASan/UBSan and TSan must report nothing.
 */
import assert from "node:assert/strict";
import {
  buildHarness,
  type HarnessRun,
  runHarness,
  SANITIZER_CC,
  SANITIZER_SYMBOLIZER,
} from "./support/sanitize.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

/** Seconds of the concurrent stress phase (control thread as fast as it can). */
const STRESS_SECONDS = "3";

function describe(run: HarnessRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr.slice(0, 8000)}`;
}

function assertClean(run: HarnessRun, reportMarker: string): void {
  assert.ok(!run.stderr.includes(reportMarker), `sanitizer report:\n${describe(run)}`);
  assert.equal(run.code, 0, describe(run));
  assert.match(run.stdout, /harness: ok/, describe(run));
  // The stress phase really ran: song swaps happened and blocks were rendered.
  const swaps = Number(run.stdout.match(/(\d+) song swaps/)?.[1] ?? 0);
  assert.ok(swaps > 0, `no song swaps in the stress phase:\n${describe(run)}`);
  // Bursts that fill the command ring while the audio side drains it.
  const bursts = Number(run.stdout.match(/(\d+) command bursts/)?.[1] ?? 0);
  assert.ok(bursts > 0, `no command bursts in the stress phase:\n${describe(run)}`);
}

{
  const name = "RealtimeSanitizer: nothing unsafe is reached from the callback";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("realtime");
      const run = await runHarness(build, [STRESS_SECONDS]);
      assertClean(run, "RealtimeSanitizer");
    },
  });
}

{
  const name = "RealtimeSanitizer catches a deliberate malloc in the callback";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name) || ignoreWithout(SANITIZER_SYMBOLIZER, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      // The report names the frame only when symbolized: that is what makes this control
      // specific to the deliberate malloc in the callback.
      requireTool(SANITIZER_SYMBOLIZER, name);
      const build = await buildHarness("realtime", ["SP_HARNESS_DELIBERATE_MALLOC"]);
      const run = await runHarness(build, ["0"]);
      assert.notEqual(run.code, 0, describe(run));
      assert.match(run.stderr, /ERROR: RealtimeSanitizer: unsafe-library-call/, describe(run));
      assert.match(run.stderr, /`malloc` in real-time context/, describe(run));
      assert.match(run.stderr, /in audio_callback /, describe(run));
      assert.doesNotMatch(run.stdout, /harness: ok/);
    },
  });
}

{
  const name = "AddressSanitizer and UndefinedBehaviorSanitizer: no reports";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("address,undefined");
      const run = await runHarness(build, [STRESS_SECONDS], {
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
      });
      assert.doesNotMatch(run.stderr, /runtime error:/, describe(run));
      assertClean(run, "Sanitizer");
    },
  });
}

{
  const name = "ThreadSanitizer: control and audio threads share memory without races";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("thread");
      const run = await runHarness(build, [STRESS_SECONDS], { TSAN_OPTIONS: "exitcode=66" });
      assertClean(run, "ThreadSanitizer");
    },
  });
}

{
  const name = "protocol: requests apply in order and once, and nothing a user does clicks";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      // native/tests/protocol.c: an offline engine driven block by block (block sizes 100,
      // 128, 256, 1024, and 100-frame callbacks), under ASan/UBSan. It prints each check with
      // the largest output step it measured against the material's own.
      // With the test hooks: the drain check pushes from inside the drain, and the reopen check
      // taps the device's callbacks.
      const build = await buildHarness("address,undefined", ["SP_TEST_HOOKS"], "protocol");
      const run = await runHarness(build, [], {
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
      });
      assert.doesNotMatch(run.stdout, /FAILED/, describe(run));
      assert.doesNotMatch(run.stderr, /runtime error:|Sanitizer/, describe(run));
      assert.match(run.stdout, /protocol: 0 failed/, describe(run));
      assert.equal(run.code, 0, describe(run));
      // Every block size of the lost-switch check ran.
      for (const block of [100, 128, 256, 1024]) {
        assert.match(run.stdout, new RegExp(`block ${block}, switch then seek: .*group 1`));
        assert.match(run.stdout, new RegExp(`block ${block}, switch then stop: .*group 1`));
      }
    },
  });
}
