/**
 * Fetching what a build compiles: the shim's sources (from disk, or over http(s) for a library
 * imported by URL), the miniaudio pin, and miniaudio.h itself (`$MINIAUDIO_H`, a cached copy
 * whose SHA-256 matches the pin, or `npm pack` of the pinned package, verified then cached).
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { StemplayError } from "../src/errors.ts";
import {
  exists,
  guardAsync,
  npmPackFile,
  optionalEnv,
  seconds,
  sha256Hex,
  writeAtomic,
} from "./build_io.ts";

/** miniaudio's implementation unit, relative to native/. */
export const MINIAUDIO_UNIT = "miniaudio/miniaudio.c";
/** The pin of miniaudio.h (version, sha256, bytes, npm package, path in the package). */
export const MINIAUDIO_PIN = "miniaudio/pin.json";

/** The pin in native/miniaudio/pin.json. */
export interface MiniaudioPin {
  version: string;
  sha256: string;
  bytes: number;
  npmPackage: string;
  pathInPackage: string;
}

/** This repository's native/ folder: the default source of a build. */
export const DEFAULT_SOURCE_BASE: URL = new URL("../native/", import.meta.url);

/**
 * Reads files relative to a base URL: `file:` from disk, `http(s):` with fetch.
 * Returns the contents in the order of `names`.
 */
export async function readNativeFiles(
  base: URL,
  names: readonly string[],
): Promise<Map<string, Uint8Array>> {
  const entries = await Promise.all(names.map(async (name) => {
    const url = new URL(name, base);
    if (url.protocol === "file:") {
      const path = fileURLToPath(url);
      const bytes = await guardAsync(
        "--allow-read",
        `read ${path}`,
        () => Deno.readFile(path),
        path,
      );
      return [name, bytes] as const;
    }
    if (url.protocol === "http:" || url.protocol === "https:") {
      let response: Response;
      try {
        response = await guardAsync("--allow-net", `fetch ${url.href}`, () => fetch(url));
      } catch (cause) {
        if (cause instanceof StemplayError) throw cause;
        throw new StemplayError("FETCH_FAILED", `could not fetch ${url.href}: ${cause}`, {
          cause,
          path: url.href,
        });
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new StemplayError(
          "FETCH_FAILED",
          `could not fetch ${url.href}: HTTP ${response.status} ${response.statusText}`,
          { path: url.href },
        );
      }
      return [name, new Uint8Array(await response.arrayBuffer())] as const;
    }
    throw new StemplayError(
      "UNSUPPORTED",
      `cannot read native sources from a ${url.protocol} URL (${url.href}); use file: or http(s):`,
      { path: url.href },
    );
  }));
  return new Map(entries);
}

/** The folders of the shim's sources under native/: the control and reader side, and rt/
 * (the audio thread's code). */
export const NATIVE_SOURCE_DIRS: readonly string[] = ["", "rt/"];

/** The shim's file names in a local native/ folder: the *.c and *.h of native/ and native/rt/
 * (as "rt/name"), sorted. */
export async function listLocalSources(nativeDir: string): Promise<string[]> {
  const names: string[] = [];
  await guardAsync("--allow-read", `list ${nativeDir}`, async () => {
    for (const sub of NATIVE_SOURCE_DIRS) {
      const dir = sub ? join(nativeDir, sub) : nativeDir;
      if (sub && !(await exists(dir))) continue;
      for await (const entry of Deno.readDir(dir)) {
        if (entry.isFile && /\.[ch]$/.test(entry.name)) names.push(`${sub}${entry.name}`);
      }
    }
  }, nativeDir);
  return names.sort();
}

/** Reads and checks the pin. */
export async function readPin(base: URL = DEFAULT_SOURCE_BASE): Promise<MiniaudioPin> {
  const files = await readNativeFiles(base, [MINIAUDIO_PIN]);
  const pin = JSON.parse(new TextDecoder().decode(files.get(MINIAUDIO_PIN)!)) as MiniaudioPin;
  for (const field of ["version", "sha256", "npmPackage", "pathInPackage"] as const) {
    if (typeof pin[field] !== "string" || pin[field] === "") {
      throw new StemplayError(
        "BAD_PIN",
        `${new URL(MINIAUDIO_PIN, base).href} has no "${field}"`,
      );
    }
  }
  return pin;
}

/**
 * Checks that the file at `path` has SHA-256 `expected`. Returns the hash; a mismatch throws
 * StemplayError "HASH_MISMATCH" naming both hashes.
 */
export async function verifySha256(path: string, expected: string): Promise<string> {
  const bytes = await guardAsync("--allow-read", `read ${path}`, () => Deno.readFile(path), path);
  const actual = await sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw new StemplayError(
      "HASH_MISMATCH",
      `SHA-256 mismatch for ${path}: expected ${expected.toLowerCase()}, got ${actual} ` +
        `(${bytes.length} bytes). The file is not the pinned miniaudio.h; delete it to fetch ` +
        `it again, or set MINIAUDIO_H to your own copy.`,
      { path },
    );
  }
  return actual;
}

/** The miniaudio.h a build uses. */
export interface MiniaudioHeader {
  /** The folder to pass with -I (it holds a file named miniaudio.h). */
  includeDir: string;
  /** The header's path. */
  path: string;
  /** Its SHA-256. */
  sha256: string;
  /** Where it came from. */
  source: "MINIAUDIO_H" | "cache" | "npm";
}

/**
 * Finds miniaudio.h: `options.header` or `$MINIAUDIO_H` (a warning when its MA_VERSION is not the pinned one, no
 * hash check), else `<outDir>/miniaudio.h` when its SHA-256 matches the pin, else `npm pack`
 * of the pinned package into a temporary folder, extracting just the header with tar,
 * verifying it and caching it in outDir.
 */
export async function ensureMiniaudioHeader(
  outDir: string,
  pin: MiniaudioPin,
  options: { quiet?: boolean; header?: string } = {},
): Promise<MiniaudioHeader> {
  const userHeader = options.header ??
    optionalEnv("MINIAUDIO_H");
  if (userHeader) {
    const bytes = await guardAsync(
      "--allow-read",
      `read MINIAUDIO_H (${userHeader})`,
      () => Deno.readFile(userHeader),
      userHeader,
    ).catch((cause) => {
      if (cause instanceof StemplayError && cause.code === "PERMISSION") throw cause;
      throw new StemplayError("MINIAUDIO_H", `cannot read MINIAUDIO_H=${userHeader}: ${cause}`, {
        cause,
        path: userHeader,
      });
    });
    const version = miniaudioVersionOf(new TextDecoder().decode(bytes));
    if (version !== pin.version && !options.quiet) {
      console.error(
        `stemplay: warning: MINIAUDIO_H=${userHeader} is miniaudio ${version ?? "(unknown)"}, ` +
          `stemplay is tested with ${pin.version}`,
      );
    }
    const sha256 = await sha256Hex(bytes);
    let includeDir = dirname(userHeader);
    if (basename(userHeader) !== "miniaudio.h") {
      // `#include "miniaudio.h"` needs that name: copy it under it.
      includeDir = join(outDir, "miniaudio-user", sha256.slice(0, 16));
      await writeAtomic(join(includeDir, "miniaudio.h"), bytes);
    }
    return { includeDir, path: join(includeDir, "miniaudio.h"), sha256, source: "MINIAUDIO_H" };
  }

  const cached = join(outDir, "miniaudio.h");
  if (await exists(cached)) {
    try {
      const sha256 = await verifySha256(cached, pin.sha256);
      return { includeDir: outDir, path: cached, sha256, source: "cache" };
    } catch (error) {
      if (!(error instanceof StemplayError && error.code === "HASH_MISMATCH")) throw error;
      if (!options.quiet) {
        console.error(`stemplay: cached ${cached} does not match the pin; fetching it again`);
      }
    }
  }

  const started = performance.now();
  if (!options.quiet) {
    console.error(`stemplay: fetching miniaudio ${pin.version} with npm pack ${pin.npmPackage}…`);
  }
  const { bytes, sha256 } = await npmPackFile(
    pin,
    "miniaudio.h",
    `set MINIAUDIO_H to a copy of miniaudio ${pin.version}'s miniaudio.h`,
  );
  await writeAtomic(cached, bytes);
  if (!options.quiet) {
    console.error(`stemplay: miniaudio.h verified and cached in ${seconds(started)} s`);
  }
  return { includeDir: outDir, path: cached, sha256, source: "npm" };
}

/** MA_VERSION_MAJOR.MINOR.REVISION from a header's text, or undefined. */
export function miniaudioVersionOf(text: string): string | undefined {
  const part = (name: string) => text.match(new RegExp(`#define\\s+MA_VERSION_${name}\\s+(\\d+)`));
  const major = part("MAJOR"), minor = part("MINOR"), revision = part("REVISION");
  if (!major || !minor || !revision) return undefined;
  return `${major[1]}.${minor[1]}.${revision[1]}`;
}
