/**
 * Compiles the C shim in native/ into a shared library.
 *
 * miniaudio.h is never committed: it comes from `$MINIAUDIO_H`, from a cached copy whose
 * SHA-256 matches native/miniaudio/pin.json, or from `npm pack` of the package named in the pin
 * (verified, then cached). miniaudio's implementation unit takes about half a minute at -O2, so
 * it is compiled once into its own object, cached by a key of the header hash, the flags and the
 * compiler version. The shim's own files recompile in a second or two, and only when the key of
 * (sources + flags + variant + miniaudio hash) changes.
 *
 * The steps live beside it: build_fetch.ts (sources, the pin, miniaudio.h), build_compile.ts
 * (flags, the miniaudio object, compiling and linking the shim) and build_cache.ts (where a
 * library goes, its rebuild key).
 *
 * Run as a script: `deno run -A ffi/build.ts [--variant default|test|nomonitor] [--force]`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NATIVE_SOURCES } from "./native_sources.ts";
export { NATIVE_SOURCES };
import { StemplayError } from "../src/errors.ts";
import {
  ensureStbVorbis,
  parseStbVorbisPin,
  STB_VORBIS_PIN,
  type StbVorbisSource,
} from "./stb_vorbis.ts";
import { guardAsync, optionalEnv, writeAtomic } from "./build_io.ts";
import {
  DEFAULT_SOURCE_BASE,
  ensureMiniaudioHeader,
  listLocalSources,
  MINIAUDIO_PIN,
  MINIAUDIO_UNIT,
  readNativeFiles,
  readPin,
} from "./build_fetch.ts";
import {
  buildMiniaudioObject,
  compilerIdentity,
  compileShim,
  ELF_LINK_FLAGS,
  FILE_FLAGS,
  SHIM_FLAGS,
  type Variant,
  VARIANT_DEFINES,
} from "./build_compile.ts";
import {
  buildKey,
  cacheDir,
  libraryFileName,
  libraryPlace,
  localBuildDir,
  storeKey,
  upToDate,
} from "./build_cache.ts";

// Kept here for the build's callers (tests, benches): each lives in the file of its step.
export { join } from "node:path";
export { npmPackFile, optionalEnv, sha256Hex, writeAtomic } from "./build_io.ts";
export type { NpmPinnedFile } from "./build_io.ts";
export {
  ensureMiniaudioHeader,
  listLocalSources,
  MINIAUDIO_PIN,
  MINIAUDIO_UNIT,
  miniaudioVersionOf,
  NATIVE_SOURCE_DIRS,
  readNativeFiles,
  readPin,
  verifySha256,
} from "./build_fetch.ts";
export type { MiniaudioHeader, MiniaudioPin } from "./build_fetch.ts";
export {
  ELF_LINK_FLAGS,
  FILE_FLAGS,
  MINIAUDIO_FLAGS,
  SHIM_FLAGS,
  VARIANT_DEFINES,
} from "./build_compile.ts";
export type { Variant } from "./build_compile.ts";
export { cacheDir, libraryFileName, localBuildDir } from "./build_cache.ts";

/** Options of {@link buildLibrary}. */
export interface BuildOptions {
  /** Which library to build; default `"default"`. */
  variant?: Variant;
  /** Extra compiler flags for the shim, e.g. `["-march=native"]` (part of the rebuild key). */
  extraFlags?: readonly string[];
  /**
   * The native/ folder as a URL ending in "/": `file:` (default: this repository's native/) or
   * `http(s):` (sources are fetched from it and compiled in `outDir`).
   */
  sourceBase?: URL;
  /** Where the header, the miniaudio object and the libraries go; default native/build/ for a
   * `file:` sourceBase, {@link cacheDir} for an http(s) one. */
  outDir?: string;
  /** The C compiler; default `$CC`, else `cc` (`clang` on Windows). */
  compiler?: string;
  /** A miniaudio.h to use instead of `$MINIAUDIO_H` or the pinned, cached one (no hash check,
   * a warning when its version is not the pinned one). */
  miniaudioHeader?: string;
  /** A stb_vorbis.c to use instead of `$STB_VORBIS_C` or the pinned, cached one, or `"off"`
   * to build without native Ogg Vorbis. */
  stbVorbis?: string;
  /** Rebuild even when the key matches. */
  force?: boolean;
  /** Print nothing on stderr (errors are still thrown). */
  quiet?: boolean;
}

/** What {@link buildLibrary} did. */
export interface BuildResult {
  /** Absolute path of the library. */
  path: string;
  /** False when the library was already up to date. */
  built: boolean;
  /** The rebuild key stored next to the library. */
  key: string;
  /** Seconds spent, miniaudio object included. */
  seconds: number;
  /** SHA-256 of the miniaudio.h used. */
  miniaudioSha256: string;
  /** Where stb_vorbis.c came from, or null when the build has no native Ogg Vorbis. */
  stbVorbis?: StbVorbisSource | null;
}

/**
 * Compiles native/ into `<outDir>/<libraryFileName(variant)>`, or does nothing when the key
 * stored next to the library matches. Writes to a temporary name and renames atomically, so a
 * concurrent build or a process that has the old library open is never disturbed.
 */
export async function buildLibrary(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const variant = options.variant ?? "default";
  if (!(variant in VARIANT_DEFINES)) {
    throw new StemplayError(
      "BAD_VARIANT",
      `unknown variant "${variant}"; use ${Object.keys(VARIANT_DEFINES).join(", ")}`,
    );
  }
  const quiet = options.quiet ?? false;
  const sourceBase = options.sourceBase ?? DEFAULT_SOURCE_BASE;
  const local = sourceBase.protocol === "file:";
  const outDir = options.outDir ?? (local ? localBuildDir() : cacheDir());
  const os = Deno.build.os;
  const compiler = options.compiler ??
    optionalEnv("CC") ??
    (os === "windows" ? "clang" : "cc");
  const msvc = /(^|[\\/])cl(\.exe)?$/i.test(compiler);

  await guardAsync(
    "--allow-write",
    `create ${outDir}`,
    () => Deno.mkdir(outDir, { recursive: true }),
    outDir,
  );

  // Sources: globbed locally, the fixed list from a URL.
  const names = local ? await listLocalSources(fileURLToPath(sourceBase)) : [...NATIVE_SOURCES];
  if (!names.some((name) => name.endsWith(".c"))) {
    throw new StemplayError(
      "NO_SOURCES",
      `no C sources in ${sourceBase.href}: the native shim is missing`,
      { path: sourceBase.href },
    );
  }
  const [pin, files, compilerVersion] = await Promise.all([
    readPin(sourceBase),
    readNativeFiles(sourceBase, [...names, MINIAUDIO_UNIT, STB_VORBIS_PIN]),
    compilerIdentity(compiler, msvc),
  ]);
  const header = await ensureMiniaudioHeader(outDir, pin, {
    quiet,
    header: options.miniaudioHeader,
  });
  const vorbisPin = parseStbVorbisPin(
    new TextDecoder().decode(files.get(STB_VORBIS_PIN)!),
    new URL(STB_VORBIS_PIN, sourceBase).href,
  );
  const vorbis = await ensureStbVorbis(outDir, vorbisPin, { quiet, path: options.stbVorbis });

  // The shim learns whether miniaudio decodes Vorbis (else Ogg goes to the optional decoder).
  const variantFlags = [
    ...VARIANT_DEFINES[variant],
    ...(vorbis ? ["-DSP_HAVE_STB_VORBIS"] : []),
    ...(options.extraFlags ?? []),
  ];
  const shimFlags = [...SHIM_FLAGS, ...variantFlags];

  const key = await buildKey({
    names,
    files,
    flags: [shimFlags.join(" "), ELF_LINK_FLAGS.join(" "), JSON.stringify(FILE_FLAGS)],
    variant,
    miniaudioSha256: header.sha256,
    stbVorbisSha256: vorbis?.sha256 ?? "",
    compilerVersion,
    os,
  });
  const { libDir, libraryPath, keyPath } = libraryPlace(outDir, key, variant, local, os);
  if (!options.force && (await upToDate(libraryPath, keyPath, key))) {
    return {
      path: libraryPath,
      built: false,
      key,
      seconds: (performance.now() - started) / 1000,
      miniaudioSha256: header.sha256,
      stbVorbis: vorbis,
    };
  }

  // Where the compiler reads the shim from: native/ itself locally; fetched files otherwise.
  let nativeDir: string;
  if (local) {
    nativeDir = fileURLToPath(sourceBase).replace(/[\\/]+$/, "");
  } else {
    nativeDir = join(libDir, "native");
    for (const name of [...names, MINIAUDIO_UNIT, MINIAUDIO_PIN, STB_VORBIS_PIN]) {
      const bytes = files.get(name) ?? (await readNativeFiles(sourceBase, [name])).get(name)!;
      await writeAtomic(join(nativeDir, ...name.split("/")), bytes);
    }
  }

  // Called after the shim's own files compiled, so a mistake in them shows in a second, not
  // after miniaudio's half minute.
  let miniaudioMs = 0;
  const miniaudioObject = async () => {
    const objectStarted = performance.now();
    const object = await buildMiniaudioObject({
      compiler,
      msvc,
      compilerVersion,
      outDir,
      header,
      vorbis,
      unitPath: join(nativeDir, ...MINIAUDIO_UNIT.split("/")),
      unitSource: files.get(MINIAUDIO_UNIT)!,
      quiet,
    });
    miniaudioMs = performance.now() - objectStarted;
    return object;
  };

  const shimStarted = performance.now();
  const cSources = names.filter((name) => name.endsWith(".c")).map((name) => join(nativeDir, name));
  await compileShim({
    compiler,
    msvc,
    variant,
    shimFlags,
    variantFlags,
    includes: [nativeDir, header.includeDir],
    cSources,
    libraryPath,
    libDir,
    miniaudioObject,
  });
  await storeKey(keyPath, key);
  if (!quiet) {
    console.error(
      `stemplay: built ${libraryFileName(variant, os)} in ` +
        `${((performance.now() - shimStarted - miniaudioMs) / 1000).toFixed(1)} s` +
        ` (${cSources.length} files, variant ${variant})`,
    );
  }
  return {
    path: libraryPath,
    built: true,
    key,
    seconds: (performance.now() - started) / 1000,
    miniaudioSha256: header.sha256,
    stbVorbis: vorbis,
  };
}

if (import.meta.main) {
  const args = [...Deno.args];
  let variant: Variant = "default";
  let force = false;
  const extraFlags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--variant") variant = args[++i] as Variant;
    else if (arg.startsWith("--variant=")) variant = arg.slice("--variant=".length) as Variant;
    else if (arg === "--force") force = true;
    else if (arg === "--flag") extraFlags.push(args[++i]);
    else if (arg === "--all") variant = "all" as Variant;
    else {
      console.error(
        "usage: deno run -A ffi/build.ts [--variant default|test|nomonitor] [--all] [--force] " +
          "[--flag <cc flag>]...",
      );
      Deno.exit(2);
    }
  }
  try {
    const variants: Variant[] = (variant as string) === "all"
      ? ["default", "test", "nomonitor"]
      : [variant];
    for (const one of variants) {
      const result = await buildLibrary({ variant: one, force, extraFlags });
      if (!result.built) console.error(`stemplay: ${result.path} is up to date`);
      else console.log(result.path);
    }
  } catch (error) {
    if (error instanceof StemplayError) {
      console.error(`stemplay: ${error.code}: ${error.message}`);
      Deno.exit(1);
    }
    throw error;
  }
}
