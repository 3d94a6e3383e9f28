/**
 * The readers' hint of where the armed cue lands (its head first, at another key a stretcher
 * kept at its end) is cleared by the audio side when a one-off cue fires, and must survive that
 * fire when the same jump was armed again meanwhile (native/tests/cue_hint_check.c: armed from
 * inside the drain of the block the first one fires in, through the drain test hook). Under
 * ASan and UBSan; nothing timed.
 */
import assert from "node:assert/strict";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { buildHarness, runHarness, SANITIZER_CC } from "./support/sanitize.ts";

const name = "cue hint: a jump armed again while the same one-off jump fires keeps its hint";
Deno.test({
  name,
  ignore: ignoreWithout(SANITIZER_CC, name),
  async fn() {
    requireTool(SANITIZER_CC, name);
    const build = await buildHarness("address,undefined", ["SP_TEST_HOOKS"], "cue_hint_check");
    const run = await runHarness(build, [], {
      ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
      UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
    });
    const describe = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    assert.doesNotMatch(run.stderr, /runtime error:|Sanitizer/, describe);
    assert.match(run.stdout, /cue hint: .* \.\.\. ok/, describe);
    assert.equal(run.code, 0, describe);
  },
});
