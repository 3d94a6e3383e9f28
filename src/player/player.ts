/**
 * The Player: one engine (a device, or offline), its track table and its transport.
 *
 * JS never runs on the audio thread. Everything here is a control call: it writes atomics
 * that the callback reads at its next block, or reads what the callback published. The
 * engine's tick (src/engine/engine.ts) turns published state into events ("statechange",
 * "ended", "devicelost"). The Player composes the parts and keeps the transport and the
 * events; the parts live beside it: the engine context, the track table
 * (src/engine/track_slots.ts), the meters (src/engine/meters.ts), the buses, device recovery,
 * the song deck and its show flow, the setlist.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { cString } from "../native/native.ts";
import type { ProgressCallback } from "../sources/decode.ts";
import type { StreamStats } from "../sources/streaming.ts";
import type { Track, TrackOptions } from "../engine/track.ts";
import { TrackSlots } from "../engine/track_slots.ts";
import type { Engine, EngineStatus } from "../engine/engine.ts";
import { Meters } from "../engine/meters.ts";
import { DeviceRecovery, type PlayerHealth, type RecoveryMode } from "../engine/device_recovery.ts";
import type { LatencyStats } from "../engine/stats.ts";
import type { Bus } from "../engine/buses.ts";
import type { SongDescription } from "../songs/song.ts";
import type { Marker } from "../model/marker.ts";
import type { LoadSongOptions } from "../songs/song_loader.ts";
import { SongDeck } from "../songs/song_deck.ts";
import { PlayerSetlist } from "../songs/player_setlist.ts";
import type { SetlistState } from "../songs/setlist_runner.ts";
import { JUMP_AT, type JumpAt, type ShowFlow } from "../show/show.ts";
import type { LtcOptions } from "../show/timecode.ts";
import type { TempoSegment } from "../model/tempo.ts";
import { openEngine, type PlayerOptions } from "./player_options.ts";
import { type PlayerState, Transport } from "./transport.ts";

export type { PlayerOptions } from "./player_options.ts";

export type { PlayerState } from "./transport.ts";

/** A multitrack player. Open one with `Player.open()`, close it with `close()`. */
export class Player extends EventTarget {
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

  /** The engine: handle, pointer, what it is, its status tick (src/engine/engine.ts). */
  readonly #engine: Engine;
  /** The current song and the songs prepared beside it (src/songs/song_deck.ts). */
  readonly #songs: SongDeck;
  /** Cues on the current song; the deck's, reset at every switch. */
  readonly #show: ShowFlow;
  readonly #setlist: PlayerSetlist;
  /** The engine's track slots: tracks attached, and freed once the callback is past them. */
  readonly #slots: TrackSlots;
  readonly #meters: Meters;
  /** Device loss and recovery; none offline. */
  readonly #recovery?: DeviceRecovery;
  /** Play, pause, seek, the state and its events (src/player/transport.ts). */
  readonly #transport: Transport;

  /** Composes the parts; each subscribes to the engine's tick in this order: recovery's
   * watchdog, the show flow and retired songs, the setlist, then the player's events. */
  private constructor(engine: Engine, recovery: RecoveryMode) {
    super();
    this.#engine = engine;
    this.sampleRate = engine.sampleRate;
    this.channels = engine.channels;
    this.blockFrames = engine.blockFrames;
    this.trackCapacity = engine.trackCapacity;
    this.offline = engine.offline;
    this.#slots = new TrackSlots(engine, this);
    this.#meters = new Meters(engine, () => this.#songs.tracks);
    if (!engine.offline) {
      this.#recovery = new DeviceRecovery(engine, {
        transport: this,
        counters: this.#meters,
        events: {
          lost: () => this.#transport.deviceLost(),
          back: () => this.#transport.deviceBack(),
        },
      }, recovery);
    }
    this.#songs = new SongDeck(engine, this.#slots, {
      requestFrame: (frame) => this.#transport.requestFrame(frame),
      endSetlist: () => this.#setlist.end(),
      dispatchEvent: (event) => this.dispatchEvent(event),
    });
    this.#show = this.#songs.show;
    this.#setlist = new PlayerSetlist(engine, this.#songs.setlistSongs());
    this.#transport = new Transport(engine, this.#songs, this, () => this.#recovery?.lost ?? false);
    engine.guard(this);
  }

  /** Opens an engine on a device (or offline) and starts its stream, silent until `play()`. */
  static async open(options: PlayerOptions = {}): Promise<Player> {
    const { engine, recovery } = await openEngine(options);
    const player = new Player(engine, recovery);
    if (options.latencyMonitor) player.latencyMonitor = true;
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
    return this.#engine;
  }

  /** @internal The loaded library (`engineContext.native`). */
  get native(): Native {
    return this.#engine.native;
  }

  /** @internal The engine's pointer (`engineContext.pointer`). */
  get engine(): Deno.PointerValue {
    return this.#engine.pointer;
  }

  /** The backend in use, as miniaudio names it. */
  get backendName(): string {
    return this.#engine.backendName;
  }

  /** The device in use. */
  get deviceName(): string {
    return this.#engine.deviceName;
  }

  /** @internal */
  assertOpen(what: string): void {
    this.#engine.assertOpen(what);
  }

  /** The tracks in the engine, in the order they were added. */
  get tracks(): readonly Track[] {
    return [...this.#songs.tracks];
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#engine.closed;
  }

  /** Decodes an audio file (WAV, AIFF, FLAC, MP3, Ogg Vorbis; M4A, AAC, ALAC, Opus through
   * ffmpeg) on a loading thread (resampled to the engine's rate)
   * and adds it as a track. */
  async load(
    path: string,
    options: TrackOptions & { onProgress?: ProgressCallback } = {},
  ): Promise<Track> {
    return await this.#slots.load(path, options, this.#songs);
  }

  /** Adds a track from planar PCM at the engine's rate: one Float32Array per channel. */
  addTrack(pcm: Float32Array[], options: TrackOptions = {}): Track {
    return this.#slots.addPlanar(pcm, options, this.#songs);
  }

  /** @internal Removes a track: the audio thread stops reading it at its next block, and its
   * memory is freed once the block that may still read it is done. */
  async detach(track: Track): Promise<void> {
    if (this.#songs.remove(track)) await this.#slots.drop(track);
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
    return await this.#songs.load(path, options);
  }

  /** Stops and removes the current song (every track), freeing its memory. */
  async unloadSong(): Promise<void> {
    await this.#songs.unload();
  }

  /** The current song's title ("" when none was loaded with `loadSong`). */
  get title(): string {
    return this.#songs.song?.title ?? "";
  }

  /** The current song's markers, in manifest order. */
  get markers(): Marker[] {
    return (this.#songs.song?.markers ?? []).map((marker) => ({ ...marker }));
  }

  /** Bytes of audio the current tracks hold: decoded tracks their planar float32 (close to the
   * raw size), streamed tracks their ring and heads; and a loaded setlist's resident song
   * starts. */
  get memoryBytes(): number {
    return this.#songs.memoryBytes;
  }

  /** @internal Where a generated click or count-in goes: its clickRoute, else the in-ears. */
  clickPlacement(clickRoute: number[] | undefined): { route?: number[]; bus?: string } {
    return this.#engine.buses.clickPlacement(clickRoute);
  }

  // ---- buses ------------------------------------------------------------------------------

  /** A bus of the rig profile by name, e.g. `player.bus("in-ears").gain = 0.5`.
   * @throws {StemplayError} "BUS" naming the buses there are */
  bus(name: string): Bus {
    return this.#engine.buses.get(name);
  }

  /** Every bus of the rig profile, in its order. */
  get buses(): Bus[] {
    return this.#engine.buses.list;
  }

  /** Loud lines about buses the device lacks and the tracks they mute (empty when fine). */
  get busProblems(): string[] {
    return this.#songs.busProblems;
  }

  /** @internal The timecode hour of each prepared song's group; a "songprepared" event
   * ({ group, hour }) announces each new one. */
  get songHours(): ReadonlyMap<number, number> {
    return this.#songs.songHours;
  }

  /** @internal Runs `hook` at close(), before the engine is freed (once; returns an undo). */
  beforeClose(hook: () => Promise<void>): () => void {
    return this.#engine.beforeClose(hook);
  }

  /** SMPTE linear timecode out (undefined: none). Setting it applies to songs loaded from
   * then on (see docs/timecode.md). */
  get ltc(): LtcOptions | undefined {
    return this.#songs.ltc;
  }
  set ltc(options: LtcOptions | undefined) {
    this.#songs.ltc = options;
  }

  // ---- transport ------------------------------------------------------------------------

  /** Starts playback (from the top after the song ended). From a stop or the end, the
   * count-in plays first when one is set. */
  play(): void {
    this.#transport.play();
  }

  /** Pauses, with a short fade, keeping the position. */
  pause(): void {
    this.#transport.pause();
  }

  /** Stops, with a short fade, and rewinds to the start. */
  stop(): void {
    this.#transport.stop();
  }

  /** Jumps to `seconds` (clamped to the song), fading out and in around the jump. */
  seek(seconds: number): void {
    this.#transport.seek(seconds);
  }

  /** Jumps to a frame (clamped to the song). */
  seekFrames(frame: number): void {
    this.#transport.seekFrames(frame);
  }

  /** Position in frames, as of the last block. */
  get positionFrames(): number {
    return this.#transport.positionFrames;
  }

  /** Position in seconds, as of the last block. */
  get position(): number {
    return this.positionFrames / this.sampleRate;
  }

  /** Length of the longest track, in frames. */
  get durationFrames(): number {
    return this.#songs.durationFrames;
  }

  /** Length of the longest track, in seconds. */
  get duration(): number {
    return this.durationFrames / this.sampleRate;
  }

  /** The transport's state. */
  get state(): PlayerState {
    return this.#transport.state;
  }

  /** @internal The state and position in frames as of one engine snapshot (`status`, e.g.
   * `engineContext.readStatus()`): both from the same block, for a status read whole. */
  transportAt(status: EngineStatus): { state: PlayerState; positionFrames: number } {
    return this.#transport.at(status);
  }

  /** Master gain applied after the mix (1 = unity), ramped like every gain: 0 .. MAX_GAIN
   * (+12 dB). Every output is then clamped to ±1.0 (counted in `health.clipped`).
   * @throws {StemplayError} "INVALID_ARGUMENT" above +12 dB, or for NaN or Infinity; the
   * master gain stays as it was */
  set masterGain(gain: number) {
    this.#transport.masterGain = gain;
  }
  get masterGain(): number {
    return this.#transport.masterGain;
  }

  /** Resolves when the song next ends (or the player closes). */
  get finished(): Promise<void> {
    return this.#transport.finished;
  }

  /** Runs the callback's code for `frames` frames and returns one Float32Array per output
   * channel. Offline engines only (`backend: "offline"`). */
  render(frames: number): Float32Array[] {
    const out = this.#engine.render(frames);
    this.#engine.tick();
    return out;
  }

  // ---- meters and monitor (the logic is in src/engine/meters.ts) ------------------------

  /** Peak metering in the callback (off by default: it costs a pass over every block). */
  set metering(on: boolean) {
    this.#meters.metering = on;
  }
  get metering(): boolean {
    return this.#meters.metering;
  }

  /** The highest post-gain peak of each track (same order as `tracks`) since the last call. */
  readPeaks(): number[] {
    return this.#meters.readPeaks();
  }

  /** The highest peak of each output (after every gain and fade) since the last call, with
   * `metering` on: index 0 is output 1. */
  readOutputPeaks(): number[] {
    return this.#meters.readOutputPeaks();
  }

  /** Whether the callback times itself. Takes effect from the next block. */
  get latencyMonitor(): boolean {
    return this.#meters.latencyMonitor;
  }
  set latencyMonitor(on: boolean) {
    this.#meters.latencyMonitor = on;
  }

  /** Track-blocks in which a streamed track had no audio ready (it played silence for that
   * block; the block was never waited for), since the player opened. */
  get starvedBlocks(): number {
    return this.#meters.starvedBlocks;
  }

  /** Per output (index 0 is output 1): samples the callback clamped to ±1.0 after the master
   * gain since the player opened (also in `health.clipped`). Empty once closed. */
  get clippedSamples(): number[] {
    return this.#meters.clippedSamples;
  }

  /** What streaming holds and costs: ring bytes, streamed tracks, the reader thread's CPU. */
  get streamStats(): StreamStats {
    return this.#meters.streamStats;
  }

  /** Callback timing over the monitor's window (the newest up to 4096 timed callbacks since
   * the last reset). Copies the ring without making the audio thread wait. */
  latencyStats(): LatencyStats {
    return this.#meters.latencyStats();
  }

  /** Starts a new window for `latencyStats()`: counts and ring read as empty. */
  resetLatencyStats(): void {
    this.#meters.resetLatencyStats();
  }

  // ---- events and life cycle ------------------------------------------------------------

  /** The device's health: "ok", "recovering" (lost, retried with backoff) or "lost" (lost,
   * and the last retry found it unusable), with counts and the last error. See
   * docs/device_loss.md. */
  get health(): PlayerHealth {
    return this.#recovery?.health ?? this.#meters.offlineHealth;
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
    if (!this.#recovery) {
      throw new StemplayError("INVALID_ARGUMENT", "an offline player has no device to reopen");
    }
    await this.#recovery.reopen(options);
  }

  /** Stops the stream and frees the engine and every track. Idempotent. Returns within about
   * a second even when the audio server hangs: a device teardown that takes longer is left to a
   * native thread. */
  async close(): Promise<void> {
    if (await this.#engine.close(() => this.#songs.clear(), this.#recovery)) {
      this.#transport.settleFinished();
    }
  }

  /** `await using player = await Player.open(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Used by song loading. */
  get currentGroup(): number {
    return this.#songs.group;
  }

  // ---- show flow (the logic is in src/show/show.ts and src/songs/player_setlist.ts) -----

  /** Jumps to a marker (name, index from 0, or one of `markers`): `at` "now" (default), or on
   * the next "beat", "bar" line or marker ("section"). Lands on the exact frame with a 5 ms
   * crossfade. */
  jump(marker: string | number | Marker, options: { at?: JumpAt } = {}): void {
    const at = options.at ?? "now";
    if (!JUMP_AT.includes(at)) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `at must be one of ${JUMP_AT.join(", ")}, got ${at}`,
      );
    }
    this.#show.jump(this.#marker(marker), at);
  }

  /** A marker as the caller gave it: a Marker passes through (src/control resolved it), a
   * name or an index is looked up here, for the API's own callers. */
  #marker(which: string | number | Marker): Marker {
    if (typeof which === "object") return which;
    const markers = this.#songs.song?.markers ?? [];
    const found = typeof which === "number"
      ? markers[which]
      : markers.find((m) => m.name === which) ??
        markers.find((m) => m.name.toLowerCase() === which.toLowerCase());
    if (!found) {
      const names = markers.map((m) => `"${m.name}"`).join(", ") || "none";
      const asked = typeof which === "number" ? which : `"${which}"`;
      throw new StemplayError("MARKER", `no marker ${asked} in this song (markers: ${names})`);
    }
    return found;
  }

  /** @internal Jumps to `target` seconds when the song reaches `at` seconds, on those exact
   * frames: a sync follower repeating its primary's jump (src/control/sync_follow.ts). */
  jumpAt(target: number, at: number): void {
    this.#show.jumpAtFrame(Math.round(target * this.sampleRate), Math.round(at * this.sampleRate));
  }

  /** Cancels a jump that has not happened yet. */
  cancelJump(): void {
    this.#show.cancelJump();
  }

  /** Loops from `start` to `end` seconds, sample-exact with a 5 ms crossfade at the seam,
   * until `exitLoop()`. */
  loop(start: number, end: number): void {
    this.#show.loop(start, end);
  }

  /** Loops from a marker (name, index from 0, or one of `markers`) to the next one (or the
   * song's end). */
  loopSection(marker: string | number | Marker): void {
    this.#show.loopSection(this.#marker(marker));
  }

  /** Leaves the loop: at its "end" (default: this pass plays out) or "now" (on from the
   * loop's end at once). */
  exitLoop(options: { at?: "now" | "end" } = {}): void {
    this.#show.exitLoop(options);
  }

  /** The loop playing, in seconds. */
  get loopRange(): { start: number; end: number } | undefined {
    return this.#show.loopRange;
  }

  /** A jump armed and not yet taken: the marker's time and when it happens, in seconds. */
  get scheduledJump(): { target: number; at: number } | undefined {
    return this.#show.scheduledJump;
  }

  /** A loop left with `exitLoop({ at: "end" })` whose last pass still plays, in seconds, as of
   * the engine's last status read (every tick, every `render()`). */
  get leavingLoop(): { start: number; end: number } | undefined {
    return this.#show.leavingLoop;
  }

  /** Bars of click before the song starts from a stop (needs the song's tempo). */
  get countIn(): number {
    return this.#show.countIn;
  }
  set countIn(bars: number) {
    this.assertOpen("set the count-in");
    this.#show.countIn = bars;
  }

  /** The current song's tempo map (empty without a tempo). */
  get tempo(): TempoSegment[] {
    return (this.#songs.song?.tempo ?? []).map((segment) => ({ ...segment }));
  }

  /** Fades the whole mix out along an equal-power curve, then pauses. */
  fadeOut(seconds: number): void {
    this.#show.fadeOut(seconds);
  }

  /** Fades the whole mix in along an equal-power curve, playing. */
  fadeIn(seconds: number): void {
    this.#transport.fadeIn(seconds);
  }

  /** Loads a setlist (see docs/player.md, "Running a show"): validates every song, loads the first,
   * and decodes the second in the background. */
  async loadSetlist(path: string): Promise<SetlistState> {
    return await this.#setlist.load(path);
  }

  /** The setlist and where it stands (undefined without one). */
  get setlist(): SetlistState | undefined {
    return this.#setlist.state;
  }

  /** The next song of the setlist, stopped at its start. */
  async next(): Promise<void> {
    await this.#setlist.next();
  }

  /** The previous song of the setlist, stopped at its start. */
  async previous(): Promise<void> {
    await this.#setlist.previous();
  }

  /** Song `index` of the setlist, stopped at its start. */
  async goto(index: number): Promise<void> {
    await this.#setlist.goto(index);
  }

  /** Resolves when the setlist's next song is decoded and its transition armed. */
  async setlistReady(): Promise<void> {
    await this.#setlist.ready();
  }

  /** Resolves once a transition that fired has been taken in and the next song preloaded. */
  async setlistSettled(): Promise<void> {
    this.#engine.tick();
    await this.#setlist.ready();
  }

  /** @internal The miniaudio version the library was built with. */
  get miniaudioVersion(): string {
    return cString(this.native.sp_miniaudio_version());
  }
}
