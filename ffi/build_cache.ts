/**
 * The build cache: where a library goes (native/build/ locally, the user's cache folder for a
 * library built from a URL), the rebuild key of its inputs, and whether the library there is up
 * to date with them.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { StemplayError } from "../src/errors.ts";
import { concat, exists, guard, sha256Hex, writeAtomic } from "./build_io.ts";
import { DEFAULT_SOURCE_BASE } from "./build_fetch.ts";
import type { Variant } from "./build_compile.ts";

/** The file name of a variant's library on this platform, e.g. `libstemplay-test.so`. */
export function libraryFileName(variant: Variant = "default", os: string = Deno.build.os): string {
  const stem = variant === "default" ? "stemplay" : `stemplay-${variant}`;
  if (os === "windows") return `${stem}.dll`;
  if (os === "darwin") return `lib${stem}.dylib`;
  return `lib${stem}.so`;
}

/** The local build folder: native/build/ of this repository. */
export function localBuildDir(): string {
  return fileURLToPath(new URL("build/", DEFAULT_SOURCE_BASE));
}

/**
 * The cache folder for builds from an http(s) URL: `$STEMPLAY_CACHE`, else
 * `$XDG_CACHE_HOME/stemplay`, else `$HOME/.cache/stemplay` (`%LOCALAPPDATA%\stemplay` on Windows).
 */
export function cacheDir(): string {
  return guard("--allow-env", "read the cache folder's environment variables", () => {
    const explicit = Deno.env.get("STEMPLAY_CACHE");
    if (explicit) return explicit;
    const xdg = Deno.env.get("XDG_CACHE_HOME");
    if (xdg) return join(xdg, "stemplay");
    if (Deno.build.os === "windows") {
      const local = Deno.env.get("LOCALAPPDATA");
      if (local) return join(local, "stemplay");
    }
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    if (!home) {
      throw new StemplayError(
        "NO_CACHE_DIR",
        "no cache folder for the stemplay build: set STEMPLAY_CACHE, XDG_CACHE_HOME or HOME",
      );
    }
    return join(home, ".cache", "stemplay");
  });
}

/** The inputs of a build's rebuild key. */
export interface BuildKeyParts {
  /** The shim's file names, in order, and their contents. */
  names: readonly string[];
  files: ReadonlyMap<string, Uint8Array>;
  /** Every flag that reaches the compiler or the linker, as text. */
  flags: readonly string[];
  variant: Variant;
  miniaudioSha256: string;
  stbVorbisSha256: string;
  compilerVersion: string;
  os: string;
}

/** The rebuild key: every shim file's name and contents, the flags, the variant, miniaudio's
 * hash and the compiler. Length-prefixed so no two different inputs concatenate alike. */
export async function buildKey(parts: BuildKeyParts): Promise<string> {
  const keyParts: Uint8Array[] = [];
  const text = new TextEncoder();
  const addPart = (bytes: Uint8Array) => {
    keyParts.push(text.encode(`${bytes.length}:`), bytes);
  };
  for (const name of parts.names) {
    addPart(text.encode(name));
    addPart(parts.files.get(name)!);
  }
  for (
    const part of [
      ...parts.flags,
      parts.variant,
      parts.miniaudioSha256,
      parts.stbVorbisSha256,
      parts.compilerVersion,
      parts.os,
    ]
  ) {
    addPart(text.encode(part));
  }
  return await sha256Hex(concat(keyParts));
}

/** Where a build's library lives. Locally there is one tree, so one library per variant. In
 * the cache, builds of different sources (different URLs or versions) live side by side, each
 * in a folder named by its key. */
export function libraryPlace(
  outDir: string,
  key: string,
  variant: Variant,
  local: boolean,
  os: string = Deno.build.os,
): { libDir: string; libraryPath: string; keyPath: string } {
  const libDir = local ? outDir : join(outDir, key.slice(0, 16));
  const libraryPath = join(libDir, libraryFileName(variant, os));
  return { libDir, libraryPath, keyPath: `${libraryPath}.key` };
}

/** True when the library exists and the key stored beside it is `key`. */
export async function upToDate(
  libraryPath: string,
  keyPath: string,
  key: string,
): Promise<boolean> {
  if (!(await exists(libraryPath))) return false;
  const stored = await Deno.readTextFile(keyPath).catch(() => "");
  return stored.trim() === key;
}

/** Stores the key beside a library just built. */
export async function storeKey(keyPath: string, key: string): Promise<void> {
  await writeAtomic(keyPath, new TextEncoder().encode(`${key}\n`));
}
