/**
 * What a decoded (or streamed) file is, as the loaders hand it on: its C buffers and where it
 * came from. Types only, so that decoding and streaming can both name them.
 *
 * @module
 */

/** Where a track's audio came from, as `track.source` shows it. */
export interface TrackSource {
  /** The file. */
  path: string;
  /** The file's format: the container ("WAV", "RF64", "AIFF", "AIFF-C", "FLAC", "MP3",
   * "Ogg Vorbis"), and for files ffmpeg decodes the codec too ("MP4/M4A (alac)"). */
  format: string;
  /** The file's own sample rate in Hz. */
  sampleRate: number;
  /** The file's channel count. */
  channels: number;
  /** True when the file's rate differs from the engine's, so it was resampled at load. */
  converted: boolean;
  /** Which decoder read it: the native one in the C shim, or the optional ffmpeg. */
  decoder: "native" | "ffmpeg";
}

/** Decoded audio, owned by C until attached to an engine or freed. */
export interface DecodedAudio {
  /** Resident audio (null for a streamed file). */
  pcm: Deno.PointerValue;
  /** A streamed file (sp_file_source), read ahead of the playhead by the engine's reader. */
  stream?: Deno.PointerValue;
  channels: number;
  frames: number;
  sourceRate: number;
  path: string;
  /** What the file was (absent for audio made in memory). */
  source?: TrackSource;
}
