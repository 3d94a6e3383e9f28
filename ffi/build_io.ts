/**
 * What the build does to the world, apart from compiling: run programs, hash, read and write
 * files (atomically), read the environment, and fetch a pinned file with `npm pack`.
 * Every failure is a StemplayError; Deno's permission errors name the flag that is missing.
 * build.ts and stb_vorbis.ts both use these (so neither imports the other for them).
 *
 * @module
 */

import { dirname, join } from "node:path";
import { StemplayError } from "../src/errors.ts";
import { writeAtomic as writeFileAtomic } from "../src/util/write_atomic.ts";

/** Hex SHA-256 of bytes or text. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A finished program: its exit code and what it printed. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program, mapping "not found" and permission errors to StemplayErrors. */
export async function run(
  program: string,
  args: string[],
  options: { cwd?: string; missing: () => StemplayError },
): Promise<RunResult> {
  try {
    const output = await new Deno.Command(program, {
      args,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) {
      const error = options.missing();
      throw new StemplayError(error.code, error.message, { cause, path: error.path });
    }
    throw permissionError(cause, "--allow-run", `run ${program}`) ?? cause;
  }
}

/** Maps Deno's permission errors to StemplayError "PERMISSION", naming the flag needed. */
export function permissionError(
  cause: unknown,
  flag: string,
  action: string,
  path?: string,
): StemplayError | undefined {
  if (cause instanceof Deno.errors.NotCapable) {
    return new StemplayError(
      "PERMISSION",
      `stemplay needs ${flag} to ${action} (it builds its native library on first use)`,
      { cause, path },
    );
  }
  if (cause instanceof Deno.errors.PermissionDenied) {
    return new StemplayError(
      "PERMISSION",
      `permission denied: could not ${action}` +
        (flag === "--allow-run"
          ? ""
          : ` (check the folder's permissions; Deno also needs ${flag})`),
      { cause, path },
    );
  }
  return undefined;
}

/** An optional setting from the environment; unset when Deno may not read it. */
export function optionalEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return undefined;
    throw error;
  }
}

/** Runs `fn`, turning a permission error into a StemplayError naming `flag`. */
export function guard<T>(flag: string, action: string, fn: () => T, path?: string): T {
  try {
    return fn();
  } catch (cause) {
    throw permissionError(cause, flag, action, path) ?? cause;
  }
}

/** {@link guard} for an async `fn`. */
export async function guardAsync<T>(
  flag: string,
  action: string,
  fn: () => Promise<T>,
  path?: string,
): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    throw permissionError(cause, flag, action, path) ?? cause;
  }
}

/** Whether `path` exists (a permission error is a StemplayError). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw permissionError(error, "--allow-read", `read ${path}`, path) ?? error;
  }
}

/** Writes to a temporary name next to `path`, then renames. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await guardAsync("--allow-write", `write ${path}`, async () => {
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, bytes);
  }, path);
}

/** `fn` over `items`, at most `limit` at a time; the first failure is thrown after all stop. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await fn(items[index]);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}

/** The parts, one after another, in one array. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Seconds since `since` (a `performance.now()`), to one decimal. */
export function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

/** A file pinned by hash inside an npm package (miniaudio.h, stb_vorbis.c). */
export interface NpmPinnedFile {
  npmPackage: string;
  pathInPackage: string;
  sha256: string;
}

/**
 * `npm pack` of the pinned package into a temporary folder, extracting just the one file with
 * tar and checking its SHA-256 (nothing is cached here). Every error names `what` and ends
 * with `otherwise`, how to do without npm.
 * @throws StemplayError `NPM_MISSING`, `NPM_FAILED`, `TAR_MISSING`, `EXTRACT_FAILED`,
 * `HASH_MISMATCH`, `PERMISSION`
 */
export async function npmPackFile(
  pin: NpmPinnedFile,
  what: string,
  otherwise: string,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  const tempDir = await guardAsync(
    "--allow-write",
    "create a temporary folder",
    () => Deno.makeTempDir({ prefix: "stemplay-npm-pack-" }),
  );
  try {
    const packed = await run("npm", ["pack", pin.npmPackage, "--silent"], {
      cwd: tempDir,
      missing: () =>
        new StemplayError(
          "NPM_MISSING",
          `npm was not found, and it is needed to fetch ${what} (${pin.npmPackage}). ` +
            `Install Node.js/npm, or ${otherwise}.`,
        ),
    });
    if (packed.code !== 0) {
      throw new StemplayError(
        "NPM_FAILED",
        `npm pack ${pin.npmPackage} failed (exit ${packed.code}):\n${tail(packed.stderr, 20)}\n` +
          `To skip npm, ${otherwise}.`,
      );
    }
    let tgz = packed.stdout.trim().split("\n").pop()?.trim() ?? "";
    if (!tgz || !(await exists(join(tempDir, tgz)))) {
      tgz = "";
      for await (const entry of Deno.readDir(tempDir)) {
        if (entry.name.endsWith(".tgz")) tgz = entry.name;
      }
    }
    if (!tgz) {
      throw new StemplayError("NPM_FAILED", `npm pack ${pin.npmPackage} wrote no .tgz`);
    }
    const extracted = await run("tar", ["-xzf", tgz, pin.pathInPackage], {
      cwd: tempDir,
      missing: () =>
        new StemplayError(
          "TAR_MISSING",
          `tar was not found, and it is needed to unpack ${pin.npmPackage}; install tar or ` +
            `${otherwise}`,
        ),
    });
    if (extracted.code !== 0) {
      throw new StemplayError(
        "EXTRACT_FAILED",
        `tar could not extract ${pin.pathInPackage} from ${tgz}:\n${tail(extracted.stderr, 20)}`,
      );
    }
    const bytes = await Deno.readFile(join(tempDir, ...pin.pathInPackage.split("/")));
    const sha256 = await sha256Hex(bytes);
    if (sha256 !== pin.sha256.toLowerCase()) {
      throw new StemplayError(
        "HASH_MISMATCH",
        `the ${what} in npm pack ${pin.npmPackage} is not the pinned one: SHA-256 expected ` +
          `${pin.sha256.toLowerCase()}, got ${sha256} (${bytes.length} bytes). Nothing was ` +
          `cached. Check your npm registry or mirror, or ${otherwise}.`,
      );
    }
    return { bytes, sha256 };
  } finally {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
}
