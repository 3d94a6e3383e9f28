/**
 * The one policy for tests that need an external program (sox, flac, lame, pulseaudio …).
 *
 * - The program runs: the test runs.
 * - It is missing and `CI` or `STEMPLAY_REQUIRE_ALL` is set: fail loudly, naming the package
 *   to install, so a CI machine can never pass by skipping.
 * - It is missing on a developer machine: print `SKIPPED: <name> not installed (apt-get
 *   install <package>)` to stderr and let the caller skip the test with `ignore:`.
 *
 * Calling {@linkcode requireTool} at module level would fail the whole test file in strict
 * mode; {@linkcode ignoreWithout} defers the failure into the one test that needs the program:
 *
 * ```ts
 * const name = "agrees with sox";
 * Deno.test({ name, ignore: ignoreWithout("sox", name), fn() { requireTool("sox", name); … } });
 * ```
 *
 * @module
 */

import { delimiter, join } from "node:path";

/** The Debian packages that provide each program the tests use. */
const PACKAGES: Record<string, string> = {
  sox: "sox",
  rubberband: "rubberband-cli",
  flac: "flac",
  lame: "lame",
  tmux: "tmux",
  pulseaudio: "pulseaudio",
  parec: "pulseaudio-utils",
  pacat: "pulseaudio-utils",
  pactl: "pulseaudio-utils",
  "clang-22": "clang-22 libclang-rt-22-dev",
  "llvm-symbolizer-22": "llvm-22",
  ffmpeg: "ffmpeg",
  "espeak-ng": "espeak-ng",
  readelf: "binutils",
  jackd: "jackd2",
  jack_rec: "jackd2",
  jack_lsp: "jackd2",
  jack_connect: "jackd2",
  jack_midiseq: "jackd2",
  cc: "gcc",
  gcc: "gcc",
  oscsend: "liblo-tools",
  oscdump: "liblo-tools",
  chromium: "chromium",
  unshare: "util-linux",
  ip: "iproute2",
};

function strictVariables(): string[] {
  return ["CI", "STEMPLAY_REQUIRE_ALL"].filter((variable) => Deno.env.get(variable));
}

const found = new Map<string, boolean>();

/**
 * Whether `name` can be started, without printing or throwing. The answer is cached.
 *
 * @param name a program looked up on PATH
 */
export function hasTool(name: string): boolean {
  let present = found.get(name);
  if (present === undefined) {
    try {
      // Any exit status will do: some programs (tmux) reject --version but still run.
      new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" })
        .outputSync();
      present = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      present = false;
    }
    found.set(name, present);
  }
  return present;
}

/**
 * Applies the policy above.
 *
 * @param name a program looked up on PATH
 * @param what the test (or group of tests) that needs it, for the SKIPPED line
 * @returns true when the program runs; false when it is missing and skipping is allowed
 * @throws {Error} when the program is missing and `CI` or `STEMPLAY_REQUIRE_ALL` is set
 */
export function requireTool(name: string, what?: string): boolean {
  if (hasTool(name)) return true;
  const install = `apt-get install ${PACKAGES[name] ?? name}`;
  const strict = strictVariables();
  if (strict.length > 0) {
    throw new Error(
      `${name} is required${what ? ` by "${what}"` : ""} but not installed ` +
        `(${install}); tests may not be skipped because ${strict.join(" and ")} is set`,
    );
  }
  console.error(
    `SKIPPED: ${name} not installed (${install})${what ? ` — skipping "${what}"` : ""}`,
  );
  return false;
}

/**
 * The `ignore:` value for a test that needs `name`: true (skip, printing the SKIPPED line) only
 * when the program is missing and skipping is allowed. In strict mode it returns false, so the
 * test runs and its own {@linkcode requireTool} call fails it, and only it, loudly.
 *
 * @param name a program looked up on PATH
 * @param what the test that needs it, for the SKIPPED line
 */
export function ignoreWithout(name: string, what?: string): boolean {
  if (hasTool(name)) return false;
  if (strictVariables().length > 0) return false;
  return !requireTool(name, what);
}

/**
 * The absolute path of `name` on PATH (sanitizers want their symbolizer as a path), or
 * undefined when it is not there.
 *
 * @param name a program looked up on PATH
 */
export function toolPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
