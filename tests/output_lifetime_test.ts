/**
 * The engine's device freed under a MIDI port's control side (native/tests/
 * output_lifetime_check.c), under AddressSanitizer: a port's close waiting for the callback, and
 * a port's open or close asking for the engine's JACK client, while a reopen on another thread
 * detaches the device and frees it.
 */
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { assertNativeCheckPasses, SANITIZER_CC } from "./support/sanitize.ts";

{
  const name = "output lifetime: a port's control side while the device is reopened and freed";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      await assertNativeCheckPasses("address,undefined", "output_lifetime_check", {
        ASAN_OPTIONS: "abort_on_error=0",
      }, /AddressSanitizer/);
    },
  });
}
