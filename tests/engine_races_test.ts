/**
 * Two control-side races under ThreadSanitizer (native/tests/engine_races_check.c): a MIDI
 * port's close waiting for the engine's callback while another thread swaps the engine's device
 * (the device pointer read atomically), and MIDI out's last message read with its song frame as
 * one snapshot while the audio thread writes them (never a torn pair).
 */
import assert from "node:assert/strict";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { buildHarness, runHarness, SANITIZER_CC } from "./support/sanitize.ts";

{
  const name = "engine races: the device pointer, and MIDI out's last message with its frame";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      const build = await buildHarness("thread", [], "engine_races_check");
      const run = await runHarness(build, [], { TSAN_OPTIONS: "halt_on_error=0" });
      const report = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
      console.log(run.stdout);
      assert.doesNotMatch(run.stderr, /ThreadSanitizer/, report);
      assert.doesNotMatch(run.stdout, /FAILED/, report);
      assert.match(run.stdout, /engine_races_check: 0 failed/, report);
      assert.equal(run.code, 0, report);
    },
  });
}
