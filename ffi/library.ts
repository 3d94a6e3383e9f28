/**
 * Finds or builds the stemplay native library, dlopens it and checks its ABI version.
 *
 * In this order:
 * 1. `STEMPLAY_LIB`: an explicit path to a prebuilt library (default variant only);
 * 2. when this module is a local file: the build under native/build/ (built on demand, a no-op
 *    when its key matches the sources);
 * 3. when this module was imported by http(s) URL: the native sources are fetched relative to
 *    it and compiled into the cache folder ({@link cacheDir}), keyed by their hash.
 *
 * @module
 */

import { StemplayError } from "../src/errors.ts";
import { buildLibrary, cacheDir, type Variant } from "./build.ts";
import { ABI_VERSION, type Symbols, symbols } from "./symbols.ts";

export type { Variant } from "./build.ts";

/** A loaded stemplay library. It stays loaded for the life of the process. */
export interface StemplayLibrary {
  /** The FFI functions of native/stemplay.h. */
  symbols: Deno.DynamicLibrary<Symbols>["symbols"];
  /** The path it was loaded from. */
  path: string;
  /** Which build it is. */
  variant: Variant;
}

const loaded = new Map<Variant, Promise<StemplayLibrary>>();

/**
 * Loads the stemplay library (building it first when needed) and checks that its ABI version
 * is {@link ABI_VERSION}. Memoized per variant: every call with the same variant returns the
 * same library. It is never closed, because engines and buffers created through it may live
 * until the process exits.
 *
 * @param variant `"default"`, `"test"` (with the test hooks) or `"nomonitor"` (without the
 * latency monitor)
 * @throws StemplayError `COMPILER_MISSING`, `NPM_MISSING`, `HASH_MISMATCH`, `COMPILE_FAILED`,
 * `PERMISSION`, `LOAD_FAILED` or `ABI_MISMATCH`, each saying what was tried
 */
export function openLibrary(variant: Variant = "default"): Promise<StemplayLibrary> {
  let promise = loaded.get(variant);
  if (!promise) {
    promise = locateAndOpen(variant);
    // A failure is not memoized: the user may fix it (install cc, set a variable) and retry.
    promise.catch(() => loaded.delete(variant));
    loaded.set(variant, promise);
  }
  return promise;
}

async function locateAndOpen(variant: Variant): Promise<StemplayLibrary> {
  const tried: string[] = [];

  let explicit: string | undefined;
  try {
    explicit = Deno.env.get("STEMPLAY_LIB");
  } catch (cause) {
    if (!(cause instanceof Deno.errors.NotCapable)) throw cause;
    tried.push("STEMPLAY_LIB (not readable without --allow-env)");
  }
  if (explicit && variant === "default") {
    return openLibraryFile(explicit, variant, ["STEMPLAY_LIB"]);
  }
  if (explicit) tried.push(`STEMPLAY_LIB (ignored: it is for the default variant, not ${variant})`);
  else tried.push("STEMPLAY_LIB (not set)");

  const sourceBase = new URL("../native/", import.meta.url);
  const local = sourceBase.protocol === "file:";
  if (!local && sourceBase.protocol !== "http:" && sourceBase.protocol !== "https:") {
    throw new StemplayError(
      "UNSUPPORTED",
      `stemplay cannot find its native sources next to ${import.meta.url}; ` +
        `set STEMPLAY_LIB to a prebuilt library (tried: ${tried.join("; ")})`,
    );
  }
  const where = local
    ? `building ${sourceBase.href} into native/build/`
    : `fetching ${sourceBase.href} and building it in the cache folder`;
  let path: string;
  try {
    const result = await buildLibrary({
      variant,
      sourceBase,
      outDir: local ? undefined : cacheDir(),
    });
    path = result.path;
  } catch (cause) {
    if (!(cause instanceof StemplayError)) throw cause;
    tried.push(where);
    throw new StemplayError(
      cause.code,
      `${cause.message}\n(tried: ${tried.join("; ")}. Set STEMPLAY_LIB to a prebuilt library ` +
        `to skip the build.)`,
      { cause, path: cause.path },
    );
  }
  return openLibraryFile(path, variant, [...tried, where]);
}

/**
 * Loads the stemplay library at `path` and checks its ABI version first (with only
 * `sp_abi_version` bound, so a library of another version fails with ABI_MISMATCH rather than a
 * missing symbol). Not memoized; {@link openLibrary} is what the rest of stemplay uses.
 *
 * @throws StemplayError `PERMISSION`, `LOAD_FAILED` or `ABI_MISMATCH`
 */
export function openLibraryFile(
  path: string,
  variant: Variant = "default",
  tried: string[] = [],
): StemplayLibrary {
  const triedText = tried.length > 0 ? ` (tried: ${tried.join("; ")})` : "";
  const dlopen = <S extends Deno.ForeignLibraryInterface>(table: S) => {
    try {
      return Deno.dlopen(path, table);
    } catch (cause) {
      if (cause instanceof Deno.errors.NotCapable) {
        throw new StemplayError(
          "PERMISSION",
          `stemplay needs --allow-ffi to load its native library ${path}`,
          { cause, path },
        );
      }
      throw new StemplayError(
        "LOAD_FAILED",
        `could not load the stemplay library ${path}: ${
          cause instanceof Error ? cause.message : cause
        }${triedText}`,
        { cause, path },
      );
    }
  };

  const probe = dlopen({ sp_abi_version: symbols.sp_abi_version });
  const actual = probe.symbols.sp_abi_version();
  probe.close();
  if (actual !== ABI_VERSION) {
    throw new StemplayError(
      "ABI_MISMATCH",
      `the stemplay library ${path} has ABI version ${actual}, this code expects ${ABI_VERSION}; ` +
        `rebuild it (deno task build) or point STEMPLAY_LIB at a matching build${triedText}`,
      { path },
    );
  }
  const library = dlopen(symbols);
  return { symbols: library.symbols, path, variant };
}
