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
  // Bus delays set while the audio renders (rt/bus_delay_rt.c: crossfades between lines).
  const delays = Number(run.stdout.match(/(\d+) delay changes/)?.[1] ?? 0);
  assert.ok(delays > 0, `no delay changes in the stress phase:\n${describe(run)}`);
  // The reader pool's count changed while its threads stream (native/butler.c).
  const pools = Number(run.stdout.match(/(\d+) reader pools/)?.[1] ?? 0);
  assert.ok(pools > 0, `no reader pool changes in the stress phase:\n${describe(run)}`);
  // Heads added, asked for first and read while the readers serve them (a switch's wait).
  const wanted = Number(run.stdout.match(/(\d+) heads wanted/)?.[1] ?? 0);
  assert.ok(wanted > 0, `no heads wanted in the stress phase:\n${describe(run)}`);
  // Rings started past their top while another song plays, as a key change's (start_at).
  const later = Number(run.stdout.match(/(\d+) rings started later/)?.[1] ?? 0);
  assert.ok(later > 0, `no ring started later in the stress phase:\n${describe(run)}`);
  // Key and tempo changes while playing, onto stems still being rendered (stretch_fill.c).
  assert.match(run.stdout, /harness: retimes done/, describe(run));
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

// ---- The audio boundary in the tree: native/rt/ is the audio thread's code, and only that ----

const NATIVE = new URL("../native/", import.meta.url);
const RT_HEADER = "runs on the audio thread: no allocation, locks, waits or I/O";

/** C text without comments and string or character literals (so a comment's "free" or a
 * format string is not a call). */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/\/\/[^\n]*/g, " ")
    .replace(/"(?:\\.|[^"\\\n])*"/g, '""')
    .replace(/'(?:\\.|[^'\\\n])*'/g, "''");
}

/** The files of native/rt/ (name, text). */
function rtFiles(): [string, string][] {
  const files: [string, string][] = [];
  for (const entry of Deno.readDirSync(new URL("rt/", NATIVE))) {
    if (entry.isFile && /\.[ch]$/.test(entry.name)) {
      files.push([`rt/${entry.name}`, Deno.readTextFileSync(new URL(`rt/${entry.name}`, NATIVE))]);
    }
  }
  return files.sort(([a], [b]) => a.localeCompare(b));
}

interface CFunction {
  name: string;
  file: string;
  isStatic: boolean;
  calls: Set<string>;
}

/** The functions a C file defines (at file scope), each with the identifiers it calls. */
function functionsOf(file: string, text: string): CFunction[] {
  const code = codeOnly(text).replace(/^\s*#.*$/gm, " ");
  const found: CFunction[] = [];
  let depth = 0;
  let start = 0; // where the current file-scope declaration began
  let bodyStart = -1;
  let signature = "";
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === "{") {
      if (depth === 0) {
        signature = code.slice(start, i);
        bodyStart = i;
      }
      depth++;
    } else if (ch === "}") {
      depth--;
      if (depth === 0) {
        const match = signature.match(/(\w+)\s*\(([^()]|\([^()]*\))*\)\s*(\w+\s*)*$/);
        if (match && !/[=]\s*$/.test(signature)) {
          const body = code.slice(bodyStart, i + 1);
          const calls = new Set([...body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]));
          found.push({
            name: match[1],
            file,
            isStatic: /\bstatic\b/.test(signature.slice(0, match.index)),
            calls,
          });
        }
        start = i + 1;
      }
    } else if (ch === ";" && depth === 0) {
      start = i + 1;
    }
  }
  return found;
}

Deno.test("native/rt/: every file says it runs on the audio thread", () => {
  const files = rtFiles();
  assert.ok(files.length >= 8, `native/rt/ has ${files.length} files`);
  for (const [name, text] of files) {
    assert.ok(text.slice(0, 400).includes(RT_HEADER), `${name} does not open with "${RT_HEADER}"`);
  }
});

Deno.test("native/rt/: no allocation, lock, wait, I/O, logging or control call", () => {
  // What the audio thread must never reach, by name: allocation, locks and waits, sleeping,
  // console and file I/O, device control, and the control side's own functions (the offline
  // wait is reached only through a source's offline_wait, which only offline engines set).
  const banned = new RegExp(
    "\\b(" + [
      "malloc",
      "calloc",
      "realloc",
      "aligned_alloc",
      "posix_memalign",
      "free",
      "pthread_\\w+",
      "sem_\\w+",
      "mtx_\\w+",
      "cnd_\\w+",
      "thrd_\\w+",
      "nanosleep",
      "usleep",
      "sleep",
      "sched_yield",
      "poll",
      "select",
      "printf",
      "fprintf",
      "snprintf",
      "sprintf",
      "vfprintf",
      "puts",
      "fputs",
      "perror",
      "fopen",
      "fread",
      "fwrite",
      "fclose",
      "fflush",
      "open",
      "read",
      "write",
      "close",
      "dlopen",
      "dlsym",
      "ma_device_\\w+",
      "ma_context_\\w+",
      "sp_butler_\\w+",
      "sp_offline_\\w+",
      "sp_command_push",
      "sp_status_read",
      "sp_stream_\\w+",
      "sp_resampler_\\w+",
      "sp_thread_name",
    ].join("|") + ")\\s*\\(",
    "g",
  );
  for (const [name, text] of rtFiles()) {
    const found = [...codeOnly(text).matchAll(banned)].map((m) => m[1]);
    assert.deepEqual(found, [], `${name} calls ${found.join(", ")}`);
  }
});

Deno.test("native/rt/: every function there is reached from the harness's callback", () => {
  // RealtimeSanitizer checks what the harness's nonblocking audio_callback reaches at run time;
  // this checks, by the call graph of the source, that it can reach every function of native/rt/
  // (so nothing there escapes the sanitizer), and that the harness's callback calls only into
  // native/rt/.
  const functions = new Map<string, CFunction>();
  for (const [name, text] of rtFiles()) {
    for (const fn of functionsOf(name, text)) functions.set(fn.name, fn);
  }
  const harness = functionsOf(
    "tests/harness.c",
    Deno.readTextFileSync(new URL("tests/harness.c", NATIVE)),
  ).find((fn) => fn.name === "audio_callback");
  assert.ok(harness, "native/tests/harness.c has no audio_callback");
  assert.ok(functions.size >= 40, `only ${functions.size} functions found in native/rt/`);
  const roots = [...harness.calls].filter((name) => name.startsWith("sp_"));
  for (const root of roots) {
    assert.ok(functions.has(root), `the harness's callback calls ${root}, not in native/rt/`);
  }
  const reached = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (reached.has(name) || !functions.has(name)) continue;
    reached.add(name);
    queue.push(...functions.get(name)!.calls);
  }
  const missed = [...functions.values()]
    .filter((fn) => fn.file.endsWith(".c") && !reached.has(fn.name))
    .map((fn) => `${fn.file}: ${fn.name}`);
  assert.deepEqual(missed, [], "native/rt/ functions the harness's callback never reaches");
  assert.ok(reached.has("sp_process_block") && reached.has("sp_mix_group"));
});
