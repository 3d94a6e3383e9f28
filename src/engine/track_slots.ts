/**
 * The engine's track table, from the control side: decoded audio is attached to a slot of a
 * group, placed on its bus and published; a track dropped is deactivated, and its slot (and
 * memory) released only once the block that may still read it is done. The audio thread never
 * frees.
 *
 * @module
 */

import { unwrap } from "../native/native.ts";
import { RESULT } from "../native/native_constants.ts";
import { waitForAudio } from "./audio_wait.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import { decodeFile, type ProgressCallback } from "../sources/decode.ts";
import { packPlanar, planarAudio } from "../sources/planar.ts";
import { freeAudio } from "../sources/streaming.ts";
import { routeMatrix } from "./routing.ts";
import type { Engine } from "./engine.ts";
import { initialGain, Track, type TrackOptions, type TrackOwner } from "./track.ts";

/** Where a track added by hand goes: the current song's group and tracks (the song deck). */
export interface TrackGroup {
  readonly group: number;
  add(track: Track): void;
}

/** Attaches tracks to the engine's slots and frees them. */
export class TrackSlots {
  #engine: Engine;
  #owner: TrackOwner;
  /** Bytes of PCM each track holds (sp_pcm_info), for memoryBytes. */
  #trackBytes = new WeakMap<Track, number>();

  /** @param owner what the tracks made here are removed through */
  constructor(engine: Engine, owner: TrackOwner) {
    this.#engine = engine;
    this.#owner = owner;
  }

  /** Decodes a file on a loading thread (resampled to the engine's rate) and adds it to
   * `into` (see `Player.load`). */
  async load(
    path: string,
    options: TrackOptions & { onProgress?: ProgressCallback },
    into: TrackGroup,
  ): Promise<Track> {
    const engine = this.#engine;
    engine.assertOpen("load a file");
    initialGain(options); // what can be checked before any audio is touched
    const ringFrames = engine.streams?.settings.ringFrames;
    const decoded = await decodeFile(
      engine.native,
      path,
      engine.sampleRate,
      options.onProgress,
      ringFrames,
    );
    try {
      engine.assertOpen("load a file");
      return this.#addTo(into, decoded, options);
    } catch (error) {
      freeAudio(engine.native, decoded);
      throw error;
    }
  }

  /** Adds a track from planar PCM at the engine's rate to `into` (see `Player.addTrack`). */
  addPlanar(pcm: Float32Array[], options: TrackOptions, into: TrackGroup): Track {
    const engine = this.#engine;
    engine.assertOpen("add a track");
    const packed = packPlanar(pcm);
    initialGain(options);
    routeMatrix(packed.channels, engine.channels, options);
    const decoded = planarAudio(engine.native, packed, engine.sampleRate);
    try {
      return this.#addTo(into, decoded, options);
    } catch (error) {
      engine.native.sp_pcm_free(decoded.pcm);
      throw error;
    }
  }

  #addTo(into: TrackGroup, decoded: DecodedAudio, options: TrackOptions): Track {
    const track = this.create(decoded, options, into.group);
    into.add(track);
    return track;
  }

  /** Attaches and publishes a track without making it part of the current song. On failure
   * the caller still owns the pcm. */
  create(decoded: DecodedAudio, options: TrackOptions, group: number): Track {
    const engine = this.#engine;
    // A decoded track's bytes (sp_pcm_info: frames, channels, bytes); a streamed one's are its
    // ring and heads (StreamedTracks.bytes).
    const info = new BigUint64Array(3);
    if (!decoded.stream) engine.native.sp_pcm_info(decoded.pcm, info);
    const placed = engine.buses.place(options, decoded.channels);
    options = placed.options;
    routeMatrix(decoded.channels, engine.channels, options); // throws before anything changes
    const slotCell = new Uint32Array(1);
    const attached = decoded.stream
      ? engine.native.sp_track_attach_file(engine.pointer, decoded.stream, group, slotCell)
      : engine.native.sp_track_attach(engine.pointer, decoded.pcm, group, slotCell);
    if (attached !== 0) {
      const detail = attached === RESULT.CAPACITY
        ? `all ${engine.trackCapacity} slots are in use (open the player with a larger trackCapacity)`
        : undefined;
      unwrap(engine.native, attached, "add a track", { path: decoded.path || undefined, detail });
    }
    const slot = slotCell[0];
    const name = options.name ?? (decoded.path ? baseName(decoded.path) : `track ${slot + 1}`);
    let track: Track;
    try {
      track = new Track(engine, this.#owner, slot, { ...decoded, name }, options);
      unwrap(
        engine.native,
        engine.native.sp_track_set_protected(engine.pointer, slot, placed.bus?.protected ? 1 : 0),
        "protect a track",
      );
      unwrap(
        engine.native,
        engine.native.sp_track_activate(engine.pointer, slot),
        "activate a track",
      );
    } catch (error) {
      // The engine owns the audio now: retire the slot, which frees it (the caller must not).
      engine.native.sp_track_deactivate(engine.pointer, slot);
      engine.native.sp_track_release(engine.pointer, slot);
      decoded.pcm = null;
      decoded.stream = null;
      throw error;
    }
    if (decoded.stream) engine.streams?.add(track, decoded.stream, group, decoded.path);
    else this.#trackBytes.set(track, Number(info[2]));
    return track;
  }

  /** Bytes of audio a track holds: a decoded track its planar float32, a streamed one its
   * ring and heads. */
  bytes(track: Track): number {
    return this.#engine.streams?.bytes(track) ?? this.#trackBytes.get(track) ?? 0;
  }

  /** Bytes of audio `tracks` hold, and a loaded setlist's resident song starts. */
  memoryBytes(tracks: readonly Track[]): number {
    return tracks.reduce(
      (sum, track) => sum + this.bytes(track),
      this.#engine.streams?.setlistHeads?.bytes ?? 0,
    );
  }

  /** Removes a track that is not (or no longer) in the current song's tracks.
   * @throws {StemplayError} "TIMEOUT" when the command ring stays full for 2 s (the callback
   *   does not run); the slot is then freed with the engine */
  async drop(track: Track): Promise<void> {
    const engine = this.#engine;
    track.markRemoved();
    engine.streams?.drop(track, !engine.closed);
    if (engine.closed) return; // close() freed it with the engine
    // BUSY: the command ring is full (the callback has not run for a while); wait for it.
    // Gone device: the callback may never move again; destroy frees the slot.
    const gaveUp = () => engine.closed || engine.deviceDown;
    const deactivated = await waitForAudio(
      "remove a track",
      () =>
        !engine.closed &&
        engine.native.sp_track_deactivate(engine.pointer, track.slot) !== RESULT.BUSY,
      gaveUp,
    );
    if (!deactivated) return;
    await waitForAudio(
      "remove a track",
      () =>
        !engine.closed &&
        engine.native.sp_track_release(engine.pointer, track.slot) !== RESULT.BUSY,
      gaveUp,
    );
  }
}

function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path;
  const dot = file.lastIndexOf(".");
  return dot > 0 ? file.slice(0, dot) : file;
}
