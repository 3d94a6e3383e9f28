/**
 * The engine's track table, from the control side: decoded audio is attached to a slot of a
 * group, placed on its bus and published; a track dropped is deactivated, and its slot (and
 * memory) released only once the block that may still read it is done. The audio thread never
 * frees.
 *
 * @module
 */

import type { Native } from "../native/native.ts";
import { unwrap } from "../native/native.ts";
import { RESULT } from "../native/native_constants.ts";
import { waitForAudio } from "./audio_wait.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import type { StreamedTracks } from "../sources/streaming.ts";
import { routeMatrix } from "./routing.ts";
import type { Buses } from "./buses.ts";
import { Track, type TrackHost, type TrackOptions } from "./track.ts";

/** What the track table needs from the player. */
export interface TrackSlotsHost {
  readonly native: Native;
  readonly engine: Deno.PointerValue;
  readonly channels: number;
  readonly trackCapacity: number;
  /** The rig profile's buses, which place each track. */
  readonly buses: Buses;
  /** Set when file tracks stream. */
  readonly streams: StreamedTracks | undefined;
  /** close() has begun: the engine frees every slot with itself. */
  readonly closed: boolean;
  /** The device is lost or changes hands: the callback may never move again. */
  readonly deviceDown: boolean;
  /** The player the tracks belong to. */
  readonly owner: TrackHost;
}

/** Attaches tracks to the engine's slots and frees them. */
export class TrackSlots {
  #host: TrackSlotsHost;
  /** Bytes of PCM each track holds (sp_pcm_info), for memoryBytes. */
  #trackBytes = new WeakMap<Track, number>();

  constructor(host: TrackSlotsHost) {
    this.#host = host;
  }

  /** Attaches and publishes a track without making it part of the current song. On failure
   * the caller still owns the pcm. */
  create(decoded: DecodedAudio, options: TrackOptions, group: number): Track {
    const host = this.#host;
    // A decoded track's bytes (sp_pcm_info: frames, channels, bytes); a streamed one's are its
    // ring and heads (StreamedTracks.bytes).
    const info = new BigUint64Array(3);
    if (!decoded.stream) host.native.sp_pcm_info(decoded.pcm, info);
    const placed = host.buses.place(options, decoded.channels);
    options = placed.options;
    routeMatrix(decoded.channels, host.channels, options); // throws before anything changes
    const slotCell = new Uint32Array(1);
    const attached = decoded.stream
      ? host.native.sp_track_attach_file(host.engine, decoded.stream, group, slotCell)
      : host.native.sp_track_attach(host.engine, decoded.pcm, group, slotCell);
    if (attached !== 0) {
      const detail = attached === RESULT.CAPACITY
        ? `all ${host.trackCapacity} slots are in use (open the player with a larger trackCapacity)`
        : undefined;
      unwrap(host.native, attached, "add a track", { path: decoded.path || undefined, detail });
    }
    const slot = slotCell[0];
    const name = options.name ?? (decoded.path ? baseName(decoded.path) : `track ${slot + 1}`);
    let track: Track;
    try {
      track = new Track(host.owner, slot, { ...decoded, name }, options);
      unwrap(
        host.native,
        host.native.sp_track_set_protected(host.engine, slot, placed.bus?.protected ? 1 : 0),
        "protect a track",
      );
      unwrap(host.native, host.native.sp_track_activate(host.engine, slot), "activate a track");
    } catch (error) {
      // The engine owns the audio now: retire the slot, which frees it (the caller must not).
      host.native.sp_track_deactivate(host.engine, slot);
      host.native.sp_track_release(host.engine, slot);
      decoded.pcm = null;
      decoded.stream = null;
      throw error;
    }
    if (decoded.stream) host.streams?.add(track, decoded.stream, group, decoded.path);
    else this.#trackBytes.set(track, Number(info[2]));
    return track;
  }

  /** Bytes of audio a track holds: a decoded track its planar float32, a streamed one its
   * ring and heads. */
  bytes(track: Track): number {
    return this.#host.streams?.bytes(track) ?? this.#trackBytes.get(track) ?? 0;
  }

  /** Removes a track that is not (or no longer) in the current song's tracks.
   * @throws {StemplayError} "TIMEOUT" when the command ring stays full for 2 s (the callback
   *   does not run); the slot is then freed with the engine */
  async drop(track: Track): Promise<void> {
    const host = this.#host;
    track.markRemoved();
    host.streams?.drop(track, !host.closed);
    if (host.closed) return; // close() freed it with the engine
    // BUSY: the command ring is full (the callback has not run for a while); wait for it.
    // Gone device: the callback may never move again; destroy frees the slot.
    const gaveUp = () => host.closed || host.deviceDown;
    const deactivated = await waitForAudio(
      "remove a track",
      () =>
        !host.closed && host.native.sp_track_deactivate(host.engine, track.slot) !== RESULT.BUSY,
      gaveUp,
    );
    if (!deactivated) return;
    await waitForAudio(
      "remove a track",
      () => !host.closed && host.native.sp_track_release(host.engine, track.slot) !== RESULT.BUSY,
      gaveUp,
    );
  }
}

function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path;
  const dot = file.lastIndexOf(".");
  return dot > 0 ? file.slice(0, dot) : file;
}
