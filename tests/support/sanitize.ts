/**
 * Builds native/tests/harness.c with the shim and miniaudio under one of clang's sanitizers.
 *
 * miniaudio's implementation unit is compiled with the same sanitizer flags into its own
 * object, cached under native/build/sanitize/ by a key of the header's hash, the flags and the
 * compiler, because it takes half a minute or more. The shim and the harness are rebuilt on
 * every call (a few seconds), so a test always checks the current sources.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ensureMiniaudioHeader,
  listLocalSources,
  localBuildDir,
  readPin,
  sha256Hex,
} from "../../ffi/build.ts";
import { toolPath } from "./require_tool.ts";
import { ensureStbVorbis, parseStbVorbisPin, STB_VORBIS_PIN } from "../../ffi/stb_vorbis.ts";

/** The sanitizer builds the tests use. */
export type Sanitizer = "realtime" | "address,undefined" | "thread";

/** The compiler every sanitizer build uses (RealtimeSanitizer needs clang 20 or later). */
export const SANITIZER_CC = "clang-22";

/** The symbolizer that turns a report's addresses into function names (Debian's llvm-22).
 * Named explicitly: a sanitizer looks for a bare `llvm-symbolizer`, which clang-22 alone does
 * not install. */
export const SANITIZER_SYMBOLIZER = "llvm-symbolizer-22";

const NATIVE_DIR = new URL("../../native/", import.meta.url);

function sanitizerFlags(sanitizer: Sanitizer): string[] {
  const flags = [`-fsanitize=${sanitizer}`, "-g", "-O1", "-fno-omit-frame-pointer"];
  if (sanitizer === "address,undefined") {
    // The exceptions, each with its reason, are in that file (one check in stb_vorbis.c).
    const ignore = new URL("tests/ubsan_ignore.txt", NATIVE_DIR).pathname;
    flags.push("-fno-sanitize-recover=all", `-fsanitize-ignorelist=${ignore}`);
  }
  return flags;
}

async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    throw new Error(`${command} ${args.join(" ")} failed:\n${text}`);
  }
}

async function compilerVersion(): Promise<string> {
  const output = await new Deno.Command(SANITIZER_CC, { args: ["--version"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(output.stdout).split("\n")[0];
}

/** Paths of a build. */
export interface HarnessBuild {
  /** The harness executable. */
  executable: string;
}

/**
 * Compiles the harness for `sanitizer`, with extra `-D` defines (e.g.
 * `SP_HARNESS_DELIBERATE_MALLOC`), into native/build/sanitize/. `harness` names another
 * program under native/tests/ (without `.c`), e.g. "fuzz_decode".
 */
export async function buildHarness(
  sanitizer: Sanitizer,
  defines: string[] = [],
  harness = "harness",
): Promise<HarnessBuild> {
  const buildDir = localBuildDir();
  const outDir = `${buildDir}/sanitize`;
  await Deno.mkdir(outDir, { recursive: true });
  const header = await ensureMiniaudioHeader(buildDir, await readPin(), { quiet: true });
  // stb_vorbis as the library has it, so the fuzzer reaches the Vorbis decoder too.
  const pinUrl = new URL(STB_VORBIS_PIN, NATIVE_DIR);
  const vorbis = await ensureStbVorbis(
    buildDir,
    parseStbVorbisPin(await Deno.readTextFile(pinUrl), pinUrl.href),
    { quiet: true },
  );
  const flags = sanitizerFlags(sanitizer);
  const common = [
    "-std=c11",
    "-D_GNU_SOURCE",
    ...flags,
    ...(vorbis ? ["-DSP_HAVE_STB_VORBIS", `-I${vorbis.includeDir}`] : []),
  ];

  // miniaudio, once per sanitizer, header, unit (it holds a dr_wav bridge) and ignore list.
  const unit = await Deno.readTextFile(new URL("miniaudio/miniaudio.c", NATIVE_DIR));
  const ignoreList = await Deno.readTextFile(new URL("tests/ubsan_ignore.txt", NATIVE_DIR));
  const key = (await sha256Hex(
    [
      header.sha256,
      vorbis?.sha256 ?? "",
      common.join(" "),
      await compilerVersion(),
      unit,
      ignoreList,
    ].join("\n"),
  )).slice(0, 16);
  const tag = sanitizer.replace(",", "-");
  const miniaudioObject = `${outDir}/miniaudio-${tag}-${key}.o`;
  try {
    await Deno.stat(miniaudioObject);
  } catch {
    const temp = `${miniaudioObject}.${Deno.pid}.tmp`;
    await run(SANITIZER_CC, [
      ...common,
      `-I${header.includeDir}`,
      "-c",
      new URL("miniaudio/miniaudio.c", NATIVE_DIR).pathname,
      "-o",
      temp,
    ]);
    await Deno.rename(temp, miniaudioObject);
  }

  const nativeDir = new URL(".", NATIVE_DIR).pathname;
  // The shim as the build lists it: native/*.c and native/rt/*.c.
  const sources = (await listLocalSources(nativeDir))
    .filter((name) => name.endsWith(".c"))
    .map((name) => `${nativeDir}${name}`);
  const name = [tag, ...defines.map((d) => d.toLowerCase())].join("-");
  const executable = `${outDir}/${harness}-${name}`;
  await run(SANITIZER_CC, [
    ...common,
    "-Wall",
    "-Wextra",
    ...(sanitizer === "realtime" ? ["-DSP_RTSAN"] : []),
    ...defines.map((d) => `-D${d}`),
    `-I${nativeDir}`,
    `-I${header.includeDir}`,
    ...sources,
    `${nativeDir}tests/${harness}.c`,
    miniaudioObject,
    "-lpthread",
    "-lm",
    "-ldl",
    "-o",
    executable,
  ]);
  return { executable };
}

/** The result of running a harness. */
export interface HarnessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a built harness with arguments and optional sanitizer options in its environment. */
export async function runHarness(
  build: HarnessBuild,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<HarnessRun> {
  const symbolizer = toolPath(SANITIZER_SYMBOLIZER);
  // Each runtime reads its own variable; without one it looks for a bare llvm-symbolizer.
  const symbolized: Record<string, string> = {};
  for (const tool of ["RTSAN", "ASAN", "TSAN", "UBSAN"]) {
    if (symbolizer) symbolized[`${tool}_SYMBOLIZER_PATH`] = symbolizer;
  }
  const output = await new Deno.Command(build.executable, {
    args,
    env: { ...symbolized, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** What {@linkcode runFuzzDecode} saw: the harness's stdout and a report for assertion messages. */
export interface FuzzDecodeRun {
  stdout: string;
  report: string;
}

/**
 * Runs native/tests/fuzz_decode.c under ASan+UBSan+LSan on `cases` mutated copies of `seeds`
 * (the generator seeded with `seed`, so a failure reproduces), writing them into `dir`, and
 * asserts what every fuzz run must hold: no sanitizer report, exit 0, every case done, some
 * still decoding and some failing as truncated.
 */
export async function runFuzzDecode(
  dir: string,
  cases: number,
  seed: number,
  seeds: string[],
): Promise<FuzzDecodeRun> {
  const build = await buildHarness("address,undefined", [], "fuzz_decode");
  const run = await runHarness(build, [dir, String(cases), String(seed), ...seeds], {
    ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0",
    // One known leak of stb_vorbis on corrupt setup headers; the file says why.
    LSAN_OPTIONS: `suppressions=${
      new URL("tests/lsan_suppressions.txt", NATIVE_DIR).pathname
    }:print_suppressions=0`,
    UBSAN_OPTIONS: "print_stacktrace=1",
  });
  const report = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${
    run.stderr.slice(0, 8000)
  }`;
  assert.doesNotMatch(run.stderr, /Sanitizer|runtime error/, report);
  assert.equal(run.code, 0, report);
  assert.match(run.stdout, new RegExp(`fuzz: ${cases} cases, ok`), report);
  // The mutations reach the decoder's failure paths, and some still decode.
  assert.match(run.stdout, /fuzz: \d+ x ok/, report);
  assert.match(run.stdout, /fuzz: \d+ x the file is truncated/, report);
  return { stdout: run.stdout, report };
}

/**
 * Builds native/tests/`check`.c under `sanitizer`, runs it with `env`, prints its stdout and
 * asserts it clean: nothing matching `report` on stderr (the sanitizer's report), no FAILED
 * line, its "`check`: 0 failed" summary, and exit 0.
 */
export async function assertNativeCheckPasses(
  sanitizer: Sanitizer,
  check: string,
  env: Record<string, string>,
  report: RegExp,
): Promise<void> {
  const build = await buildHarness(sanitizer, [], check);
  const run = await runHarness(build, [], env);
  const described = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(0, 8000)}`;
  console.log(run.stdout);
  assert.doesNotMatch(run.stderr, report, described);
  assert.doesNotMatch(run.stdout, /FAILED/, described);
  assert.match(run.stdout, new RegExp(`${check}: 0 failed`), described);
  assert.equal(run.code, 0, described);
}
