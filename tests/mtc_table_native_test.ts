/**
 * MTC's group table under the sanitizers: native/tests/mtc_table_check.c maps song after song
 * on one thread (each slot reused every 16) while another reads each group's hour and speed as
 * the audio thread does, and checks that it never gets another song's hour or speed (a slot
 * reused between two loads), that the group whose +1 wraps to 0 is refused and never found, and
 * that bad speeds (NaN, 0, negative, out of range) are refused with the mapping untouched.
 */
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { assertNativeCheckPasses, SANITIZER_CC } from "./support/sanitize.ts";

for (const sanitizer of ["address,undefined", "thread"] as const) {
  const name = `MTC group table under ${
    sanitizer === "thread" ? "TSan" : "ASan+UBSan"
  }: no torn hour or speed, bad groups and speeds refused`;
  Deno.test({
    name,
    ignore: ignoreWithout(SANITIZER_CC, name),
    async fn() {
      requireTool(SANITIZER_CC, name);
      await assertNativeCheckPasses(sanitizer, "mtc_table_check", {
        ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
        TSAN_OPTIONS: "halt_on_error=1",
      }, /runtime error:|Sanitizer/);
    },
  });
}
