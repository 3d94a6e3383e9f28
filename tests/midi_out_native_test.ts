/**
 * MIDI out's audio-thread logic under AddressSanitizer and UndefinedBehaviorSanitizer:
 * native/tests/midi_out_check.c drives rt/midi_out_rt.c and the song maps of midi_out.c with
 * stand-in JACK functions (a port buffer that fills up, a device reopened on a new client)
 * through the cases a native review found broken: absurd tempo maps refused and the audio
 * thread's loops capped, a refused note-off kept held, more than 64 tempo segments, offsets
 * past the cycle (varispeed), and where the song is told again after a device reopen.
 */
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { assertNativeCheckPasses, SANITIZER_CC } from "./support/sanitize.ts";

{
  const name = "MIDI out native: tempo limits, held notes, segments, offsets, reopen";
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      await assertNativeCheckPasses("address,undefined", "midi_out_check", {
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
      }, /runtime error:|Sanitizer/);
    },
  });
}
