/**
 * The Player: one engine (a device, or offline), its track table and its transport.
 *
 * JS never runs on the audio thread. Everything here is a control call: it writes atomics
 * that the callback reads at its next block, or reads what the callback published. A poll at
 * UI rate turns published state into events ("statechange", "ended", "devicelost").
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { bufferString, cString, loadNative, outPointer, unwrap } from "../native/native.ts";
import { INFO, RESULT, STATE, STATUS } from "../native/native_constants.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import { decodeFile, type ProgressCallback } from "../sources/decode.ts";
import { packPlanar, planarAudio } from "../sources/planar.ts";
import { initialGain, type Track, type TrackOptions } from "../engine/track.ts";
import { checkGain } from "../engine/levels.ts";
import { TrackSlots, type TrackSlotsHost } from "../engine/track_slots.ts";
import { routeMatrix } from "../engine/routing.ts";
import { findDevice } from "../engine/devices.ts";
import { EngineConfig, formatMismatch } from "../native/engine_config.ts";
import { DeviceWatchdog } from "../engine/device_watchdog.ts";
import {
  DeviceRecovery,
  type DeviceTarget,
  type PlayerHealth,
  type RecoveryHost,
} from "../engine/device_recovery.ts";
import type { SongDescription } from "../songs/song.ts";
import type { Marker } from "../model/marker.ts";
import {
  freeAudio,
  StreamedTracks,
  streamingSettings,
  type StreamStats,
  streamStats,
} from "../sources/streaming.ts";
import type { LoadSongOptions } from "../songs/song_loader.ts";
import { SongDeck, type SongDeckHost } from "../songs/song_deck.ts";
import { PlayerSetlist } from "../songs/player_setlist.ts";
import { LatencyMonitorReader, type LatencyStats } from "../engine/stats.ts";
import type { JumpAt, ShowFlow } from "../show/show.ts";
import type { LtcOptions } from "../show/timecode.ts";
import type { TempoSegment } from "../model/tempo.ts";
import { type Bus, Buses, defaultBusProfile, IN_EARS } from "../engine/buses.ts";
import type { SetlistState } from "../songs/setlist_runner.ts";
import { checkInteger, checkPlayerOptions, type PlayerOptions } from "./player_options.ts";

export type { PlayerOptions } from "./player_options.ts";

/** The transport's state as the audio thread last published it. "error": the device was
 * lost. */
export type PlayerState = "stopped" | "playing" | "paused" | "ended" | "error";

const OFFLINE_HEALTH: Omit<PlayerHealth, "clipped"> = Object.freeze({
  status: "ok",
  losses: 0,
  recoveries: 0,
  overruns: 0,
  starved: 0,
  starvedFiles: [],
  lastError: null,
  nextRetryAt: null,
});
/** PlayerState by SP_STATE_* number. */
const STATES: PlayerState[] = [];
for (const [name, value] of Object.entries(STATE)) STATES[value] = name as PlayerState;
const POLL_MS = 20;

/** What the backstop needs to free a player that was dropped without close(). */
interface Leak {
  native: Native;
  engine: Deno.PointerValue;
  timer?: ReturnType<typeof setInterval>;
}

const leaked = new FinalizationRegistry<Leak>(({ native, engine, timer }) => {
  // A player dropped without close(): stop its poll, free the engine off the JS thread.
  if (timer !== undefined) clearInterval(timer);
  void native.sp_engine_destroy(engine);
});

/** A multitrack player. Open one with `Player.open()`, close it with `close()`. */
export class Player extends EventTarget {
  /** @internal */ readonly native: Native;
  /** @internal */ readonly engine: Deno.PointerValue;
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
  /** The backend in use, as miniaudio names it. */
  readonly backendName: string;
  /** The device in use. */
  readonly deviceName: string;

  /** The current song and the songs prepared beside it (src/songs/song_deck.ts). */
  #songs: SongDeck;
  /** Cues on the current song; the deck's, reset at every switch. */
  #show: ShowFlow;
  #setlist: PlayerSetlist;
  /** Run before the engine is freed: outputs that read the engine from other threads (MTC). */
  #closeHooks = new Set<() => Promise<void>>();
  /** The engine's track slots: tracks attached, and freed once the callback is past them. */
  #slots: TrackSlots;
  #closed = false;
  /** Device loss and recovery; none offline. */
  #recovery?: DeviceRecovery;
  #status = new BigUint64Array(STATUS.count);
  /** Set when file tracks stream (Player.open({ streaming })). */
  #streams?: StreamedTracks;
  #lastState: PlayerState = "stopped";
  #watchdog?: DeviceWatchdog;
  #timer?: ReturnType<typeof setInterval>;
  #finished?: { promise: Promise<void>; resolve: () => void };
  #monitorBuilt: boolean;
  #monitorReader?: LatencyMonitorReader;
  #buses: Buses;

  private constructor(native: Native, engine: Deno.PointerValue) {
    super();
    this.native = native;
    this.engine = engine;
    const info = new Uint32Array(INFO.count);
    native.sp_engine_info(engine, info);
    this.sampleRate = info[INFO.rate];
    this.channels = info[INFO.channels];
    this.blockFrames = info[INFO.block];
    this.trackCapacity = info[INFO.capacity];
    this.offline = info[INFO.offline] === 1;
    this.#monitorBuilt = info[INFO.monitorBuilt] === 1;
    const name = new Uint8Array(256);
    native.sp_engine_backend_name(engine, name, name.length);
    this.backendName = bufferString(name);
    native.sp_engine_device_name(engine, name, name.length);
    this.deviceName = bufferString(name);
    const leak: Leak = { native, engine };
    leaked.register(this, leak, this);
    this.#slots = new TrackSlots(this.#slotsHost());
    const songsHost = this.#songsHost(); // the setlist needs a part of what the deck needs
    this.#songs = new SongDeck(songsHost);
    this.#show = this.#songs.show;
    this.#setlist = new PlayerSetlist(songsHost, this.#songs.setlistHost());
    this.#buses = new Buses(native, engine, defaultBusProfile(this.channels), this.channels);
    if (!this.offline) leak.timer = this.#startPolling();
  }

  /** Opens an engine on a device (or offline) and starts its stream, silent until `play()`. */
  static async open(options: PlayerOptions = {}): Promise<Player> {
    const { backend, sampleRate, channels, blockFrames, trackCapacity, buses, recovery } =
      checkPlayerOptions(options);
    const native = await loadNative(options.library);
    const device = options.device === undefined || backend === "offline"
      ? -1
      : await findDevice(native, backend, options.device);

    const config = new EngineConfig(native, {
      backend,
      deviceIndex: device,
      sampleRate,
      channels,
      blockFrames,
      trackCapacity,
    });
    const cell = new BigUint64Array(1);
    const result = await native.sp_engine_init(config.bytes, cell);
    if (result !== 0) {
      const hint = backend === "auto"
        ? ' (no audio device here? open with { backend: "null" } to play to the null device)'
        : "";
      const detail = result === RESULT.FORMAT
        ? formatMismatch(config.found, { sampleRate, channels })
        : "";
      unwrap(native, result, `cannot open the "${backend}" audio backend${hint}`, { detail });
    }
    const player = new Player(native, outPointer(cell));
    if (buses) player.#buses = new Buses(native, player.engine, buses, player.channels);
    if (!player.offline) {
      player.#recovery = new DeviceRecovery(player.#recoveryHost(), recovery, {
        backend: player.backendName,
        deviceName: player.deviceName,
      });
    }
    if (options.latencyMonitor) player.latencyMonitor = true;
    const streaming = streamingSettings(options.streaming, player.sampleRate);
    if (streaming) player.#streams = new StreamedTracks(native, streaming);
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

  /** @internal */
  assertOpen(what: string): void {
    if (this.#closed) {
      throw new StemplayError("CLOSED", `cannot ${what}: the player is closed`);
    }
  }

  /** The tracks in the engine, in the order they were added. */
  get tracks(): readonly Track[] {
    return [...this.#songs.tracks];
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Decodes an audio file (WAV, AIFF, FLAC, MP3, Ogg Vorbis; M4A, AAC, ALAC, Opus through
   * ffmpeg) on a loading thread (resampled to the engine's rate)
   * and adds it as a track. */
  async load(
    path: string,
    options: TrackOptions & { onProgress?: ProgressCallback } = {},
  ): Promise<Track> {
    this.assertOpen("load a file");
    this.#checkTrackOptions(options, undefined);
    const decoded = await decodeFile(
      this.native,
      path,
      this.sampleRate,
      options.onProgress,
      this.#streams?.settings.ringFrames,
    );
    try {
      this.assertOpen("load a file");
      return this.#addDecoded(decoded, options, this.#songs.group);
    } catch (error) {
      freeAudio(this.native, decoded);
      throw error;
    }
  }

  /** Adds a track from planar PCM at the engine's rate: one Float32Array per channel. */
  addTrack(pcm: Float32Array[], options: TrackOptions = {}): Track {
    this.assertOpen("add a track");
    const packed = packPlanar(pcm);
    this.#checkTrackOptions(options, packed.channels);
    const decoded = planarAudio(this.native, packed, this.sampleRate);
    try {
      return this.#addDecoded(decoded, options, this.#songs.group);
    } catch (error) {
      this.native.sp_pcm_free(decoded.pcm);
      throw error;
    }
  }

  /** Validates what can be validated before any audio is touched. */
  #checkTrackOptions(options: TrackOptions, channels: number | undefined): void {
    initialGain(options);
    if (channels !== undefined) routeMatrix(channels, this.channels, options);
  }

  /** @internal Attaches decoded audio to a slot of `group`, publishes it and adds it to the
   * current song's tracks. On failure the caller still owns the pcm. */
  #addDecoded(decoded: DecodedAudio, options: TrackOptions, group: number): Track {
    const track = this.#slots.create(decoded, options, group);
    this.#songs.add(track);
    return track;
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
    return this.#songs.tracks.reduce(
      (sum, track) => sum + this.#slots.bytes(track),
      this.#streams?.setlistHeads?.bytes ?? 0,
    );
  }

  /** @internal Where a generated click or count-in goes: its clickRoute, else the in-ears. */
  clickPlacement(clickRoute: number[] | undefined): { route?: number[]; bus?: string } {
    if (clickRoute) return { route: clickRoute };
    const inEars = this.#buses.list.find((bus) => bus.name === IN_EARS) ??
      this.#buses.list.find((bus) => bus.protected);
    return inEars ? { bus: inEars.name } : {};
  }

  // ---- buses ------------------------------------------------------------------------------

  /** A bus of the rig profile by name, e.g. `player.bus("in-ears").gain = 0.5`.
   * @throws {StemplayError} "BUS" naming the buses there are */
  bus(name: string): Bus {
    return this.#buses.get(name);
  }

  /** Every bus of the rig profile, in its order. */
  get buses(): Bus[] {
    return this.#buses.list;
  }

  /** Loud lines about buses the device lacks and the tracks they mute (empty when fine). */
  get busProblems(): string[] {
    const tracks = this.#songs.tracks.map((t) => ({ name: t.name, bus: t.bus }));
    // The count-in plays on the click's bus: a muted one must be said before it is needed.
    const click = this.clickPlacement(this.#songs.song?.clickRoute).bus;
    if (this.countIn > 0 && click) tracks.push({ name: "the count-in", bus: click });
    return this.#buses.problems(tracks);
  }

  /** @internal The timecode hour of each prepared song's group; a "songprepared" event
   * ({ group, hour }) announces each new one. */
  get songHours(): ReadonlyMap<number, number> {
    return this.#songs.songHours;
  }

  /** @internal Runs `hook` at close(), before the engine is freed (once; returns an undo). */
  beforeClose(hook: () => Promise<void>): () => void {
    this.#closeHooks.add(hook);
    return () => this.#closeHooks.delete(hook);
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
    this.assertOpen("play");
    const state = this.state;
    if (state === "ended" && this.#requestedFrame === undefined) {
      unwrap(this.native, this.native.sp_transport_seek(this.engine, 0n), "play");
      this.#requestedFrame = 0;
    }
    if (state === "stopped" || state === "ended") {
      this.#show.startCountIn(this.#requestedFrame ?? this.positionFrames);
    }
    this.#requestedFrame = undefined;
    unwrap(this.native, this.native.sp_transport_play(this.engine), "play");
    this.#keepAlive(true);
  }

  /** Where the last seek, stop or song change asked the transport to be, until play(): the
   * published position lags a request by up to a block. */
  #requestedFrame?: number;

  /** Pauses, with a short fade, keeping the position. */
  pause(): void {
    this.assertOpen("pause");
    unwrap(this.native, this.native.sp_transport_pause(this.engine), "pause");
  }

  /** Stops, with a short fade, and rewinds to the start. */
  stop(): void {
    this.assertOpen("stop");
    unwrap(this.native, this.native.sp_transport_stop(this.engine), "stop");
    this.#show.abortCountIn(0);
    this.#requestedFrame = 0;
  }

  /** Jumps to `seconds` (clamped to the song), fading out and in around the jump. */
  seek(seconds: number): void {
    this.assertOpen("seek");
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `seek needs a time in seconds >= 0, got ${seconds}`,
      );
    }
    this.seekFrames(Math.round(seconds * this.sampleRate));
  }

  /** Jumps to a frame (clamped to the song). */
  seekFrames(frame: number): void {
    this.assertOpen("seek");
    checkInteger("frame", frame, 0, Number.MAX_SAFE_INTEGER);
    const state = this.state;
    if (state === "ended") unwrap(this.native, this.native.sp_transport_pause(this.engine), "seek");
    const clamped = Math.min(frame, this.durationFrames);
    unwrap(this.native, this.native.sp_transport_seek(this.engine, BigInt(clamped)), "seek");
    // Playing, the transport is there a block later: nothing to remember for the next play.
    this.#requestedFrame = state === "playing" ? undefined : clamped;
  }

  #readStatus(): BigUint64Array {
    this.native.sp_engine_status(this.engine, this.#status);
    return this.#status;
  }

  /** Position in frames, as of the last block. */
  get positionFrames(): number {
    this.assertOpen("read the position");
    const status = this.#readStatus();
    return this.#show.displayPosition(
      Number(status[STATUS.position]),
      Number(status[STATUS.group]),
    );
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
    this.assertOpen("read the state");
    if (this.#recovery?.lost) return "error";
    return STATES[Number(this.#readStatus()[STATUS.state])] ?? "stopped";
  }

  /** Master gain applied after the mix (1 = unity), ramped like every gain: 0 .. MAX_GAIN
   * (+12 dB). Every output is then clamped to ±1.0 (counted in `health.clipped`).
   * @throws {StemplayError} "INVALID_ARGUMENT" above +12 dB, or for NaN or Infinity; the
   * master gain stays as it was */
  set masterGain(gain: number) {
    this.assertOpen("set the master gain");
    gain = checkGain(gain, "masterGain");
    unwrap(
      this.native,
      this.native.sp_engine_set_master_gain(this.engine, gain),
      "set the master gain",
    );
    this.#masterGain = gain;
  }
  get masterGain(): number {
    return this.#masterGain;
  }
  #masterGain = 1;

  /** Resolves when the song next ends (or the player closes). */
  get finished(): Promise<void> {
    if (this.#closed || this.#recovery?.lost) return Promise.resolve();
    if (!this.#finished) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => resolve = r);
      this.#finished = { promise, resolve };
      this.#keepAlive(true);
    }
    return this.#finished.promise;
  }

  // ---- offline --------------------------------------------------------------------------

  /** Runs the callback's code for `frames` frames and returns one Float32Array per output
   * channel. Offline engines only (`backend: "offline"`). */
  render(frames: number): Float32Array[] {
    this.assertOpen("render");
    checkInteger("frames", frames, 1, 0x7fffffff / Math.max(1, this.channels));
    if (!this.offline) {
      throw new StemplayError(
        "NOT_OFFLINE",
        `render() needs a player opened with { backend: "offline" }, this one plays to ${this.deviceName}`,
      );
    }
    const interleaved = new Float32Array(frames * this.channels);
    unwrap(this.native, this.native.sp_render(this.engine, interleaved, frames), "render");
    const out = Array.from({ length: this.channels }, () => new Float32Array(frames));
    for (let i = 0, k = 0; i < frames; i++) {
      for (let c = 0; c < this.channels; c++) out[c][i] = interleaved[k++];
    }
    this.#poll();
    return out;
  }

  // ---- meters and monitor ---------------------------------------------------------------

  /** Peak metering in the callback (off by default: it costs a pass over every block). */
  set metering(on: boolean) {
    this.assertOpen("set metering");
    this.native.sp_meters_set_enabled(this.engine, on ? 1 : 0);
    this.#metering = Boolean(on);
  }
  get metering(): boolean {
    return this.#metering;
  }
  #metering = false;

  /** The highest post-gain peak of each track (same order as `tracks`) since the last call. */
  readPeaks(): number[] {
    this.assertOpen("read peaks");
    const peaks = new Float32Array(this.trackCapacity);
    this.native.sp_meters_read(this.engine, peaks, peaks.length);
    return this.#songs.tracks.map((track) => peaks[track.slot]);
  }

  /** The highest peak of each output (after every gain and fade) since the last call, with
   * `metering` on: index 0 is output 1. */
  readOutputPeaks(): number[] {
    this.assertOpen("read output peaks");
    const peaks = new Float32Array(this.channels);
    this.native.sp_output_peaks_read(this.engine, peaks, peaks.length);
    return [...peaks];
  }

  /** Whether the callback times itself. Takes effect from the next block. */
  get latencyMonitor(): boolean {
    this.assertOpen("read the latency monitor");
    return this.native.sp_monitor_enabled(this.engine) === 1;
  }
  set latencyMonitor(on: boolean) {
    this.assertOpen("toggle the latency monitor");
    if (on && !this.#monitorBuilt) {
      throw new StemplayError("UNSUPPORTED", "this build has the latency monitor compiled out");
    }
    this.native.sp_monitor_set_enabled(this.engine, on ? 1 : 0);
  }

  /** Track-blocks in which a streamed track had no audio ready (it played silence for that
   * block; the block was never waited for), since the player opened. */
  get starvedBlocks(): number {
    if (this.#closed) return 0;
    return Number(this.#readStatus()[STATUS.starved]);
  }

  /** Per output (index 0 is output 1): samples the callback clamped to ±1.0 after the master
   * gain since the player opened (also in `health.clipped`). Empty once closed. */
  get clippedSamples(): number[] {
    if (this.#closed) return [];
    const counts = new BigUint64Array(this.channels);
    unwrap(
      this.native,
      this.native.sp_output_clipped_read(this.engine, counts, counts.length),
      "read the clipped samples",
    );
    return Array.from(counts, Number);
  }

  /** What streaming holds and costs: ring bytes, streamed tracks, the reader thread's CPU. */
  get streamStats(): StreamStats {
    this.assertOpen("read stream stats");
    return streamStats(this.native, this.engine);
  }

  /** Callback timing over the monitor's window (the newest up to 4096 timed callbacks since
   * the last reset). Copies the ring without making the audio thread wait. */
  latencyStats(): LatencyStats {
    this.assertOpen("read latency stats");
    this.#monitorReader ??= new LatencyMonitorReader(
      this.native,
      this.engine,
      this.sampleRate,
      this.blockFrames,
    );
    return { ...this.#monitorReader.stats(), starved: this.starvedBlocks };
  }

  /** Starts a new window for `latencyStats()`: counts and ring read as empty. */
  resetLatencyStats(): void {
    this.assertOpen("reset latency stats");
    this.native.sp_monitor_reset(this.engine);
  }

  // ---- events and life cycle ------------------------------------------------------------

  /** Polls through a weak reference, so the timer alone never keeps a dropped player (and
   * its engine) alive: the FinalizationRegistry backstop can then free it. */
  #startPolling(): ReturnType<typeof setInterval> {
    this.#watchdog = new DeviceWatchdog(this.blockFrames / this.sampleRate * 1000);
    const player = new WeakRef(this);
    this.#timer = setInterval(() => {
      const alive = player.deref();
      if (alive) alive.#poll();
    }, POLL_MS);
    Deno.unrefTimer(this.#timer);
    return this.#timer;
  }

  /** Keeps the process alive while something waits on playback. */
  #keepAlive(on: boolean): void {
    if (this.#timer === undefined) return;
    if (on) Deno.refTimer(this.#timer);
    else Deno.unrefTimer(this.#timer);
  }

  #poll(): void {
    if (this.#closed || this.#deviceDown) return;
    const status = this.#readStatus();
    const now = performance.now();
    const lastBlockAt = this.#watchdog?.check(status[STATUS.blocks], now);
    if (lastBlockAt !== undefined) {
      const silent = Math.round(now - lastBlockAt);
      const reason = `the audio device ${this.deviceName} stopped (no callback for ${silent} ms)`;
      this.#recovery?.deviceLost(reason, lastBlockAt);
      return;
    }
    const group = Number(status[STATUS.group]);
    this.#show.poll(Number(status[STATUS.cueFired]));
    this.#setlist.poll(group);
    this.#songs.freeRetired(group, Number(status[STATUS.position]));
    const state = STATES[Number(status[STATUS.state])] ?? "stopped";
    if (state !== this.#lastState) {
      this.#lastState = state;
      this.dispatchEvent(new CustomEvent("statechange", { detail: state }));
      if (state === "ended") {
        this.dispatchEvent(new Event("ended"));
        this.#settleFinished();
      }
    }
    if (state !== "playing" && !this.#finished) this.#keepAlive(false);
  }

  #settleFinished(): void {
    this.#finished?.resolve();
    this.#finished = undefined;
  }

  /** True while the device is lost or changes hands: no watchdog, no waiting on blocks. */
  get #deviceDown(): boolean {
    return (this.#recovery?.lost ?? false) || (this.#recovery?.busy ?? false);
  }

  /** The device's health: "ok", "recovering" (lost, retried with backoff) or "lost" (lost,
   * and the last retry found it unusable), with counts and the last error. See
   * docs/device_loss.md. */
  get health(): PlayerHealth {
    return this.#recovery?.health ??
      {
        ...OFFLINE_HEALTH,
        starved: this.starvedBlocks,
        clipped: this.clippedSamples,
        starvedFiles: this.#starvedFiles(),
      };
  }

  /** Streamed files found cut short or unreadable since the player opened. */
  #starvedFiles(): string[] {
    return this.#closed ? [] : this.#streams?.starvedFiles() ?? [];
  }

  /** What recovery may do to the player. */
  #recoveryHost(): RecoveryHost {
    // deno-lint-ignore no-this-alias
    const player = this;
    return {
      native: this.native,
      engine: this.engine,
      sampleRate: this.sampleRate,
      channels: this.channels,
      transportState: () => STATES[Number(player.#readStatus()[STATUS.state])] ?? "stopped",
      positionFrames: () => player.positionFrames,
      durationFrames: () => player.durationFrames,
      blocks: () => player.#readStatus()[STATUS.blocks],
      overruns: () => player.latencyMonitor ? player.#monitorReader?.read().overruns ?? 0 : 0,
      starved: () => player.starvedBlocks,
      clipped: () => player.clippedSamples,
      starvedFiles: () => player.#starvedFiles(),
      seekFrames: (frame) => player.seekFrames(frame),
      play: () => player.play(),
      pause: () => player.pause(),
      deviceLost: () => {
        player.#lastState = "error";
        player.#keepAlive(false);
        player.dispatchEvent(new CustomEvent("statechange", { detail: "error" }));
        player.dispatchEvent(new Event("devicelost"));
      },
      deviceBack: () => player.#deviceBack(),
      deviceName: () => player.deviceName,
      backendName: () => player.backendName,
    };
  }

  /** A device plays again (recovered, or moved by `reopen()`). */
  #deviceBack(): void {
    const wasLost = this.#lastState === "error";
    const name = new Uint8Array(256);
    this.native.sp_engine_backend_name(this.engine, name, name.length);
    (this as { backendName: string }).backendName = bufferString(name);
    this.native.sp_engine_device_name(this.engine, name, name.length);
    (this as { deviceName: string }).deviceName = bufferString(name);
    this.#watchdog?.restart(this.#readStatus()[STATUS.blocks]);
    this.#poll(); // "statechange" from "error" to the transport's state
    if (wasLost) this.dispatchEvent(new Event("devicerecovered"));
    if (this.#lastState === "playing") this.#keepAlive(true);
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
    const moving = options.backend !== undefined || options.device !== undefined;
    const target: DeviceTarget | undefined = moving
      ? { backend: options.backend ?? this.backendName, device: options.device }
      : undefined;
    await this.#recovery.reopen(target);
  }

  /** Stops the stream and frees the engine and every track. Idempotent. Returns within about
   * a second even when the audio server hangs: a device teardown that takes longer is left to a
   * native thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Outputs that read the engine from their own threads (MTC) close before it is freed.
    await Promise.all([...this.#closeHooks].map((hook) => hook()));
    if (this.#timer !== undefined) clearInterval(this.#timer);
    leaked.unregister(this);
    this.#songs.clear();
    const free = async () => {
      if (this.#recovery?.lost) {
        // The backend may block forever tearing down a dead device: never on this thread.
        this.native.sp_engine_abandon(this.engine);
      } else {
        await this.native.sp_engine_destroy(this.engine);
      }
    };
    this.#streams?.dropSetlistHeads(); // not the engine's: freed here
    const running = this.#recovery?.close();
    // An open still running (bounded by its deadline) uses the engine: free it after that.
    if (running) void running.catch(() => {}).then(free);
    else await free();
    this.#settleFinished();
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

  /** Jumps to a marker (name or index): `at` "now" (default), or on the next "beat", "bar"
   * line or marker ("section"). Lands on the exact frame with a 5 ms crossfade. */
  jump(marker: string | number, options: { at?: JumpAt } = {}): void {
    this.#show.jump(marker, options);
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

  /** Loops from a marker to the next one (or the song's end). */
  loopSection(marker: string | number): void {
    this.#show.loopSection(marker);
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

  /** A loop left with `exitLoop({ at: "end" })` whose last pass still plays, in seconds. */
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
    this.#show.fadeIn(seconds);
    unwrap(this.native, this.native.sp_transport_play(this.engine), "fade in");
    this.#keepAlive(true);
  }

  /** Loads a setlist (see README, "Running a show"): validates every song, loads the first,
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
    this.#poll();
    await this.#setlist.ready();
  }

  /** What the track table may do to the player (src/engine/track_slots.ts). */
  #slotsHost(): TrackSlotsHost {
    // deno-lint-ignore no-this-alias
    const player = this;
    return {
      native: this.native,
      engine: this.engine,
      channels: this.channels,
      trackCapacity: this.trackCapacity,
      get buses() {
        return player.#buses;
      },
      get streams() {
        return player.#streams;
      },
      get closed() {
        return player.#closed;
      },
      get deviceDown() {
        return player.#deviceDown;
      },
      owner: this,
    };
  }

  /** What the song deck and the setlist may do to the player (src/songs/song_deck.ts,
   * src/songs/player_setlist.ts). */
  #songsHost(): SongDeckHost {
    // deno-lint-ignore no-this-alias
    const player = this;
    return {
      native: this.native,
      engine: this.engine,
      channels: this.channels,
      sampleRate: this.sampleRate,
      blockFrames: this.blockFrames,
      offline: this.offline,
      get closed() {
        return player.#closed;
      },
      get deviceDown() {
        return player.#deviceDown;
      },
      get busNames() {
        return player.#buses.names;
      },
      get streams() {
        return player.#streams;
      },
      lastStatus: this.#status,
      readStatus: () => this.#readStatus(),
      assertOpen: (what) => this.assertOpen(what),
      clickPlacement: (clickRoute) => this.clickPlacement(clickRoute),
      requestFrame: (frame) => {
        this.#requestedFrame = frame;
      },
      endSetlist: () => this.#setlist.end(),
      dispatchEvent: (event) => this.dispatchEvent(event),
      createTrack: (decoded, options, group) => this.#slots.create(decoded, options, group),
      dropTrack: (track) => this.#slots.drop(track),
      place: (options, channels) => this.#buses.place(options, channels).options,
    };
  }

  /** @internal The miniaudio version the library was built with. */
  get miniaudioVersion(): string {
    return cString(this.native.sp_miniaudio_version());
  }
}
