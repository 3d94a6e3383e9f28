/**
 * The resampler on its own under AddressSanitizer and UndefinedBehaviorSanitizer:
 * native/tests/resample_check.c converts random signals between many rate pairs (the usual
 * ones, ratios too fine for exact phases, the extremes of the accepted rates), channel counts
 * and lengths, fed in random chunks, and checks that chunked output is bit for bit the output
 * of one call, that every stream is exactly round(frames × ratio) frames long, and that the
 * frame counts it promises (required input, expected output) hold. The seed is fixed, so a
 * failure reproduces. (Decoding through miniaudio's vtable runs under the same sanitizers in
 * tests/fuzz_test.ts, whose target rates make it resample.)
 */
import assert from "node:assert/strict";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { buildHarness, runHarness, SANITIZER_CC } from "./support/sanitize.ts";

const CASES = 300;
const SEED = 20261126;

{
  const name = "resampler under ASan+UBSan+LSan: chunked = one call, exact lengths, no report";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("address,undefined", [], "resample_check");
      const run = await runHarness(build, [String(CASES), String(SEED)], {
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
      });
      const report = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
      assert.doesNotMatch(run.stderr, /runtime error:|Sanitizer/, report);
      assert.equal(run.code, 0, report);
      assert.match(run.stdout, new RegExp(`resample: ${CASES} cases, ok`), report);
    },
  });
}
