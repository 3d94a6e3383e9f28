/**
 * The one error type of stemplay.
 *
 * @module
 */

/**
 * Every code a {@link StemplayError} can carry, each listed once. The codes are stable: a new
 * kind of failure gets a new code, and a code's meaning does not change.
 *
 * The first group mirrors the C shim's `sp_result` (native/stemplay.h, SP_ERROR_*): a failed
 * native call throws with the code of its result.
 */
export type StemplayErrorCode =
  // ---- from the C shim (sp_result) ----
  /** An argument out of range or of the wrong shape (also checked in TypeScript first). */
  | "INVALID_ARGUMENT"
  /** The C side could not allocate memory. */
  | "OUT_OF_MEMORY"
  /** The audio backend asked for is unknown or not available here. */
  | "NO_BACKEND"
  /** The audio device could not be opened or started. */
  | "DEVICE"
  /** No device by that number or name. */
  | "NO_SUCH_DEVICE"
  /** A file (audio, settings, MIDI map) could not be opened, read or written. */
  | "FILE"
  /** Not a supported or valid audio file. */
  | "DECODE"
  /** The file holds less audio than its header says. */
  | "TRUNCATED"
  /** An unsupported format: a 0 or absurd rate, too many channels, or the device's format
   * is not the one asked for. */
  | "FORMAT"
  /** The track table is full. */
  | "CAPACITY"
  /** No such track slot, or the slot is in the wrong state. */
  | "SLOT"
  /** Rendering offline asked of an engine that has a device. */
  | "NOT_OFFLINE"
  /** Busy: try again later (a slot still in use, a song still loading, the action queue full,
   * a client name taken). */
  | "BUSY"
  /** The file, or the render, has no audio frames. */
  | "EMPTY"
  /** Not built into this library (test hooks, the monitor, MIDI off Linux), or not yet (a key
   * or tempo change while playing). */
  | "UNSUPPORTED"
  /** Something did not answer in time (the audio server, the audio thread). */
  | "TIMEOUT"
  /** A format only the optional decoder (ffmpeg) reads, and it is not available. */
  | "FORMAT_UNAVAILABLE"
  /** An sp_result this version does not know (the library is newer than its TypeScript). */
  | `NATIVE_${number}`
  // ---- building and loading the library (ffi/) ----
  /** The loaded library's ABI version is not the one ffi/symbols.ts was written for. */
  | "ABI_MISMATCH"
  /** A pin file (native/miniaudio/*.pin.json) is malformed. */
  | "BAD_PIN"
  /** An unknown library variant was asked for. */
  | "BAD_VARIANT"
  /** No C compiler was found. */
  | "COMPILER_MISSING"
  /** The C compiler failed. */
  | "COMPILE_FAILED"
  /** `tar` could not extract the pinned file from the npm package. */
  | "EXTRACT_FAILED"
  /** A native source file could not be fetched from its URL. */
  | "FETCH_FAILED"
  /** A fetched or cached file is not the pinned one (its SHA-256 differs). */
  | "HASH_MISMATCH"
  /** The built library could not be loaded (dlopen failed). */
  | "LOAD_FAILED"
  /** No cache folder for the build (no STEMPLAY_CACHE, XDG_CACHE_HOME or HOME). */
  | "NO_CACHE_DIR"
  /** No C sources where the shim should be. */
  | "NO_SOURCES"
  /** `npm pack` of a pinned package failed. */
  | "NPM_FAILED"
  /** npm was not found, and it is needed to fetch a pinned file. */
  | "NPM_MISSING"
  /** Deno lacks a permission (the message names the flag), or the OS denied access. */
  | "PERMISSION"
  /** `tar` was not found, and it is needed to unpack a pinned file. */
  | "TAR_MISSING"
  /** The miniaudio.h named by $MINIAUDIO_H cannot be read. */
  | "MINIAUDIO_H"
  /** The stb_vorbis.c named by $STB_VORBIS_C cannot be read. */
  | "STB_VORBIS_C"
  // ---- files, songs, setlists and settings ----
  /** No such file or song. */
  | "FILE_NOT_FOUND"
  /** A folder was given where an audio file was expected. */
  | "IS_DIRECTORY"
  /** Neither a song folder nor a .json manifest. */
  | "NOT_A_SONG"
  /** A song manifest (song.json) is invalid; the message names the key path of every problem,
   * and `problems` lists them. */
  | "MANIFEST"
  /** A file that would be overwritten exists (`stemplay init` without --force). */
  | "FILE_EXISTS"
  /** A save was based on an older version of the file than the one on disk (`ifVersion`). */
  | "STALE"
  /** Two files of a song folder would make tracks of the same name. */
  | "DUPLICATE_NAME"
  /** A file in a song folder holds audio under an extension stemplay does not take. */
  | "UNKNOWN_EXTENSION"
  /** A setlist is invalid or unreadable, or an action needs a setlist and there is none. */
  | "SETLIST"
  /** The settings file (stemplay.json) is invalid. */
  | "SETTINGS"
  /** A MIDI map is invalid. */
  | "MIDI_MAP"
  // ---- the player: tracks, buses, routing, show ----
  /** The player or the track was closed (removed) before the call. */
  | "CLOSED"
  /** No such bus, or a bus's outputs do not fit. */
  | "BUS"
  /** A bus profile (the rig's buses) is invalid. */
  | "BUSES"
  /** A routing, pan or routing-gain matrix is invalid. */
  | "ROUTE"
  /** No such track. */
  | "TRACK"
  /** No such marker. */
  | "MARKER"
  /** A bar- or beat-quantised action on a song that has no tempo map; no beat in detectTempo. */
  | "NO_TEMPO"
  /** A loop's ends are out of order, beyond the song, or too close together. */
  | "LOOP"
  /** The audio device was lost (the `play` command gives up). */
  | "DEVICE_LOST"
  /** A key or tempo change needs Rubber Band (librubberband2), which is not installed. */
  | "STRETCH_UNAVAILABLE"
  // ---- control surfaces ----
  /** An operator action is malformed. */
  | "INVALID_ACTION"
  /** The OSC port cannot be opened. */
  | "OSC_LISTEN"
  /** The web remote's port cannot be opened. */
  | "REMOTE_LISTEN"
  /** The web remote's page or assets cannot be read. */
  | "REMOTE_ASSETS"
  /** MIDI input cannot be opened. */
  | "MIDI_INPUT"
  /** MIDI timecode output cannot be opened. */
  | "MTC_OUTPUT"
  /** MIDI output (clock) cannot be opened: not on JACK, or a destination port is missing. */
  | "MIDI_OUTPUT"
  /** The sync feed's UDP port cannot be opened (serveSync, followSync). */
  | "SYNC_LISTEN";

/**
 * An error raised by stemplay. `code` says what went wrong in a stable, machine-readable form
 * (for example `"COMPILER_MISSING"`, `"HASH_MISMATCH"`, `"ABI_MISMATCH"`); `message` says it
 * for a person, including what was tried and how to fix it. `cause` holds the underlying error
 * when there is one.
 */
export class StemplayError extends Error {
  /** A stable code, e.g. `"COMPILE_FAILED"`; {@link StemplayErrorCode} lists them all. */
  code: StemplayErrorCode;
  /** The file or folder the error is about, when there is one. */
  path?: string;
  /** Every problem found in a file (a manifest, a setlist), each with its key path, when the
   * error is about a file's content. */
  problems?: { keyPath: string; message: string }[];

  /**
   * Creates an error with a code, a message and, optionally, the file and the cause.
   *
   * @param code a stable, upper-case code naming the kind of failure
   * @param message what went wrong, what was tried and how to fix it
   * @param options `path`: the file concerned; `cause`: the underlying error; `problems`:
   *   every problem found in the file
   */
  constructor(
    code: StemplayErrorCode,
    message: string,
    options?: {
      path?: string;
      cause?: unknown;
      problems?: { keyPath: string; message: string }[];
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StemplayError";
    this.code = code;
    if (options?.path !== undefined) this.path = options.path;
    if (options?.problems !== undefined) this.problems = options.problems;
  }
}
