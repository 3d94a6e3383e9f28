/**
 * Audio given by JS (`Player.addTrack`): one Float32Array per channel at the engine's rate,
 * checked, then packed channel after channel into C-owned planar float32.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { outPointer, unwrap } from "../native/native.ts";
import type { DecodedAudio } from "./audio.ts";

/** Planar PCM, checked and packed channel after channel. */
export interface PackedPlanar {
  data: Float32Array;
  channels: number;
  frames: number;
}

/** Checks the planar PCM given to addTrack and packs it for C. */
export function packPlanar(pcm: Float32Array[]): PackedPlanar {
  if (!Array.isArray(pcm) || pcm.length === 0 || pcm.length > 32) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      "addTrack needs an array of 1 to 32 Float32Arrays, one per channel",
    );
  }
  const frames = pcm[0]?.length ?? 0;
  pcm.forEach((channel, index) => {
    if (!(channel instanceof Float32Array)) {
      throw new StemplayError("INVALID_ARGUMENT", `channel ${index} is not a Float32Array`);
    }
    if (channel.length !== frames) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `channel ${index} has ${channel.length} frames, channel 0 has ${frames}`,
      );
    }
  });
  if (frames === 0) throw new StemplayError("EMPTY", "addTrack was given zero frames");
  const data = new Float32Array(frames * pcm.length);
  pcm.forEach((channel, index) => data.set(channel, index * frames));
  return { data, channels: pcm.length, frames };
}

/** Copies packed PCM into C-owned audio (the caller owns its pcm). */
export function planarAudio(
  native: Native,
  packed: PackedPlanar,
  sampleRate: number,
): DecodedAudio {
  const cell = new BigUint64Array(1);
  unwrap(
    native,
    native.sp_pcm_from_planar(packed.data, packed.channels, BigInt(packed.frames), cell),
    "add a track",
  );
  return {
    pcm: outPointer(cell),
    channels: packed.channels,
    frames: packed.frames,
    sourceRate: sampleRate,
    path: "",
  };
}
