/**
 * Latency profiles: named block sizes, trading latency against safety from dropouts.
 *
 * @module
 */

import { StemplayError, type StemplayErrorCode } from "../errors.ts";

/** The name of a latency profile. */
export type LatencyProfile = "low-latency" | "balanced" | "safe";

/** What a profile sets. */
export interface ProfileSettings {
  /** Frames per callback block. */
  blockFrames: number;
  /** When to choose it. */
  description: string;
}

/** The profiles. At 48 kHz a block lasts blockFrames / 48 ms. */
export const PROFILES: Readonly<Record<LatencyProfile, Readonly<ProfileSettings>>> = Object
  .freeze({
    "low-latency": {
      blockFrames: 256,
      description: "5.3 ms blocks at 48 kHz: for live input monitoring on a quiet machine",
    },
    "balanced": {
      blockFrames: 1024,
      description: "21.3 ms blocks at 48 kHz: playback to a click, with headroom",
    },
    "safe": {
      blockFrames: 2048,
      description: "42.7 ms blocks at 48 kHz: a busy or weak machine; the default block size",
    },
  });

/** The profile names, in order of increasing block size. */
export const PROFILE_NAMES: readonly LatencyProfile[] = ["low-latency", "balanced", "safe"];

/** True when `name` is one of {@link PROFILE_NAMES}. */
export function isLatencyProfile(name: unknown): name is LatencyProfile {
  return typeof name === "string" && (PROFILE_NAMES as readonly string[]).includes(name);
}

/**
 * The block size of a profile.
 *
 * @param name a profile name
 * @param code the StemplayError code to throw with ("INVALID_ARGUMENT" by default)
 * @throws StemplayError naming the unknown profile and the known ones
 */
export function profileBlockFrames(
  name: unknown,
  code: StemplayErrorCode = "INVALID_ARGUMENT",
): number {
  if (!isLatencyProfile(name)) {
    throw new StemplayError(code, `unknown latency profile ${describe(name)} ${knownProfiles()}`);
  }
  return PROFILES[name].blockFrames;
}

/** "(expected one of ...)", for messages. */
export function knownProfiles(): string {
  return `(expected one of ${PROFILE_NAMES.map((name) => `"${name}"`).join(", ")})`;
}

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}
