/**
 * Compiling the shim: the flags of each part, miniaudio's implementation unit into its own
 * object (cached by a key of the header hash, the flags and the compiler: it takes about half a
 * minute), and the shim's files in parallel, linked with it into the library.
 *
 * @module
 */

import { basename, join } from "node:path";
import { StemplayError } from "../src/errors.ts";
import type { StbVorbisSource } from "./stb_vorbis.ts";
import type { MiniaudioHeader } from "./build_fetch.ts";
import { exists, guardAsync, mapLimit, run, seconds, sha256Hex, tail } from "./build_io.ts";

/** Which build of the library: plain, with test hooks, or without the latency monitor. */
export type Variant = "default" | "test" | "nomonitor";

/** The variants and the defines each adds. */
export const VARIANT_DEFINES: Readonly<Record<Variant, readonly string[]>> = {
  default: [],
  test: ["-DSP_TEST_HOOKS"],
  nomonitor: ["-DSP_NO_MONITOR"],
};

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

/** What {@link compileShim} needs: the shim's files and flags, and where the library goes. */
export interface ShimCompile {
  compiler: string;
  msvc: boolean;
  variant: Variant;
  /** The shim's flags: SHIM_FLAGS, then the variant's. */
  shimFlags: readonly string[];
  /** The variant's defines and extra flags (also passed at link time). */
  variantFlags: readonly string[];
  /** Include folders: the shim's sources, then miniaudio.h's. */
  includes: readonly string[];
  /** The shim's .c files, as paths. */
  cSources: string[];
  /** Where the library goes; written to a temporary name first, then renamed. */
  libraryPath: string;
  /** The folder of the library (objects are compiled in a temporary folder there). */
  libDir: string;
  /** Compiles (or finds) miniaudio's object; called after the shim's own files compiled, so a
   * mistake in them shows in a second, not after miniaudio's half minute. */
  miniaudioObject: () => Promise<string>;
}

/** Compiles the shim's files and links them with miniaudio's object into `libraryPath`,
 * atomically: a concurrent build or a process with the old library open is never disturbed. */
export async function compileShim(job: ShimCompile): Promise<void> {
  const { compiler, msvc, variant, shimFlags, variantFlags, includes, cSources } = job;
  const os = Deno.build.os;
  const temp = `${job.libraryPath}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await guardAsync(
    "--allow-write",
    `create ${job.libDir}`,
    () => Deno.mkdir(job.libDir, { recursive: true }),
    job.libDir,
  );
  const objDir = await Deno.makeTempDir({ dir: job.libDir, prefix: `obj-${variant}-` });
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
        await job.miniaudioObject(),
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
          await job.miniaudioObject(),
          ...platformLibs,
        ],
        basename(job.libraryPath),
      );
    }
    await Deno.rename(temp, job.libraryPath);
  } finally {
    await Deno.remove(temp).catch(() => {});
    await Deno.remove(objDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Compiles miniaudio's implementation unit into `<outDir>/miniaudio-<key>.o(bj)` unless it is
 * there already. The key covers the header hash, the unit, the flags and the compiler.
 */
export async function buildMiniaudioObject(args: {
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
export async function compilerIdentity(compiler: string, msvc: boolean): Promise<string> {
  const result = await run(compiler, msvc ? [] : ["--version"], {
    missing: () => compilerMissing(compiler),
  });
  const output = msvc ? result.stderr : result.stdout;
  return `${compiler}: ${output.split("\n").find((line) => line.trim() !== "")?.trim() ?? ""}`;
}

/** The error for a compiler that is not installed, naming how to get one. */
function compilerMissing(compiler: string): StemplayError {
  return new StemplayError(
    "COMPILER_MISSING",
    `the C compiler "${compiler}" was not found; it is needed to build the stemplay native ` +
      `library. Install gcc or clang (Debian: apt-get install gcc), set CC to your compiler, or ` +
      `set STEMPLAY_LIB to a prebuilt library.`,
  );
}

/** Runs the compiler; a failure throws "COMPILE_FAILED" with the command and its output's tail. */
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
