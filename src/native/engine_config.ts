/**
 * The `sp_engine_config` struct of native/stemplay.h, laid out by hand for FFI: it starts from
 * the bytes `sp_engine_config_init()` returns (C's defaults), and the fields JS sets are written
 * at the offsets below, which a test checks against `sp_engine_config_layout()`.
 *
 * @module
 */

import type { Native } from "./native.ts";
import { toCString } from "./native.ts";

/** Byte offsets of sp_engine_config's fields (64-bit pointers), and its size. */
export const ENGINE_CONFIG_LAYOUT = {
  size: 48,
  backend: 0,
  deviceName: 8,
  deviceIndex: 16,
  sampleRate: 20,
  channels: 24,
  blockFrames: 28,
  trackCapacity: 32,
  timeoutMs: 36,
  foundSampleRate: 40,
  foundChannels: 44,
} as const;

/** What to open. Unset numbers keep C's defaults (0: the device's). */
export interface EngineConfigFields {
  backend: string;
  deviceName?: string;
  deviceIndex?: number;
  sampleRate?: number;
  channels?: number;
  blockFrames?: number;
  trackCapacity?: number;
  timeoutMs?: number;
}

/** One sp_engine_config in memory, with the strings it points at kept alive as long as it. */
export class EngineConfig {
  /** The struct's bytes, to pass as `sp_engine_config *`. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly #view: DataView;
  readonly #strings: Uint8Array[] = [];

  constructor(native: Native, fields: EngineConfigFields) {
    const initial = native.sp_engine_config_init() as Uint8Array;
    this.bytes = new Uint8Array(ENGINE_CONFIG_LAYOUT.size);
    this.bytes.set(initial.subarray(0, ENGINE_CONFIG_LAYOUT.size));
    this.#view = new DataView(this.bytes.buffer);
    const at = ENGINE_CONFIG_LAYOUT;
    this.#setString(at.backend, fields.backend);
    if (fields.deviceName !== undefined) this.#setString(at.deviceName, fields.deviceName);
    if (fields.deviceIndex !== undefined) {
      this.#view.setInt32(at.deviceIndex, fields.deviceIndex, true);
    }
    this.#setU32(at.sampleRate, fields.sampleRate);
    this.#setU32(at.channels, fields.channels);
    this.#setU32(at.blockFrames, fields.blockFrames);
    this.#setU32(at.trackCapacity, fields.trackCapacity);
    this.#setU32(at.timeoutMs, fields.timeoutMs);
  }

  /** What the device runs, as C wrote it back after an open (0 when no device was opened). */
  get found(): { sampleRate: number; channels: number } {
    return {
      sampleRate: this.#view.getUint32(ENGINE_CONFIG_LAYOUT.foundSampleRate, true),
      channels: this.#view.getUint32(ENGINE_CONFIG_LAYOUT.foundChannels, true),
    };
  }

  #setU32(offset: number, value: number | undefined): void {
    if (value !== undefined) this.#view.setUint32(offset, value, true);
  }

  #setString(offset: number, text: string): void {
    const bytes = toCString(text);
    this.#strings.push(bytes);
    const address = Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes));
    this.#view.setBigUint64(offset, BigInt(address), true);
  }
}

/** Says what a device refused with FORMAT runs, against what the engine needs. */
export function formatMismatch(
  found: { sampleRate: number; channels: number },
  wanted: { sampleRate: number; channels: number },
): string {
  const runs = `${found.channels} channels at ${found.sampleRate} Hz`;
  const needs = `${wanted.channels || "any number of"} channels at ${
    wanted.sampleRate ? `${wanted.sampleRate} Hz` : "any rate"
  }`;
  const own = `${found.channels} channels`;
  let how = `pick a device with that format, or open the player with the device's own ` +
    `(--channels ${found.channels}, or { channels: ${found.channels} } from code)`;
  if (wanted.channels > found.channels) {
    // The usual case: a stereo sound server sink in front of a multichannel interface.
    how += `. To get ${wanted.channels} channels: on PulseAudio or PipeWire, give the device ` +
      `a sink with that many (the card's ${wanted.channels}-channel profile, e.g. ` +
      `pactl set-card-profile <card> output:analog-surround-40, or a virtual one: pactl ` +
      `load-module module-null-sink channels=${wanted.channels}); or play through JACK ` +
      `(--backend jack), which opens the interface's own outputs`;
  } else if (wanted.channels && wanted.channels < found.channels) {
    how += `: the engine routes to any of the ${own}, so a rig profile over them needs no remix`;
  }
  return `the device runs ${runs}, the engine needs ${needs}; nothing is remixed or resampled ` +
    `behind your back: ${how}`;
}
