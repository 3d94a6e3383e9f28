/**
 * stemplay: multitrack playback for live performance. Stems play locked together,
 * sample-accurately, each with its own level and routing, mixed in C on the audio thread.
 *
 * ```ts
 * import { Player } from "./mod.ts";
 * await using player = await Player.open({ backend: "null", channels: 4 });
 * const click = await player.load("click.wav", { route: [3] });
 * player.play();
 * await player.finished;
 * ```
 *
 * @module
 */

export { Player } from "./src/player/player.ts";
export type { PlayerOptions, PlayerState } from "./src/player/player.ts";
export type { PlayerMetering } from "./src/player/player_metering.ts";
export type { PlayerShowFlow } from "./src/player/player_show_flow.ts";
export type { PlayerKeyTempo } from "./src/player/player_key_tempo.ts";
export type { KeyTempoOptions, StretchEngine } from "./src/player/key_tempo_options.ts";
export type { PlayerHealth, RecoveryMode } from "./src/engine/device_recovery.ts";
export type { LibraryVariant } from "./src/native/native.ts";
export { Track } from "./src/engine/track.ts";
export { dbToGain, gainToDb, MAX_GAIN, MAX_GAIN_DB } from "./src/engine/levels.ts";
export type { TrackOptions } from "./src/engine/track.ts";
export { listDevices } from "./src/engine/devices.ts";
export type { DeviceInfo } from "./src/engine/devices.ts";
export { StemplayError } from "./src/errors.ts";
export type { StemplayErrorCode } from "./src/errors.ts";
export type { Problem } from "./src/util/check.ts";
export type { ProgressCallback } from "./src/sources/decode.ts";
export type { TrackSource } from "./src/sources/audio.ts";
export type { Routing } from "./src/engine/routing.ts";
export { loadSongDescription } from "./src/songs/song.ts";
export { saveSong, songVersion } from "./src/songs/save_song.ts";
export type { SavedSong, SaveSongOptions } from "./src/songs/save_song.ts";
export { draftSong } from "./src/songs/song_draft.ts";
export type { DetectedTempoLike, DraftSongOptions, SongDraft } from "./src/songs/song_draft.ts";
export { readWavMarkers } from "./src/sources/wav_markers.ts";
export type { WavLoop, WavMarkers } from "./src/sources/wav_markers.ts";
export { readMidiTempoMap } from "./src/sources/midi_tempo.ts";
export type { MidiTempoChange, MidiTempoMap } from "./src/sources/midi_tempo.ts";
export type { Marker } from "./src/model/marker.ts";
export type { SongDescription, SongDescriptionOptions, SongTrack } from "./src/songs/song.ts";
export type { LoadSongOptions } from "./src/songs/song_loader.ts";
export type { LatencyStats } from "./src/engine/stats.ts";
export type { StreamingOptions, StreamStats } from "./src/sources/streaming.ts";
export type { LatencyProfile } from "./src/engine/profiles.ts";
export type { JumpAt } from "./src/show/show.ts";
export type { TempoSegment } from "./src/model/tempo.ts";
export { songPeaks } from "./src/songs/song_peaks.ts";
export type { SongPeaks, SongPeaksOptions, TrackPeaks } from "./src/songs/song_peaks.ts";
export type { ChannelPeaks } from "./src/sources/peaks.ts";
export { detectTempo } from "./src/sources/detect_tempo.ts";
export type { DetectedTempo, DetectedTempoEntry } from "./src/sources/detect_tempo.ts";
export type { SpokenCueOptions } from "./src/show/spoken_cue_options.ts";
export type { SongSpokenCues } from "./src/songs/song_spoken_cues.ts";
export { loadSetlist } from "./src/songs/setlist.ts";
export type { Setlist, SetlistEntry, Transition } from "./src/songs/setlist.ts";
export type { SetlistState } from "./src/songs/setlist_runner.ts";
export { serveOsc } from "./src/control/osc.ts";
export type { OscOptions, OscServer } from "./src/control/osc.ts";
export { OSC_LIMITS, type OscLimits } from "./src/control/osc_limits.ts";
export { serveRemote } from "./src/control/remote.ts";
export { serveConsole } from "./src/control/console.ts";
export type { ConsoleOptions, ConsoleServer } from "./src/control/console.ts";
export type { RemoteOptions, RemoteServer } from "./src/control/remote.ts";
export { ACTION_TYPES, validateAction } from "./src/control/actions.ts";
export type {
  Action,
  BusGainAction,
  CancelJumpAction,
  CountInAction,
  ExitLoopAction,
  FadeInAction,
  FadeOutAction,
  FailbackAction,
  GotoAction,
  JumpAction,
  LatencyMonitorAction,
  LocateAction,
  MarkerRef,
  MasterGainAction,
  MidiClockAction,
  MuteAction,
  NextAction,
  PauseAction,
  PitchedAction,
  PlayAction,
  PreviousAction,
  ReopenDeviceAction,
  SeekAction,
  SoloAction,
  SpeedAction,
  SpokenCuesAction,
  StopAction,
  TogglePlayAction,
  TrackGainAction,
  TrackRef,
  TransposeAction,
  VampAction,
} from "./src/control/actions.ts";
export { controlStatus, ControlSurface, dispatch } from "./src/control/surface.ts";
export type { ActionEvent, ActionResult, DispatchOptions } from "./src/control/surface.ts";
export { MAX_QUEUED_ACTIONS } from "./src/control/action_queue.ts";
export type { BusStatus, ControlStatus, MarkerStatus, TrackStatus } from "./src/control/status.ts";
export { Bus, FOH, IN_EARS } from "./src/engine/buses.ts";
export type { BusOptions, BusProfile } from "./src/engine/buses.ts";
export type { LtcFps, LtcOptions } from "./src/show/timecode.ts";
export { MidiInput, serveMidi } from "./src/control/midi.ts";
export type { MidiStats, ServeMidiOptions } from "./src/control/midi.ts";
export type { MidiAction, MidiMapEntry, MidiSettings } from "./src/control/midi_map.ts";
export { parseMidi } from "./src/control/midi_message.ts";
export { MIDI_DEBOUNCE_MS } from "./src/control/midi_debounce.ts";
export type { MidiMessage } from "./src/control/midi_message.ts";
export { MtcOutput, serveMtc } from "./src/control/mtc.ts";
export { MidiOutput, serveMidiOut } from "./src/control/midi_out.ts";
export type { SpokenCuesStatus } from "./src/control/spoken_cues_switch.ts";
export type { MidiOutSent, ServeMidiOutOptions } from "./src/control/midi_out.ts";
export type { MidiEvent } from "./src/songs/midi_events.ts";
export { serveSync } from "./src/control/sync_serve.ts";
export type { SyncServeOptions, SyncServer } from "./src/control/sync_serve.ts";
export { followSync } from "./src/control/sync_follow.ts";
export type { SyncFollower, SyncFollowOptions } from "./src/control/sync_follow.ts";
export type { SyncHealth } from "./src/control/sync_registry.ts";
export { HEARTBEAT_LEVEL, setHeartbeat } from "./src/control/heartbeat.ts";
export type { HeartbeatOptions } from "./src/control/heartbeat.ts";
export type { ServeMtcOptions } from "./src/control/mtc.ts";
