/**
 * The Player: one engine (a device, or offline), its track table and its transport.
 *
 * JS never runs on the audio thread. Everything here is a control call: it writes atomics
 * that the callback reads at its next block, or reads what the callback published. The
 * engine's tick (src/engine/engine.ts) turns published state into events ("statechange",
 * "ended", "devicelost"). The Player composes the parts and keeps the transport and the
 * events; the members for meters and for the show flow and setlist come from its base classes
 * (player_metering.ts, player_key_tempo.ts, player_show_flow.ts); the parts live beside it: the engine context, the track table
 * (src/engine/track_slots.ts), the meters (src/engine/meters.ts), the buses, device recovery,
 * the song deck and its show flow, the setlist.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { cString } from "../native/native.ts";
import type { ProgressCallback } from "../sources/decode.ts";
import type { Track, TrackOptions } from "../engine/track.ts";
import { TrackSlots } from "../engine/track_slots.ts";
import type { Engine, EngineStatus } from "../engine/engine.ts";
import { Meters } from "../engine/meters.ts";
import { DeviceRecovery, type PlayerHealth, type RecoveryMode } from "../engine/device_recovery.ts";
import type { Bus } from "../engine/buses.ts";
import type { SongDescription } from "../songs/song.ts";
import type { SongMidi } from "../songs/midi_events.ts";
import type { LoadSongOptions } from "../songs/song_loader.ts";
import { SongDeck } from "../songs/song_deck.ts";
import { PlayerSetlist } from "../songs/player_setlist.ts";
import type { LtcOptions } from "../show/timecode.ts";
import { checkSpokenCueOptions } from "../show/spoken_cue_options.ts";
import { openEngine, type PlayerOptions } from "./player_options.ts";
import { type PlayerState, Transport } from "./transport.ts";
import type { PlayerParts } from "./player_parts.ts";
import { PlayerShowFlow } from "./player_show_flow.ts";
import { songFrames, timelineFrames } from "../model/song_time.ts";
import { checkInteger } from "../util/check_integer.ts";

export type { PlayerOptions } from "./player_options.ts";

export type { PlayerState } from "./transport.ts";

/** A multitrack player. Open one with `Player.open()`, close it with `close()`. Its meters
 * (src/player/player_metering.ts) and its show flow and setlist
 * (src/player/player_show_flow.ts) are members from its base classes. */
export class Player extends PlayerShowFlow {
  /** Frames per second of the engine. */
  readonly sampleRate: number;
  /** Output channels of the engine. */
  readonly channels: number;
  /** Frames per callback block. */
  readonly blockFrames: number;
  /** Tracks the engine can hold. */
  readonly trackCapacity: number;
  /** True for an engine without a device, driven by `render()`. */
  readonly offline: boolean;

  /** @ignore The engine, the song deck and its show flow, the setlist, the track slots, the
   * meters, device recovery and the transport (src/player/player_parts.ts). */
  protected readonly parts: PlayerParts;

  /** Composes the parts; each subscribes to the engine's tick in this order: recovery's
   * watchdog, the show flow and retired songs, the setlist, then the player's events. */
  private constructor(engine: Engine, recoveryMode: RecoveryMode) {
    super();
    this.sampleRate = engine.sampleRate;
    this.channels = engine.channels;
    this.blockFrames = engine.blockFrames;
    this.trackCapacity = engine.trackCapacity;
    this.offline = engine.offline;
    const slots = new TrackSlots(engine, this);
    const meters = new Meters(engine, () => songs.tracks);
    const recovery = engine.offline ? undefined : new DeviceRecovery(engine, {
      transport: this,
      counters: meters,
      events: { lost: () => transport.deviceLost(), back: () => transport.deviceBack() },
    }, recoveryMode);
    const songs: SongDeck = new SongDeck(engine, slots, {
      requestFrame: (frame) => transport.requestFrame(frame),
      endSetlist: () => setlist.end(),
      dispatchEvent: (event) => this.dispatchEvent(event),
    });
    const setlist = new PlayerSetlist(engine, songs.setlistSongs());
    const transport: Transport = new Transport(engine, songs, this, () => recovery?.lost ?? false);
    this.parts = { engine, songs, show: songs.show, setlist, slots, meters, recovery, transport };
    engine.guard(this);
  }

  /** Opens an engine on a device (or offline) and starts its stream, silent until `play()`. */
  static async open(options: PlayerOptions = {}): Promise<Player> {
    const spokenCues = options.spokenCues && checkSpokenCueOptions(
      options.spokenCues,
      (key, problem) => {
        throw new StemplayError("INVALID_ARGUMENT", `spokenCues${key && "."}${key} ${problem}`);
      },
    );
    const { engine, recovery } = await openEngine(options);
    const player = new Player(engine, recovery);
    if (options.latencyMonitor) player.latencyMonitor = true;
    player.parts.songs.spokenCues = spokenCues;
    if (options.ltc !== undefined) {
      try {
        player.ltc = options.ltc;
      } catch (error) {
        await player.close();
        throw error;
      }
    }
    return player;
  }

  /** @internal The engine this player runs (src/engine/engine.ts): the native handle and
   * pointer, rate, channels and block size, the status snapshot and its tick. For outputs that
   * call the native library themselves (MIDI in, MTC out); everything else goes through the
   * Player. Internal to the library because the FFI handle is not a published API. */
  get engineContext(): Engine {
    return this.parts.engine;
  }

  /** @internal The loaded library (`engineContext.native`). */
  get native(): Native {
    return this.parts.engine.native;
  }

  /** @internal The engine's pointer (`engineContext.pointer`). */
  get engine(): Deno.PointerValue {
    return this.parts.engine.pointer;
  }

  /** The backend in use, as miniaudio names it. */
  get backendName(): string {
    return this.parts.engine.backendName;
  }

  /** The device in use. */
  get deviceName(): string {
    return this.parts.engine.deviceName;
  }

  /** @internal */
  assertOpen(what: string): void {
    this.parts.engine.assertOpen(what);
  }

  /** The tracks in the engine, in the order they were added. */
  get tracks(): readonly Track[] {
    return [...this.parts.songs.tracks];
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.parts.engine.closed;
  }

  /** Decodes an audio file (WAV, AIFF, FLAC, MP3, Ogg Vorbis; M4A, AAC, ALAC, Opus through
   * ffmpeg) on a loading thread (resampled to the engine's rate)
   * and adds it as a track. */
  async load(
    path: string,
    options: TrackOptions & { onProgress?: ProgressCallback } = {},
  ): Promise<Track> {
    return await this.parts.slots.load(path, options, this.parts.songs);
  }

  /** Adds a track from planar PCM at the engine's rate: one Float32Array per channel. */
  addTrack(pcm: Float32Array[], options: TrackOptions = {}): Track {
    return this.parts.slots.addPlanar(pcm, options, this.parts.songs);
  }

  /** @internal Removes a track: the audio thread stops reading it at its next block, and its
   * memory is freed once the block that may still read it is done. */
  async detach(track: Track): Promise<void> {
    if (this.parts.songs.remove(track)) await this.parts.slots.drop(track);
  }

  // ---- songs (the logic is in src/songs: song_deck.ts, song_loader.ts, song.ts) ----------

  /**
   * Loads a song: a folder of audio files or a `song.json` manifest (see docs/songs.md). The
   * description is validated in full first, then every file decodes at once on loading
   * threads while the current song keeps playing. Then the new song replaces it in one step,
   * stopped at its start (a live rig never starts the next song by surprise), and the old
   * song's tracks are freed. Any failure frees everything new and leaves the current song,
   * its tracks and the transport as they were.
   */
  async loadSong(path: string, options: LoadSongOptions = {}): Promise<SongDescription> {
    return await this.parts.songs.load(path, options);
  }

  /** Stops and removes the current song (every track), freeing its memory. */
  async unloadSong(): Promise<void> {
    await this.parts.songs.unload();
  }

  /** The current song's title ("" when none was loaded with `loadSong`). */
  get title(): string {
    return this.parts.songs.song?.title ?? "";
  }

  /** Bytes of audio the current tracks hold: decoded tracks their planar float32 (close to the
   * raw size), streamed tracks their ring and heads; and a loaded setlist's resident song
   * starts. */
  get memoryBytes(): number {
    return this.parts.songs.memoryBytes;
  }

  /** @internal Where a generated click or count-in goes: its clickRoute, else the in-ears. */
  clickPlacement(clickRoute: number[] | undefined): { route?: number[]; bus?: string } {
    return this.parts.engine.buses.clickPlacement(clickRoute);
  }

  // ---- buses ------------------------------------------------------------------------------

  /** A bus of the rig profile by name, e.g. `player.bus("in-ears").gain = 0.5`.
   * @throws {StemplayError} "BUS" naming the buses there are */
  bus(name: string): Bus {
    return this.parts.engine.buses.get(name);
  }

  /** Every bus of the rig profile, in its order. */
  get buses(): Bus[] {
    return this.parts.engine.buses.list;
  }

  /** Loud lines about buses the device lacks and the tracks they mute (empty when fine). */
  get busProblems(): string[] {
    return this.parts.songs.busProblems;
  }

  /** @internal The timecode hour of each prepared song's group; a "songprepared" event
   * ({ group, hour }) announces each new one. */
  get songHours(): ReadonlyMap<number, number> {
    return this.parts.songs.songHours;
  }

  /** @internal The tempo map and MIDI events of each prepared song's group (also in
   * "songprepared" as `midi`). */
  get songMidi(): ReadonlyMap<number, SongMidi> {
    return this.parts.songs.songMidi;
  }

  /** @internal Runs `hook` at close(), before the engine is freed (once; returns an undo). */
  beforeClose(hook: () => Promise<void>): () => void {
    return this.parts.engine.beforeClose(hook);
  }

  /** SMPTE linear timecode out (undefined: none). Setting it applies to songs loaded from
   * then on (see docs/timecode.md). */
  get ltc(): LtcOptions | undefined {
    return this.parts.songs.ltc;
  }
  set ltc(options: LtcOptions | undefined) {
    this.parts.songs.ltc = options;
  }

  // ---- transport ------------------------------------------------------------------------

  /** Starts playback (from the top after the song ended). From a stop or the end, the
   * count-in plays first when one is set. */
  play(): void {
    this.assertKeyTempoReady("play");
    this.parts.transport.play();
  }

  /** Pauses, with a short fade, keeping the position. */
  pause(): void {
    this.parts.transport.pause();
  }

  /** Stops, with a short fade, and rewinds to the start. */
  stop(): void {
    this.parts.transport.stop();
  }

  /** Jumps to `seconds` of song time (the recording's seconds, whatever the speed: see
   * docs/key_tempo.md), clamped to the song, fading out and in around the jump. */
  seek(seconds: number): void {
    this.parts.transport.seek(seconds, this.parts.songs.timelineSpeed());
  }

  /** Jumps to a frame of song time (clamped to the song). */
  seekFrames(frame: number): void {
    checkInteger("frame", frame, 0, Number.MAX_SAFE_INTEGER);
    this.parts.transport.seekFrames(timelineFrames(frame, this.parts.songs.timelineSpeed()));
  }

  /** @internal Length in frames of the timeline (real time: what `render()` plays through
   * to the song's end; `durationFrames` at speed 1). */
  get timelineDurationFrames(): number {
    return this.parts.songs.durationFrames;
  }

  /** @internal Position in frames of the timeline (real time from the song's start; song
   * time at speed 1): what a sync feed carries, and a follower compares. */
  get timelinePositionFrames(): number {
    return this.parts.transport.positionFrames;
  }

  /** @internal Jumps to a frame of the timeline (real time from the song's start; song time
   * at speed 1): a sync follower placing itself on its primary's timeline. */
  seekTimelineFrames(frame: number): void {
    this.parts.transport.seekFrames(frame);
  }

  /** Position in frames of song time (the recording's), as of the last block; during a
   * count-in negative, the real frames until the song starts. */
  get positionFrames(): number {
    this.assertOpen("read the position");
    return this.songPositionAt(this.parts.engine.readStatus()).positionFrames;
  }

  /** Position in seconds of song time (the recording's), as of the last block. */
  get position(): number {
    return this.positionFrames / this.sampleRate;
  }

  /** Length of the longest track, in frames of song time (the recording's length at any
   * speed). */
  get durationFrames(): number {
    return songFrames(this.parts.songs.durationFrames, this.parts.songs.timelineSpeed());
  }

  /** Length of the longest track, in seconds of song time. */
  get duration(): number {
    return this.durationFrames / this.sampleRate;
  }

  /** @internal The speed the current song's timeline runs at (the key and tempo it was
   * prepared at; `speed` may already ask for another): real seconds = song seconds ÷ it. */
  get timelineSpeed(): number {
    return this.parts.songs.timelineSpeed();
  }

  /** @internal The speed the timeline of a prepared song's `group` runs at. */
  timelineSpeedOf(group: number): number {
    return this.parts.songs.timelineSpeed(group);
  }

  /** The transport's state. */
  get state(): PlayerState {
    return this.parts.transport.state;
  }

  /** @internal Whether it plays or play() was just called (`state` lags play() by a block). */
  get playingOrAsked(): boolean {
    return this.parts.transport.playingOrAsked;
  }

  /** @internal The folder or song.json the current song was loaded from (undefined: none). */
  get songPath(): string | undefined {
    return this.parts.songs.song?.path;
  }

  /** @internal The state and position in frames of the timeline (real time) as of one engine snapshot (`status`, e.g.
   * `engineContext.readStatus()`): both from the same block, for a status read whole. */
  transportAt(status: EngineStatus): { state: PlayerState; positionFrames: number } {
    return this.parts.transport.at(status);
  }

  /** @internal As `transportAt`, the position in frames of song time (the recording's) at the
   * speed of the song the snapshot plays. A count-in's negative position stays real time: the
   * frames until the song starts. */
  songPositionAt(status: EngineStatus): { state: PlayerState; positionFrames: number } {
    const { state, positionFrames } = this.parts.transport.at(status);
    if (positionFrames < 0) return { state, positionFrames };
    return {
      state,
      positionFrames: songFrames(positionFrames, this.parts.songs.timelineSpeed(status.group)),
    };
  }

  /** Master gain applied after the mix (1 = unity), ramped like every gain: 0 .. MAX_GAIN
   * (+12 dB). Every output is then clamped to ±1.0 (counted in `health.clipped`).
   * @throws {StemplayError} "INVALID_ARGUMENT" above +12 dB, or for NaN or Infinity; the
   * master gain stays as it was */
  set masterGain(gain: number) {
    this.parts.transport.masterGain = gain;
  }
  get masterGain(): number {
    return this.parts.transport.masterGain;
  }

  /** Resolves when the song next ends (or the player closes). */
  get finished(): Promise<void> {
    return this.parts.transport.finished;
  }

  /** Runs the callback's code for `frames` frames and returns one Float32Array per output
   * channel. Offline engines only (`backend: "offline"`). */
  render(frames: number): Float32Array[] {
    const out = this.parts.engine.render(frames);
    this.parts.engine.tick();
    return out;
  }

  // ---- events and life cycle ------------------------------------------------------------

  /** The device's health: "ok", "recovering" (lost, retried with backoff) or "lost" (lost,
   * and the last retry found it unusable), with counts and the last error. See
   * docs/device_loss.md. */
  get health(): PlayerHealth {
    return this.parts.recovery?.health ?? this.parts.meters.offlineHealth;
  }

  /**
   * Opens the device again on the same engine, at once: after a "devicelost" event (recovery
   * retries by itself too; this is "retry now"), or to move to another device. The old device
   * is cut off and torn down on a native thread (a dead PulseAudio stream can block there
   * forever) only once the new one is open and runs the engine's rate and channel count.
   * Tracks, gains, routing, the transport and the position survive: playback resumes where the
   * last block ended, fading in. Throws a StemplayError: "FORMAT" (the device runs another
   * channel count or rate; nothing is remixed), "TIMEOUT" (the audio server did not answer),
   * "NO_SUCH_DEVICE", ... ; the old device is then untouched. See docs/device_loss.md.
   */
  async reopen(options: { backend?: string; device?: number | string } = {}): Promise<void> {
    this.assertOpen("reopen the device");
    if (!this.parts.recovery) {
      throw new StemplayError("INVALID_ARGUMENT", "an offline player has no device to reopen");
    }
    await this.parts.recovery.reopen(options);
  }

  /** Stops the stream and frees the engine and every track. Idempotent. Returns within about
   * a second even when the audio server hangs: a device teardown that takes longer is left to a
   * native thread. */
  async close(): Promise<void> {
    if (await this.parts.engine.close(() => this.parts.songs.clear(), this.parts.recovery)) {
      this.parts.transport.settleFinished();
    }
  }

  /** `await using player = await Player.open(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Used by song loading. */
  get currentGroup(): number {
    return this.parts.songs.group;
  }

  /** @internal The miniaudio version the library was built with. */
  get miniaudioVersion(): string {
    return cString(this.native.sp_miniaudio_version());
  }
}
