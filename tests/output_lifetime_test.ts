/**
 * The engine's device freed under a MIDI port's control side (native/tests/
 * output_lifetime_check.c), under AddressSanitizer: a port's close waiting for the callback, and
 * a port's open or close asking for the engine's JACK client, while a reopen on another thread
 * detaches the device and frees it.
 */
import assert from "node:assert/strict";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { buildHarness, runHarness, SANITIZER_CC } from "./support/sanitize.ts";

{
  const name = "output lifetime: a port's control side while the device is reopened and freed";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("address,undefined", [], "output_lifetime_check");
      const run = await runHarness(build, [], { ASAN_OPTIONS: "abort_on_error=0" });
      const report = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
      console.log(run.stdout);
      assert.doesNotMatch(run.stderr, /AddressSanitizer/, report);
      assert.doesNotMatch(run.stdout, /FAILED/, report);
      assert.match(run.stdout, /output_lifetime_check: 0 failed/, report);
      assert.equal(run.code, 0, report);
    },
  });
}
