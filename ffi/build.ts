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
 * Run as a script: `deno run -A ffi/build.ts [--variant default|test|nomonitor] [--force]`.
 *
 * @module
 */

import { NATIVE_SOURCES } from "./native_sources.ts";
export { NATIVE_SOURCES };
import { StemplayError } from "../src/errors.ts";
import {
  ensureStbVorbis,
  parseStbVorbisPin,
  STB_VORBIS_PIN,
  type StbVorbisSource,
} from "./stb_vorbis.ts";
import {
  basename,
  concat,
  dirname,
  exists,
  fromFileUrl,
  guard,
  guardAsync,
  join,
  mapLimit,
  npmPackFile,
  optionalEnv,
  run,
  seconds,
  sha256Hex,
  tail,
  writeAtomic,
} from "./build_io.ts";

// Kept here too for the build's callers (tests, benches); they live in build_io.ts.
export { join, npmPackFile, optionalEnv, sha256Hex, writeAtomic } from "./build_io.ts";
export type { NpmPinnedFile } from "./build_io.ts";

/** Which build of the library: plain, with test hooks, or without the latency monitor. */
export type Variant = "default" | "test" | "nomonitor";

/** The variants and the defines each adds. */
export const VARIANT_DEFINES: Readonly<Record<Variant, readonly string[]>> = {
  default: [],
  test: ["-DSP_TEST_HOOKS"],
  nomonitor: ["-DSP_NO_MONITOR"],
};

/** miniaudio's implementation unit, relative to native/. */
export const MINIAUDIO_UNIT = "miniaudio/miniaudio.c";
/** The pin of miniaudio.h (version, sha256, bytes, npm package, path in the package). */
export const MINIAUDIO_PIN = "miniaudio/pin.json";

/** Flags of miniaudio's implementation unit (before include paths). */
/** Flags of miniaudio's implementation unit (before include paths). Hidden visibility keeps
 * miniaudio's ~1,200 `ma_` functions out of the library's exported symbols. */
export const MINIAUDIO_FLAGS: readonly string[] = [
  "-O2",
  "-fPIC",
  "-std=c11",
  "-D_GNU_SOURCE",
  "-fvisibility=hidden",
];
/** Flags of the shim's own files (before variant defines, extra flags and include paths). */
export const SHIM_FLAGS: readonly string[] = [
  "-std=c11",
  "-O2",
  "-fPIC",
  "-Wall",
  "-Wextra",
  "-Werror",
  "-fvisibility=hidden",
  "-D_GNU_SOURCE",
];

/** Link flags of the shared library on Linux and the BSDs. `-z now` binds every symbol at load
 * (BIND_NOW): lazy binding would resolve sinf/cosf through the dynamic linker, which takes a
 * lock, on the audio thread at the first crossfade or fade. `-z nodelete` keeps it mapped once
 * loaded: a device thread a backend never lets go of (a teardown past its deadline) would fault
 * when the process unloads the library at exit. */
export const ELF_LINK_FLAGS: readonly string[] = ["-shared", "-Wl,-z,now", "-Wl,-z,nodelete"];

/** Extra flags for single files of the shim (after SHIM_FLAGS). The mix kernels need -O3:
 * gcc's -O2 vectorises only loops whose trip count it knows. */
export const FILE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  "mix.c": ["-O3"],
};

/** The pin in native/miniaudio/pin.json. */
export interface MiniaudioPin {
  version: string;
  sha256: string;
  bytes: number;
  npmPackage: string;
  pathInPackage: string;
}

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

const DEFAULT_SOURCE_BASE = new URL("../native/", import.meta.url);

/** The file name of a variant's library on this platform, e.g. `libstemplay-test.so`. */
export function libraryFileName(variant: Variant = "default", os: string = Deno.build.os): string {
  const stem = variant === "default" ? "stemplay" : `stemplay-${variant}`;
  if (os === "windows") return `${stem}.dll`;
  if (os === "darwin") return `lib${stem}.dylib`;
  return `lib${stem}.so`;
}

/** The local build folder: native/build/ of this repository. */
export function localBuildDir(): string {
  return fromFileUrl(new URL("build/", DEFAULT_SOURCE_BASE));
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
      const path = fromFileUrl(url);
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
  const names = local ? await listLocalSources(fromFileUrl(sourceBase)) : [...NATIVE_SOURCES];
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

  // The key: every shim file's name and contents, the flags, the variant, miniaudio's hash and
  // the compiler. Length-prefixed so no two different inputs concatenate alike.
  const keyParts: Uint8Array[] = [];
  const text = new TextEncoder();
  const addPart = (bytes: Uint8Array) => {
    keyParts.push(text.encode(`${bytes.length}:`), bytes);
  };
  for (const name of names) {
    addPart(text.encode(name));
    addPart(files.get(name)!);
  }
  const fileFlags = JSON.stringify(FILE_FLAGS);
  for (
    const part of [
      shimFlags.join(" "),
      ELF_LINK_FLAGS.join(" "),
      fileFlags,
      variant,
      header.sha256,
      vorbis?.sha256 ?? "",
      compilerVersion,
      os,
    ]
  ) {
    addPart(text.encode(part));
  }
  const key = await sha256Hex(concat(keyParts));

  // Locally there is one tree, so one library per variant. In the cache, builds of different
  // sources (different URLs or versions) live side by side, each in a folder named by its key.
  const libDir = local ? outDir : join(outDir, key.slice(0, 16));
  const libraryPath = join(libDir, libraryFileName(variant, os));
  const keyPath = `${libraryPath}.key`;
  if (!options.force && (await exists(libraryPath))) {
    const stored = await Deno.readTextFile(keyPath).catch(() => "");
    if (stored.trim() === key) {
      return {
        path: libraryPath,
        built: false,
        key,
        seconds: (performance.now() - started) / 1000,
        miniaudioSha256: header.sha256,
        stbVorbis: vorbis,
      };
    }
  }

  // Where the compiler reads the shim from: native/ itself locally; fetched files otherwise.
  let nativeDir: string;
  if (local) {
    nativeDir = fromFileUrl(sourceBase).replace(/[\\/]+$/, "");
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
  const includes = [nativeDir, header.includeDir];
  const cSources = names.filter((name) => name.endsWith(".c")).map((name) => join(nativeDir, name));
  const temp = `${libraryPath}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await guardAsync(
    "--allow-write",
    `create ${libDir}`,
    () => Deno.mkdir(libDir, { recursive: true }),
    libDir,
  );
  const objDir = await Deno.makeTempDir({ dir: libDir, prefix: `obj-${variant}-` });
  try {
    if (msvc) {
      // Untested: MSVC's cl.
      const args = [
        "/nologo",
        "/O2",
        "/std:c11",
        "/W4",
        "/WX",
        ...variantFlags.map((flag) => flag.replace(/^-D/, "/D")),
        ...includes.map((dir) => `/I${dir}`),
        "/LD",
        ...cSources,
        await miniaudioObject(),
        `/Fe:${temp}`,
        `/Fo:${objDir}\\`,
      ];
      await compile(compiler, args, "the shim");
    } else {
      // Compile each file to its own object in parallel, then link.
      const objects = await mapLimit(
        cSources,
        Math.max(1, navigator.hardwareConcurrency),
        async (source) => {
          const object = join(objDir, `${basename(source).replace(/\.c$/, "")}.o`);
          await compile(
            compiler,
            [
              ...shimFlags,
              ...(FILE_FLAGS[basename(source)] ?? []),
              ...includes.map((dir) => `-I${dir}`),
              "-c",
              source,
              "-o",
              object,
            ],
            basename(source),
          );
          return object;
        },
      );
      const platformLibs = os === "darwin"
        ? [
          "-lpthread",
          "-lm",
          "-framework",
          "CoreFoundation",
          "-framework",
          "CoreAudio",
          "-framework",
          "AudioToolbox",
        ]
        : os === "windows"
        ? [] // untested: clang on Windows; miniaudio loads its backends at run time
        : ["-lpthread", "-lm", "-ldl"];
      const linkFlags = os === "darwin" ? ["-dynamiclib"] : [...ELF_LINK_FLAGS];
      await compile(
        compiler,
        [
          ...linkFlags,
          ...variantFlags,
          "-o",
          temp,
          ...objects,
          await miniaudioObject(),
          ...platformLibs,
        ],
        libraryFileName(variant, os),
      );
    }
    await Deno.rename(temp, libraryPath);
    await writeAtomic(keyPath, text.encode(`${key}\n`));
  } finally {
    await Deno.remove(temp).catch(() => {});
    await Deno.remove(objDir, { recursive: true }).catch(() => {});
  }
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

/**
 * Compiles miniaudio's implementation unit into `<outDir>/miniaudio-<key>.o(bj)` unless it is
 * there already. The key covers the header hash, the unit, the flags and the compiler.
 */
async function buildMiniaudioObject(args: {
  compiler: string;
  msvc: boolean;
  compilerVersion: string;
  outDir: string;
  header: MiniaudioHeader;
  vorbis: StbVorbisSource | null;
  unitPath: string;
  unitSource: Uint8Array;
  quiet: boolean;
}): Promise<string> {
  const flags = args.msvc ? ["/nologo", "/O2", "/std:c11"] : [...MINIAUDIO_FLAGS];
  const vorbisFlags = args.vorbis
    ? [args.msvc ? "/DSP_HAVE_STB_VORBIS" : "-DSP_HAVE_STB_VORBIS"]
    : [];
  const includes = [args.header.includeDir, ...(args.vorbis ? [args.vorbis.includeDir] : [])]
    .map((dir) => args.msvc ? `/I${dir}` : `-I${dir}`);
  const key = await sha256Hex(
    [
      args.header.sha256,
      await sha256Hex(args.unitSource),
      [...flags, ...vorbisFlags].join(" "),
      args.compilerVersion,
      args.vorbis?.sha256 ?? "no stb_vorbis",
    ].join("\n"),
  );
  const object = join(args.outDir, `miniaudio-${key.slice(0, 16)}.${args.msvc ? "obj" : "o"}`);
  if (await exists(object)) return object;

  const started = performance.now();
  if (!args.quiet) console.error("stemplay: compiling miniaudio (once, ~35 s)…");
  const temp = `${object}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const compileArgs = args.msvc
      ? [...flags, ...vorbisFlags, ...includes, "/c", args.unitPath, `/Fo:${temp}`]
      : [...flags, ...vorbisFlags, ...includes, "-c", args.unitPath, "-o", temp];
    await compile(args.compiler, compileArgs, "miniaudio");
    await Deno.rename(temp, object);
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
  if (!args.quiet) console.error(`stemplay: compiled miniaudio in ${seconds(started)} s`);
  return object;
}

/** The compiler's first line of `--version` (part of every cache key). */
async function compilerIdentity(compiler: string, msvc: boolean): Promise<string> {
  const result = await run(compiler, msvc ? [] : ["--version"], {
    missing: () => compilerMissing(compiler),
  });
  const output = msvc ? result.stderr : result.stdout;
  return `${compiler}: ${output.split("\n").find((line) => line.trim() !== "")?.trim() ?? ""}`;
}

function compilerMissing(compiler: string): StemplayError {
  return new StemplayError(
    "COMPILER_MISSING",
    `the C compiler "${compiler}" was not found; it is needed to build the stemplay native ` +
      `library. Install gcc or clang (Debian: apt-get install gcc), set CC to your compiler, or ` +
      `set STEMPLAY_LIB to a prebuilt library.`,
  );
}

async function compile(compiler: string, args: string[], what: string): Promise<void> {
  const result = await run(compiler, args, { missing: () => compilerMissing(compiler) });
  if (result.code !== 0) {
    const output = (result.stderr + result.stdout).trimEnd();
    throw new StemplayError(
      "COMPILE_FAILED",
      `compiling ${what} failed (${compiler} exit ${result.code}):\n` +
        `${compiler} ${args.join(" ")}\n${tail(output, 20)}`,
    );
  }
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
