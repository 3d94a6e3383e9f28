/**
 * Two control-side races under ThreadSanitizer (native/tests/engine_races_check.c): a MIDI
 * port's close waiting for the engine's callback while another thread swaps the engine's device
 * (the device pointer read atomically), and MIDI out's last message read with its song frame as
 * one snapshot while the audio thread writes them (never a torn pair).
 */
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { assertNativeCheckPasses, SANITIZER_CC } from "./support/sanitize.ts";

{
  const name = "engine races: the device pointer, and MIDI out's last message with its frame";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      await assertNativeCheckPasses("thread", "engine_races_check", {
        TSAN_OPTIONS: "halt_on_error=0",
      }, /ThreadSanitizer/);
    },
  });
}
