/**
 * Finds stb_vorbis.c for the build, so that miniaudio decodes Ogg Vorbis natively.
 *
 * Like miniaudio.h it is never committed. In this order:
 *
 * 1. `$STB_VORBIS_C`: a user's own copy (no hash check, a warning when it is not the pinned
 *    version), or `off` to build without it;
 * 2. `<outDir>/stb_vorbis.c` when its SHA-256 matches native/miniaudio/stb_vorbis.pin.json;
 * 3. `npm pack` of the pinned package into a temporary folder, that one file extracted with
 *    tar, verified and cached (a hash mismatch is a hard error: the registry served something
 *    else);
 * 4. Debian's libstb-dev (`/usr/include/stb/stb_vorbis.h`, the same bytes under another name)
 *    when its hash matches the pin.
 *
 * When none is at hand the build goes on without it and says so: Ogg Vorbis files then go
 * through the optional decoder (ffmpeg), like M4A and Opus, never silently nowhere.
 *
 * @module
 */

import { StemplayError } from "../src/errors.ts";
import { join } from "node:path";
import { npmPackFile, optionalEnv, sha256Hex, writeAtomic } from "./build_io.ts";

/** The pin of stb_vorbis.c, relative to native/. */
export const STB_VORBIS_PIN = "miniaudio/stb_vorbis.pin.json";

/** The pin in native/miniaudio/stb_vorbis.pin.json. */
export interface StbVorbisPin {
  version: string;
  sha256: string;
  bytes: number;
  npmPackage: string;
  pathInPackage: string;
  /** Where Debian's libstb-dev installs the same file. */
  debianPath: string;
}

/** The stb_vorbis.c a build compiles in. */
export interface StbVorbisSource {
  /** The folder to pass with -I (it holds a file named stb_vorbis.c). */
  includeDir: string;
  /** SHA-256 of the file (part of the miniaudio object's cache key). */
  sha256: string;
  /** Where it came from. */
  source: "STB_VORBIS_C" | "cache" | "npm" | "debian";
}

/** Reads and checks the pin's text. */
export function parseStbVorbisPin(text: string, where: string): StbVorbisPin {
  const pin = JSON.parse(text) as StbVorbisPin;
  for (const field of ["version", "sha256", "npmPackage", "pathInPackage", "debianPath"] as const) {
    if (typeof pin[field] !== "string" || pin[field] === "") {
      throw new StemplayError("BAD_PIN", `${where} has no "${field}"`);
    }
  }
  return pin;
}

/** The `// Ogg Vorbis audio decoder - v1.22` version from the file's first line. */
export function stbVorbisVersionOf(text: string): string | undefined {
  return /Ogg Vorbis audio decoder - v(\d+\.\d+)/.exec(text.slice(0, 200))?.[1];
}

/**
 * Finds, verifies and caches stb_vorbis.c (see the module's notes for the order), or returns
 * null when the build must go without it. Warnings go to stderr unless `quiet`.
 */
export async function ensureStbVorbis(
  outDir: string,
  pin: StbVorbisPin,
  options: { quiet?: boolean; path?: string } = {},
): Promise<StbVorbisSource | null> {
  const warn = (text: string) => {
    if (!options.quiet) console.error(`stemplay: ${text}`);
  };
  const user = options.path ?? optionalEnv("STB_VORBIS_C");
  if (user?.toLowerCase() === "off") return null;
  if (user) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(user);
    } catch (cause) {
      throw new StemplayError(
        "STB_VORBIS_C",
        `cannot read STB_VORBIS_C=${user}: ${cause}. Point it at a copy of stb_vorbis.c, or set ` +
          `STB_VORBIS_C=off to build without it (Ogg Vorbis then needs ffmpeg).`,
        { cause, path: user },
      );
    }
    const version = stbVorbisVersionOf(new TextDecoder().decode(bytes.subarray(0, 200)));
    if (version !== pin.version) {
      warn(
        `warning: STB_VORBIS_C=${user} is stb_vorbis ${version ?? "(unknown)"}, stemplay is ` +
          `tested with ${pin.version}`,
      );
    }
    return await cacheUnder(outDir, bytes, "STB_VORBIS_C");
  }

  const cached = join(outDir, "stb_vorbis.c");
  const cachedBytes = await Deno.readFile(cached).catch(() => undefined);
  if (cachedBytes && (await sha256Hex(cachedBytes)) === pin.sha256) {
    return { includeDir: outDir, sha256: pin.sha256, source: "cache" };
  }

  warn(`fetching stb_vorbis ${pin.version} with npm pack ${pin.npmPackage}…`);
  const fetched = await fromNpm(pin, warn);
  if (fetched) {
    await writeAtomic(cached, fetched.bytes);
    return { includeDir: outDir, sha256: fetched.sha256, source: "npm" };
  }

  const debian = await Deno.readFile(pin.debianPath).catch(() => undefined);
  if (debian) {
    const sha256 = await sha256Hex(debian);
    if (sha256 === pin.sha256) {
      await writeAtomic(cached, debian);
      return { includeDir: outDir, sha256, source: "debian" };
    }
    warn(
      `warning: ${pin.debianPath} is not the pinned stb_vorbis ${pin.version} ` +
        `(SHA-256 ${sha256}); not using it`,
    );
  }
  warn(
    `building without stb_vorbis: Ogg Vorbis files will play through ffmpeg (the optional ` +
      `decoder). To decode them natively, make npm work, install libstb-dev, or set ` +
      `STB_VORBIS_C to a copy of stb_vorbis.c ${pin.version}.`,
  );
  return null;
}

/** The pinned file from `npm pack`, verified; undefined (with a warning) when npm, tar or the
 * registry is not available. A file that is not the pinned one is a hard error. */
async function fromNpm(
  pin: StbVorbisPin,
  warn: (text: string) => void,
): Promise<{ bytes: Uint8Array; sha256: string } | undefined> {
  try {
    return await npmPackFile(
      pin,
      "stb_vorbis.c",
      `set STB_VORBIS_C to a verified copy of stb_vorbis ${pin.version}, or STB_VORBIS_C=off ` +
        `to build without it`,
    );
  } catch (error) {
    if (!(error instanceof StemplayError) || error.code === "HASH_MISMATCH") throw error;
    warn(`${error.message}\nlooking for stb_vorbis.c elsewhere`);
    return undefined;
  }
}

/** A user's copy goes under its own hash, as stb_vorbis.c (the name miniaudio.c includes). */
async function cacheUnder(
  outDir: string,
  bytes: Uint8Array,
  source: StbVorbisSource["source"],
): Promise<StbVorbisSource> {
  const sha256 = await sha256Hex(bytes);
  const includeDir = join(outDir, "stb_vorbis-user", sha256.slice(0, 16));
  await writeAtomic(join(includeDir, "stb_vorbis.c"), bytes);
  return { includeDir, sha256, source };
}
