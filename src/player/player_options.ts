/**
 * How to open a player (`Player.open(options)`), and the checks every option passes before
 * any engine exists: a wrong value is refused with the option's name, and nothing is opened.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { checkInteger } from "../util/check_integer.ts";
import { type IntegerOptionName, PLAYER_INTEGER_OPTIONS } from "./option_ranges.ts";

export { checkInteger } from "../util/check_integer.ts";
import { type LibraryVariant, loadNative } from "../native/native.ts";
import { Engine } from "../engine/engine.ts";
import { findDevice } from "../engine/devices.ts";
import { RECOVERY_MODES, type RecoveryMode } from "../engine/device_recovery.ts";
import { StreamedTracks, type StreamingOptions, streamingSettings } from "../sources/streaming.ts";
import { setReaders } from "../sources/reader_pool.ts";
import { type LatencyProfile, profileBlockFrames } from "../engine/profiles.ts";
import type { LtcOptions } from "../show/timecode.ts";
import type { SpokenCueOptions } from "../show/spoken_cue_options.ts";
import { type BusProfile, checkBusProfile } from "../engine/buses.ts";
import type { StretchEngine } from "../model/key_tempo.ts";
import { checkKeyTempoOptions, type KeyTempoOptions } from "./key_tempo_options.ts";

/** How to open a player. Every field is optional. */
export interface PlayerOptions {
  /** "auto" (default), "null", "offline", "pulseaudio", "alsa", "jack", or another
   * miniaudio backend by name. "offline" has no device: drive it with `render()`. */
  backend?: string;
  /** A device index from `listDevices()`, or a substring of its name. Default: the
   * backend's default device. */
  device?: number | string;
  /** Frames per second. Default: the device's (offline: 48000). */
  sampleRate?: number;
  /** Output channels. Default: the device's, at least 2 (offline: 2). */
  channels?: number;
  /** Frames per callback. Default: the profile's, else 2048. */
  blockFrames?: number;
  /** A latency profile: "low-latency" (256 frames), "balanced" (1024) or "safe" (2048).
   * An explicit `blockFrames` wins. */
  profile?: LatencyProfile;
  /** Tracks the engine can hold, preallocated. Default: 128. */
  trackCapacity?: number;
  /** What to do when a lost device comes back by itself (it is retried with backoff until
   * `close()`): "in-time" (default) resumes where the song would be by now, "where-lost" where
   * it stopped, "paused" stays paused there. See docs/device_loss.md. */
  recovery?: RecoveryMode;
  /** Start with the latency monitor on. Default: off. */
  latencyMonitor?: boolean;
  /** Which build of the native library (tests and benchmarks only). */
  library?: LibraryVariant;
  /** How file tracks reach the engine: streamed from disk by the reader thread (`true`, or
   * `{ lookAheadSeconds, headSeconds }`, defaults 2 s and 1 s per track, 0.5 s heads at
   * another key or tempo), or decoded whole at load (`false`). See src/sources/streaming.ts and
   * docs/formats.md, "Streaming". Default: streamed. */
  streaming?: StreamingOptions | boolean;
  /** The rig profile: bus names to outputs, e.g. `{ "FOH": { outputs: [1, 2] }, "in-ears":
   * { outputs: [3, 4], protected: true } }` (that is the default). See src/engine/buses.ts. */
  buses?: BusProfile;
  /** SMPTE linear timecode out: every song loaded gets a generated timecode track on this
   * output (see docs/timecode.md). Default: none. */
  ltc?: LtcOptions;
  /** Spoken section cues for every song loaded (each song's `spokenCues` wins key by key; see
   * docs/spoken_cues.md). Default: only songs whose song.json asks. */
  spokenCues?: SpokenCueOptions;
  /** How the player changes key and tempo: `{ engine: "finer" | "faster" }`, Rubber Band's R3
   * (default) or R2 for weak machines (see docs/key_tempo.md, "Engines"). */
  keyTempo?: KeyTempoOptions;
}

/** What to open, checked. Numbers are 0 where the device's (or C's) default applies. */
export interface CheckedPlayerOptions {
  backend: string;
  sampleRate: number;
  channels: number;
  blockFrames: number;
  trackCapacity: number;
  /** The rig profile; undefined: the default one for the engine's channels. */
  buses?: BusProfile;
  recovery: RecoveryMode;
  /** The Rubber Band engine every stretch uses. */
  stretchEngine: StretchEngine;
}

/** An integer option of `Player.open()`, checked against the one table (option_ranges.ts). */
function checkOption(name: IntegerOptionName, value: unknown): number {
  const { min, max } = PLAYER_INTEGER_OPTIONS[name];
  return checkInteger(name, value, min, max);
}

/** Checks the options of `Player.open()` (streaming and the rig profile included), before
 * any engine exists. */
export function checkPlayerOptions(options: PlayerOptions): CheckedPlayerOptions {
  const backend = options.backend ?? "auto";
  if (typeof backend !== "string" || backend === "") {
    throw new StemplayError("INVALID_ARGUMENT", `backend must be a name, got ${backend}`);
  }
  const sampleRate = options.sampleRate === undefined
    ? 0
    : checkOption("sampleRate", options.sampleRate);
  const channels = options.channels === undefined ? 0 : checkOption("channels", options.channels);
  const blockFrames = options.blockFrames === undefined
    ? (options.profile === undefined ? 0 : profileBlockFrames(options.profile))
    : checkOption("blockFrames", options.blockFrames);
  const trackCapacity = options.trackCapacity === undefined
    ? 0
    : checkOption("trackCapacity", options.trackCapacity);
  const buses = options.buses === undefined ? undefined : checkBusProfile(options.buses);
  const recovery = options.recovery ?? "in-time";
  if (!RECOVERY_MODES.includes(recovery)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `recovery must be one of ${RECOVERY_MODES.join(", ")}, got ${recovery}`,
    );
  }
  streamingSettings(options.streaming, 48000); // throws before any engine exists
  const stretchEngine = checkKeyTempoOptions(options.keyTempo);
  return {
    backend,
    sampleRate,
    channels,
    blockFrames,
    trackCapacity,
    buses,
    recovery,
    stretchEngine,
  };
}

/** Opens the engine `options` describe (checked first: a wrong option opens nothing), with its
 * rig profile and streaming set up; returns it with the recovery mode. */
export async function openEngine(
  options: PlayerOptions,
): Promise<{ engine: Engine; recovery: RecoveryMode }> {
  const { backend, buses, recovery, stretchEngine, ...sizes } = checkPlayerOptions(options);
  const native = await loadNative(options.library);
  const deviceIndex = options.device === undefined || backend === "offline"
    ? -1
    : await findDevice(native, backend, options.device);
  const engine = await Engine.open(native, { backend, deviceIndex, ...sizes });
  if (buses) engine.useBuses(buses);
  engine.stretchEngine = stretchEngine;
  const streaming = streamingSettings(options.streaming, engine.sampleRate);
  if (streaming) {
    setReaders(native, engine.pointer, streaming.readers);
    engine.streams = new StreamedTracks(native, streaming);
  }
  return { engine, recovery };
}
