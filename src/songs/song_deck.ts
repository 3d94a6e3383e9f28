/**
 * The song deck: the current song (its tracks, engine group, title, markers and tempo), the
 * songs being prepared beside it, and switching between them. A switch the player asks for
 * stops the old song and frees it once the audio thread has left it; a switch the callback
 * made by itself (a setlist transition) is adopted, and the old song's tracks are retired
 * until its crossfade's tail has played. Every song prepared here gets its generated tracks:
 * the click (from its tempo) and, when timecode is on, LTC. The show flow (cues on the current
 * song) lives here too: it reads the song's markers and tempo, and starts afresh at every
 * switch.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { unwrap } from "../native/native.ts";
import { waitForAudio } from "../engine/audio_wait.ts";
import { freeAudio } from "../sources/streaming.ts";
import type { Track } from "../engine/track.ts";
import type { Engine } from "../engine/engine.ts";
import type { TrackSlots } from "../engine/track_slots.ts";
import { GENERATED_PITCH } from "../engine/track_pitch.ts";
import { ShowFlow, type ShowSong } from "../show/show.ts";
import { checkLtcOptions, type LtcOptions, songHour, TIMECODE_BUS } from "../show/timecode.ts";
import type { TempoSegment } from "../model/tempo.ts";
import { generateClick, generateLtc, longest } from "./generated_tracks.ts";
import { loadSongDescription, type SongDescription } from "./song.ts";
import { type SongMidi, songMidi } from "./midi_events.ts";
import type { Marker } from "../model/marker.ts";
import { attachSong, decodeSongFiles, type LoadSongOptions } from "./song_loader.ts";
import { keyTempoOf, stretchDecoded, stretchedTimeline, withKeyTempo } from "./stretched_song.ts";
import { stretchStreams } from "./stretched_song.ts";
import { stretchedMidi } from "./stretched_midi.ts";
import { isNeutral } from "../model/key_tempo.ts";
import type { PreparedSong, SetlistSongs } from "./setlist_runner.ts";
import { prepareSpokenCues, SPOKEN_CUES_TRACK } from "./spoken_cue_track.ts";
import type { KeyTempoDeck, Retimed } from "./key_tempo_change.ts";
import { carryCues, cuesToCarry, cueTargets, retimeSwitch, waitOutCountIn } from "./retime.ts";
import {
  decodeCueHeads,
  farLead,
  fillingOf,
  readyToSwitch,
  type RingsStarted,
  startAtPlayhead,
} from "./change_start.ts";
import type { SpokenCueOptions } from "../show/spoken_cue_options.ts";
import { markKeyChange } from "./key_change_breakdown.ts";
import { decodeStartHeads, waitForStartHeads } from "./start_heads.ts";
import { ChangeLead } from "./change_lead.ts";

/** What the player knows of the current song beyond its tracks. */
export interface SongInfo {
  title: string;
  /** The folder or song.json it was loaded from. */
  path?: string;
  markers: Marker[];
  tempo: TempoSegment[];
  clickRoute?: number[];
  /** Lines the operator must see about this song (spoken cues that are off, and why). */
  notices?: string[];
  /** The spoken count-in's words, when the song's count-in is spoken. */
  countInWords?: Float32Array[];
  /** The song as described, at the key and tempo it plays (a key or tempo change starts
   * from it: src/songs/key_tempo_change.ts), and its place in the setlist. */
  described?: SongDescription;
  setlistIndex?: number;
}

/** A song's tracks in their engine group. */
interface SongInGroup {
  group: number;
  tracks: Track[];
  info: SongInfo | undefined;
  /** Stems still being rendered or read (a change while playing: src/songs/retime.ts). */
  filling?: ReturnType<typeof fillingOf>;
}

/** How a song is prepared: a fresh load, a setlist's song (its place), or the current one
 * again while playing (`progressiveFrom`: the playhead; `lead`: frames ahead of it).
 * `startFrame`: switched to at once, there, so its start's heads are decoded first
 * (start_heads.ts); a song prepared in the background leaves them to the readers. */
interface Preparing {
  onProgress?: LoadSongOptions["onProgress"];
  setlistIndex?: number;
  startFrame?: number;
  progressiveFrom?: () => number;
  lead?: number;
}

/** What the song deck asks of the player: where the transport was asked to stand, ending
 * the setlist, and the player's events. */
export interface DeckPlayer {
  /** The transport was asked to stand at `frame` (the published position lags a block). */
  requestFrame(frame: number): void;
  /** Ends the setlist, if one runs: a song loaded by hand replaces it. */
  endSetlist(): Promise<void>;
  dispatchEvent(event: Event): boolean;
}

/** The current song and the songs prepared beside it, for one player. */
export class SongDeck {
  #engine: Engine;
  #slots: TrackSlots;
  #player: DeckPlayer;
  #tracks: Track[] = [];
  /** The operator turned the spoken cues off (they stay off at the next song). */
  #spokenCuesOff = false;
  #group = 0;
  #nextGroup = 1;
  #song?: SongInfo;
  /** Songs whose tracks are freed once a crossfade's tail has played this far (`from`: not
   * while the callback still plays that group, before it takes a key or tempo change). */
  #retiring: {
    tracks: Track[];
    group: number;
    untilFrame: number;
    from?: number;
    ratio?: number;
  }[] = [];
  #loading = false;
  /** The timecode hour of each song's group (see timecode.ts). */
  #songHours = new Map<number, number>();
  #songMidi = new Map<number, SongMidi>();
  /** The speed each prepared song's timeline runs at (src/model/song_time.ts). */
  #songSpeeds = new Map<number, number>();
  /** A key change's first lead, learnt from the song's changes before (change_lead.ts). */
  #changeLead = new ChangeLead();
  /** Timecode out: every song prepared gets a generated timecode track. */
  #ltc?: LtcOptions;
  /** Spoken cues for every song (stemplay.json's), under each song's own `spokenCues`. */
  spokenCues?: SpokenCueOptions;
  /** Cues on the current song: jumps, loops, count-in, fades. */
  readonly show: ShowFlow;

  /** Subscribes to the engine's ticks: the show flow's cues, then the retired songs. */
  constructor(engine: Engine, slots: TrackSlots, player: DeckPlayer) {
    this.#engine = engine;
    this.#slots = slots;
    this.#player = player;
    this.show = new ShowFlow(engine, slots, this.#showSong());
    engine.onTick((status) => {
      this.show.poll(status);
      this.freeRetired(status.group, status.position);
    });
  }

  /** The current song's tracks, in the order they were added. */
  get tracks(): readonly Track[] {
    return this.#tracks;
  }

  /** Adds a track (added by hand) to the current song. */
  add(track: Track): void {
    this.#tracks.push(track);
  }

  /** Takes a track out of the current song; false if it was not in it. */
  remove(track: Track): boolean {
    const index = this.#tracks.indexOf(track);
    if (index < 0) return false;
    this.#tracks.splice(index, 1);
    return true;
  }

  /** The player closes: the engine frees every track with itself. */
  clear(): void {
    for (const track of this.#tracks) track.markRemoved();
    this.#tracks = [];
  }

  /** The engine group the current song plays in. */
  get group(): number {
    return this.#group;
  }

  /** A new engine group, for a song or a count-in. */
  newGroup(): number {
    return this.#nextGroup++;
  }

  /** What is known of the current song beyond its tracks (undefined: none was loaded). */
  get song(): SongInfo | undefined {
    return this.#song;
  }

  /** Length of the current song's longest track, in frames. */
  get durationFrames(): number {
    this.#engine.assertOpen("read the duration");
    return longest(this.#tracks);
  }

  /** The speed the timeline of `group` (default: the current song's) runs at: song frame =
   * timeline frame × speed. 1 for a group without a song (tracks added by hand, a count-in
   * before any song). */
  timelineSpeed(group: number = this.#group): number {
    return this.#songSpeeds.get(group) ?? this.#songSpeeds.get(this.#group) ?? 1;
  }

  /** The timecode hour of each prepared song's group. */
  get songHours(): ReadonlyMap<number, number> {
    return this.#songHours;
  }

  /** The tempo map and MIDI events of each prepared song's group (MIDI out reads them). */
  get songMidi(): ReadonlyMap<number, SongMidi> {
    return this.#songMidi;
  }

  /** SMPTE linear timecode out (undefined: none), for songs prepared from then on. */
  get ltc(): LtcOptions | undefined {
    return this.#ltc && { ...this.#ltc };
  }
  set ltc(options: LtcOptions | undefined) {
    const engine = this.#engine;
    const checked = options === undefined ? undefined : checkLtcOptions(options, engine.channels);
    if (checked && checked.output === undefined && !engine.buses.names.includes(TIMECODE_BUS)) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `ltc.output: give the output the timecode plays on, or add a "${TIMECODE_BUS}" bus to ` +
          `the rig profile (buses: ${engine.buses.names.join(", ")})`,
      );
    }
    this.#ltc = checked;
  }

  /** Loads a song (see `Player.loadSong`): the current one plays on until the new one is
   * ready, then is replaced in one step. */
  async load(path: string, options: LoadSongOptions): Promise<SongDescription> {
    const engine = this.#engine;
    engine.assertOpen("load a song");
    if (this.#loading) {
      throw new StemplayError("BUSY", `cannot load ${path}: another song is still loading`, {
        path,
      });
    }
    this.#loading = true;
    try {
      const description = withKeyTempo(
        await loadSongDescription(path, { outputs: engine.channels, buses: engine.buses.names }),
        options,
      );
      const prepared = await this.#prepare(description, {
        onProgress: options.onProgress,
        startFrame: 0,
      });
      await this.#player.endSetlist();
      await this.#switchTo(prepared, 0);
      return description;
    } finally {
      this.#loading = false;
    }
  }

  /** Stops and removes the current song (every track), freeing its memory. */
  async unload(): Promise<void> {
    this.#engine.assertOpen("unload the song");
    if (this.#loading) {
      throw new StemplayError("BUSY", "cannot unload the song while another one is loading");
    }
    await this.#player.endSetlist();
    await this.#switchTo({ group: this.#nextGroup++, tracks: [], info: undefined }, 0);
  }

  /** Decodes a described song and attaches it to a new group (with its generated click),
   * without switching to it. */
  async #prepare(description: SongDescription, how: Preparing = {}): Promise<SongInGroup> {
    const { onProgress, setlistIndex, progressiveFrom, lead = 0, startFrame } = how;
    const engine = this.#engine;
    const described = description;
    const recorded = await songMidi(description); // its MIDI files first: a bad one changes nothing
    const keyTempo = keyTempoOf(description);
    const source = await decodeSongFiles(
      engine.native,
      description,
      engine.sampleRate,
      onProgress,
      // At another key or tempo the reader stretches them, within its budget (stretch_stream.ts).
      isNeutral(keyTempo) || stretchStreams(engine.streams, description)
        ? engine.streams?.settings.ringFrames
        : undefined,
    );
    if (progressiveFrom) markKeyChange("decoded");
    const decoded = await stretchDecoded(
      engine.native,
      description,
      source,
      engine.sampleRate,
      { ...keyTempo, engine: engine.stretchEngine }, // the player's R3 or R2
      progressiveFrom,
    );
    let started: RingsStarted | undefined;
    if (progressiveFrom) {
      markKeyChange("launched");
      // The cues carried over at the switch (a vamp): their heads first, then the rings from
      // where the playhead is once those are done.
      const cues = cueTargets(this.show, engine, this.timelineSpeed() / keyTempo.speed);
      await decodeCueHeads(engine, decoded, cues.heads, this.show.cueHeadFrames);
      // The readers refilling the song playing (after a jump) fill the new rings last.
      const status = engine.readStatus();
      const far = farLead(engine, status.position, this.show.leavesAt(status));
      const ahead = Math.max(lead, far * this.timelineSpeed());
      started = startAtPlayhead(engine, decoded, progressiveFrom, keyTempo.speed, ahead, cues.loop);
    } else if (!isNeutral(keyTempo) && startFrame !== undefined) {
      await decodeStartHeads(engine, decoded, startFrame);
    }
    description = stretchedTimeline(description, keyTempo.speed);
    const midi = stretchedMidi(recorded, description.tempo, keyTempo.speed);
    if (engine.closed) decoded.forEach((audio) => freeAudio(engine.native, audio));
    engine.assertOpen("load a song");
    const group = this.#nextGroup++;
    const tracks = await attachSong(this.#engine, this.#slots, description, decoded, group);
    // Every marker's first seconds stay resident: a jump to one never waits for the rings.
    engine.streams?.preroll(
      group,
      description.markers.map((m) => Math.round(m.at * engine.sampleRate)),
    );
    const info: SongInfo = {
      title: description.title,
      path: description.path,
      markers: description.markers,
      tempo: description.tempo,
      clickRoute: description.clickRoute,
      described,
      setlistIndex,
    };
    const length = longest(tracks);
    this.#songHours.set(group, songHour(setlistIndex));
    this.#songMidi.set(group, midi);
    this.#songSpeeds.set(group, keyTempo.speed);
    this.#player.dispatchEvent(
      new CustomEvent("songprepared", {
        detail: { group, hour: songHour(setlistIndex), midi },
      }),
    );
    try {
      if (description.generateClick) {
        tracks.push(generateClick(engine, this.#slots, tracks, info, group));
      }
      const cueOptions = { song: description.spokenCues, settings: this.spokenCues };
      const cues = await prepareSpokenCues(engine, this.#slots, cueOptions, info, length, group);
      if (cues) {
        // Off now stays off (a transition plays the song before #makeCurrent runs).
        const current = this.#tracks.find((t) => t.name === SPOKEN_CUES_TRACK);
        if (current?.muted ?? this.#spokenCuesOff) cues.muted = true;
        tracks.push(cues);
      }
      if (this.#ltc) {
        const hour = songHour(setlistIndex);
        tracks.push(
          generateLtc(engine, this.#slots, this.#ltc, hour, length, group, keyTempo.speed),
        );
      }
    } catch (error) {
      await Promise.all(tracks.map((track) => this.#slots.drop(track)));
      this.#forget(group);
      throw error;
    }
    tracks.slice(decoded.length).forEach((track) => track.setPitch(GENERATED_PITCH));
    const filling = progressiveFrom ? fillingOf(decoded, started) : undefined;
    return { group, tracks, info, filling };
  }

  /** Makes a prepared song the playing one, stopped at `startFrame`, then frees the old
   * song's tracks once the audio thread has left them (so its fade-out still has them). When
   * the audio side does not take the switch in time (TIMEOUT), the old song stays the current
   * one and the prepared song is freed. */
  async #switchTo(
    song: SongInGroup,
    startFrame: number,
    becameCurrent?: () => void,
  ): Promise<void> {
    const engine = this.#engine;
    try {
      engine.assertOpen("switch songs");
      unwrap(engine.native, engine.native.sp_transport_stop(engine.pointer), "switch songs");
      this.#player.requestFrame(startFrame);
      unwrap(
        engine.native,
        engine.native.sp_transport_switch(engine.pointer, song.group, BigInt(startFrame)),
        "switch songs",
      );
    } catch (error) {
      if (!engine.closed) await Promise.allSettled(song.tracks.map((t) => this.#slots.drop(t)));
      throw error;
    }
    const old: SongInGroup = { group: this.#group, tracks: this.#tracks, info: this.#song };
    this.#makeCurrent(song);
    becameCurrent?.();
    try {
      await waitForAudio(
        "switch songs",
        () => !engine.closed && engine.readStatus().group === song.group,
        () => engine.offline || engine.closed || engine.deviceDown,
      );
    } catch (error) {
      // Back to the old song, stopped at its start: this switch follows the first in the
      // command ring, so the callback ends there whenever it runs again.
      engine.native.sp_transport_switch(engine.pointer, old.group, 0n);
      this.#player.requestFrame(0);
      this.#makeCurrent(old);
      await Promise.allSettled(song.tracks.map((track) => this.#slots.drop(track)));
      throw error;
    }
    await Promise.all(old.tracks.map((track) => this.#slots.drop(track)));
  }

  /** Makes a prepared song at another key or tempo the playing one, while playing: the
   * callback moves to it at the same musical place, crossfaded (src/songs/retime.ts):
   * "switched", else (nothing switched) how the wait for it ended (`waitForFill`). */
  async #retimeTo(song: SongInGroup, fromSpeed: number, toSpeed: number): Promise<Retimed> {
    const engine = this.#engine, group = this.#group, show = this.show;
    const overtaken = () => this.#group !== group; // a song loaded, or a setlist transition
    await waitOutCountIn(engine, () => show.countingIn, overtaken);
    const playhead = () => this.pendingPlayhead() ?? engine.readStatus().position;
    const ratio = fromSpeed / toSpeed;
    const filled = await readyToSwitch(engine, song, show, ratio, playhead, overtaken);
    if (filled !== "ready") return filled;
    markKeyChange("filled");
    const { rings = [], startedAt, heldAt } = song.filling ?? {};
    const described = song.info?.described;
    const stretched = described !== undefined && !isNeutral(keyTempoOf(described));
    if (stretched && rings.length > 0 && startedAt !== undefined && heldAt !== undefined) {
      this.#changeLead.filled(song.info?.path, (heldAt - startedAt) / 1000);
    }
    const cues = cuesToCarry(show, engine);
    const retired = retimeSwitch(engine, group, song.group, fromSpeed, toSpeed, playhead());
    markKeyChange("switched");
    this.#retiring.push({ tracks: this.#tracks, ...retired });
    this.#makeCurrent(song);
    carryCues(show, cues, retired.ratio, engine.sampleRate);
    return "switched";
  }

  /** The callback's position in the current song's frames while a switch to it at another
   * key or tempo waits in the command ring (a device lost, an offline engine between renders):
   * its position mapped through each switch not taken yet. Undefined when none waits. */
  pendingPlayhead(): number | undefined {
    let { group, position } = this.#engine.readStatus();
    let pending = false;
    for (const retired of this.#retiring) {
      if (retired.from !== group || retired.ratio === undefined) continue;
      position = Math.round(position * retired.ratio);
      group = retired.group;
      pending = true;
    }
    return pending && group === this.#group ? position : undefined;
  }

  #makeCurrent(song: SongInGroup): void {
    // Spoken cues the operator turned off stay off from song to song (until turned on).
    const cues = (tracks: readonly Track[]) => tracks.find((t) => t.name === SPOKEN_CUES_TRACK);
    this.#spokenCuesOff = cues(this.#tracks)?.muted ?? this.#spokenCuesOff;
    const next = cues(song.tracks);
    if (next && this.#spokenCuesOff) next.muted = true;
    this.#tracks = song.tracks;
    this.#group = song.group;
    this.#song = song.info;
    this.show.resetForSong();
  }

  /** The callback switched to `song` by itself (a setlist transition): it becomes the current
   * song; the old one's tracks are freed once the new one reaches `untilFrame` (the end of
   * the crossfade's tail). */
  #adopt(song: SongInGroup, untilFrame: number): void {
    this.#retiring.push({ tracks: this.#tracks, group: song.group, untilFrame });
    this.#makeCurrent(song);
    this.freeRetired(song.group, this.#engine.status.position);
  }

  /** Bytes of audio the current tracks hold (see `Player.memoryBytes`). */
  get memoryBytes(): number {
    return this.#slots.memoryBytes(this.#tracks);
  }

  /** Loud lines about buses the device lacks and the tracks they mute (empty when fine). */
  get busProblems(): string[] {
    const tracks = this.#tracks.map((t) => ({ name: t.name, bus: t.bus }));
    // The count-in plays on the click's bus: a muted one must be said before it is needed.
    const buses = this.#engine.buses;
    const click = buses.clickPlacement(this.#song?.clickRoute).bus;
    if (this.show.countIn > 0 && click) tracks.push({ name: "the count-in", bus: click });
    return [...buses.problems(tracks), ...this.#song?.notices ?? []];
  }

  /** Frees the tracks of songs whose crossfade tail is over (at every poll, with the group
   * and position the callback plays). */
  freeRetired(group: number, position: number): void {
    this.#retiring = this.#retiring.filter((retired) => {
      if (group === retired.from) return true; // the switch is not taken yet
      const done = group !== retired.group ||
        position >= retired.untilFrame + this.#engine.blockFrames;
      // A slot the audio side never leaves (TIMEOUT) is freed with the engine.
      if (done) retired.tracks.forEach((track) => this.#slots.drop(track).catch(() => {}));
      return !done;
    });
  }

  /** A song dropped unplayed: "songdropped" frees its MTC and MIDI out slots (16), so a flood
   * of dropped preparations never evicts the song that plays (docs/timecode.md). */
  #forget(group: number): void {
    this.#songHours.delete(group);
    this.#songMidi.delete(group);
    this.#songSpeeds.delete(group);
    this.#player.dispatchEvent(new CustomEvent("songdropped", { detail: { group } }));
  }

  /** What a setlist plays through: songs prepared, switched to, adopted and dropped here. */
  setlistSongs(): SetlistSongs {
    // deno-lint-ignore no-this-alias
    const deck = this;
    const prepared = new WeakMap<PreparedSong, SongInGroup>();
    return {
      get durationFrames() {
        return deck.durationFrames;
      },
      show: this.show,
      prepareSong: async (description, index, startFrame) => {
        const song = await this.#prepare(description, { setlistIndex: index, startFrame });
        const handle: PreparedSong = {
          group: song.group,
          durationFrames: longest(song.tracks),
          description,
        };
        prepared.set(handle, song);
        return handle;
      },
      switchToSong: async (handle, startFrame, becameCurrent) => {
        // At the recorded key the readers read a start in moments; stretched, it may wait.
        if (!isNeutral(keyTempoOf(handle.description))) {
          await waitForStartHeads(this.#engine, handle.group, startFrame);
        }
        await this.#switchTo(prepared.get(handle)!, startFrame, becameCurrent);
      },
      adoptSong: (handle, untilFrame) => this.#adopt(prepared.get(handle)!, untilFrame),
      dropSong: async (handle) => {
        await Promise.all(prepared.get(handle)!.tracks.map((track) => this.#slots.drop(track)));
        this.#forget(handle.group);
      },
    };
  }

  /** What a key or tempo change goes through (src/songs/key_tempo_change.ts): the current
   * song prepared again, switched to, or dropped. */
  keyTempoDeck(): KeyTempoDeck {
    // deno-lint-ignore no-this-alias
    const deck = this;
    return {
      get current() {
        return deck.#song;
      },
      get tracks() {
        return deck.#tracks;
      },
      prepare: (description, setlistIndex, from, lead, startFrame) =>
        this.#prepare(description, { setlistIndex, progressiveFrom: from, lead, startFrame }),
      // A song comes back as prepare() made it: a SongInGroup.
      switchTo: (song, startFrame) => this.#switchTo(song as SongInGroup, startFrame),
      retimeTo: (song, fromSpeed, toSpeed) =>
        this.#retimeTo(song as SongInGroup, fromSpeed, toSpeed),
      pendingPlayhead: () => this.pendingPlayhead(),
      get firstLead() {
        const block = deck.#engine.blockFrames / deck.#engine.sampleRate;
        return deck.#changeLead.seconds(deck.#song?.path, block);
      },
      drop: async (song) => {
        await Promise.all(song.tracks.map((track) => this.#slots.drop(track)));
        this.#forget((song as SongInGroup).group);
      },
    };
  }

  /** The current song as the show flow sees it. */
  #showSong(): ShowSong {
    // deno-lint-ignore no-this-alias
    const deck = this;
    return {
      get durationFrames() {
        return deck.durationFrames;
      },
      get currentGroup() {
        return deck.#group;
      },
      get markers() {
        return deck.#song?.markers ?? [];
      },
      get tempo() {
        return deck.#song?.tempo ?? [];
      },
      get countInWords() {
        return deck.#song?.countInWords;
      },
      get clickRoute() {
        return deck.#song?.clickRoute;
      },
      newGroup: () => this.newGroup(),
      countInStarting: (plan) =>
        this.#player.dispatchEvent(new CustomEvent("countin", { detail: plan })),
    };
  }
}
