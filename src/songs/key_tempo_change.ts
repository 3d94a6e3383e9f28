/**
 * A key or tempo change from the operator (issue 24): `player.transpose` and `player.speed`.
 * Setting one prepares the current song again at the new key and tempo in the background (the
 * song deck's own prepare: decoded, every stem through its stretcher, the timeline scaled),
 * then switches to it at the same musical place, carrying the operator's track levels over:
 * stopped or paused, it stands there; playing, the old key plays on until the new song is
 * ready, then the callback crossfades to it at a block boundary (src/songs/retime.ts) and the
 * old key never comes back. Stopped, `play()` is refused while a change is being prepared.
 * Values set while one is being prepared are coalesced: the last one wins.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Track } from "../engine/track.ts";
import {
  checkSpeed,
  checkTranspose,
  isNeutral,
  type KeyTempo,
  NEUTRAL,
} from "../model/key_tempo.ts";
import type { SongDescription } from "./song_types.ts";
import { keyTempoOf } from "./stretched_song.ts";
import { markKeyChange } from "./key_change_breakdown.ts";
import { FAR_LEAD_SECONDS } from "./change_start.ts";
import { FIRST_LEAD_SECONDS } from "./change_lead.ts";
import {
  hasStem,
  pitchedDiffers,
  type PitchedOverrides,
  resetPitched,
  samePitched,
  withPitched,
} from "./pitched_overrides.ts";

/** The current song as the deck prepared it. A new object at every song change. */
export interface KeyTempoSong {
  /** The song as described, at the key and tempo it plays (before its timeline was scaled);
   * undefined for tracks added by hand. */
  readonly described?: SongDescription;
  /** Its place in the setlist (the timecode's song hour follows it). */
  readonly setlistIndex?: number;
}

/** A song prepared beside the current one. */
export interface PreparedAgain {
  readonly tracks: readonly Track[];
}

/** What a change goes through: the song deck's prepare and switch (src/songs/song_deck.ts).
 * A song it prepared is handed back to it as it came. */
export interface KeyTempoDeck {
  /** The current song (undefined: none). */
  readonly current: KeyTempoSong | undefined;
  /** The current song's tracks. */
  readonly tracks: readonly Track[];
  /** Prepares `description` beside the current song, without switching to it;
   * `progressiveFrom` (playing): its stems are rendered from that song frame on first, and
   * the switch waits only for the frames it needs (src/songs/retime.ts); its streamed stems
   * are read from `streamLead` seconds (of the recording) past it, where the playhead will be
   * once they are (src/songs/change_start.ts). Stopped, `standingAt` is where it will be
   * switched to (its frames): its heads there are decoded first, so play pressed at once
   * plays (src/songs/start_heads.ts). */
  prepare(
    description: SongDescription,
    setlistIndex: number | undefined,
    progressiveFrom?: () => number,
    streamLead?: number,
    standingAt?: number,
  ): Promise<PreparedAgain>;
  /** Makes `prepared` the current song, stopped at `startFrame`; frees the old one. */
  switchTo(prepared: PreparedAgain, startFrame: number): Promise<void>;
  /** Makes `prepared` the current song while playing: the callback moves to it at the same
   * musical place (position × fromSpeed ÷ toSpeed), crossfaded; frees the old one after:
   * "switched". Else it switches nothing: "overtaken", another song became the current one
   * while it waited; "moved", the operator moved the playhead away from the place it was
   * prepared for (a seek, a loop back, a jump); "missed", the playhead went on past what its
   * streamed stems' rings hold (the reader fell behind), or stands short of it (paused,
   * stopped or ended while it waited). Moved or missed, it is prepared again. */
  retimeTo(prepared: PreparedAgain, fromSpeed: number, toSpeed: number): Promise<Retimed>;
  /** Frees a prepared song that will not play. */
  drop(prepared: PreparedAgain): Promise<void>;
  /** The callback's position in the current song's frames while a switch to it waits in the
   * command ring (the transport's position is still the old song's then); else undefined. */
  pendingPlayhead(): number | undefined;
  /** How far ahead of the playhead (seconds heard) a change's rings start on its first try
   * (src/songs/change_lead.ts: learnt from the song's changes before, FIRST_LEAD_SECONDS at
   * most). */
  readonly firstLead: number;
}

/** How `retimeTo` ended (see there). */
export type Retimed = "switched" | "overtaken" | "moved" | "missed";

/** What a change reads of the transport, and who hears of a switch. */
export interface KeyTempoTransport {
  /** Playing, or play() was just called. */
  readonly playing: boolean;
  /** The position in frames of the current song's timeline (real time at its speed). */
  readonly positionFrames: number;
  /** Where a seek, stop or song change asked the transport to stand, not yet played from
   * (the callback may not have taken it: `positionFrames` is still the old place). */
  readonly requestedFrame?: number;
  /** The song played to its end (the prepared song then stands at its start). */
  readonly ended: boolean;
  /** The song was switched to its new key and tempo (the setlist arms its transition again). */
  switched(): void;
}

/** Who checks a change can be made, and who hears that one failed. */
export interface KeyTempoHooks {
  /** Throws (STRETCH_UNAVAILABLE) when no key or tempo other than the recording's can play. */
  requireStretch?(): void;
  /** A change failed while it was prepared (the song plays on at the key it had). */
  failed?(error: unknown): void;
}

/** The operator's key and tempo for one player. */
export class KeyTempoChange {
  readonly #deck: KeyTempoDeck;
  readonly #transport: KeyTempoTransport;
  readonly #hooks: KeyTempoHooks;
  /** The value asked for the current song, until the song plays at it. */
  #wanted?: { song: KeyTempoSong; keyTempo: KeyTempo };
  /** The change being prepared (settles, never rejects: see `ready`). */
  #running?: Promise<void>;
  #failure?: unknown;
  /** The operator's `pitched` flags for a song, by stem (src/songs/pitched_overrides.ts). */
  #pitched?: { song: KeyTempoSong; byStem: PitchedOverrides };

  constructor(deck: KeyTempoDeck, transport: KeyTempoTransport, hooks: KeyTempoHooks = {}) {
    this.#deck = deck;
    this.#transport = transport;
    this.#hooks = hooks;
  }

  /** The key and tempo asked for: the value set last for this song, else the song's. */
  get value(): KeyTempo {
    const song = this.#deck.current;
    if (this.#wanted && this.#wanted.song === song) return { ...this.#wanted.keyTempo };
    return song?.described ? keyTempoOf(song.described) : { ...NEUTRAL };
  }

  /** True while a change of the current song's key or tempo is being prepared. A change left
   * behind (another song was loaded, or the value set back to the song's own) is not: it is
   * dropped when its preparation ends, and never holds the show up. */
  get preparing(): boolean {
    const song = this.#deck.current;
    const wanted = this.#wanted;
    if (!this.#running || !wanted || wanted.song !== song || !song.described) return false;
    return this.#needsPrepare(song, wanted.keyTempo);
  }

  /** Sets a song stem's `pitched` flag (see `Track.pitched`): at transpose 0 only recorded,
   * else the song is prepared again with it, as at a key change.
   * @throws {StemplayError} "UNSUPPORTED" for a track that is not a stem of the song loaded;
   * "STRETCH_UNAVAILABLE" at another transpose without Rubber Band */
  setPitched(stem: string | undefined, pitched: boolean, trackName: string): void {
    const song = this.#deck.current;
    if (!song?.described || stem === undefined || !hasStem(song.described, stem)) {
      throw new StemplayError(
        "UNSUPPORTED",
        `cannot set pitched on track "${trackName}": it is not a stem of a song loaded with ` +
          `loadSong or a setlist (a track added by hand has no song to prepare again)`,
      );
    }
    const keyTempo = this.value;
    if (keyTempo.transpose !== 0) this.#hooks.requireStretch?.();
    const byStem = new Map(this.#overrides(song)).set(stem, pitched);
    this.#pitched = { song, byStem };
    if (!this.#needsPrepare(song, keyTempo)) return; // at transpose 0: nothing to render
    this.#wanted = { song, keyTempo };
    this.#failure = undefined;
    this.#start();
  }

  #overrides(song: KeyTempoSong): PitchedOverrides {
    return this.#pitched?.song === song ? this.#pitched.byStem : new Map();
  }

  /** The song as it is to be prepared: at `keyTempo`, with the operator's flags. */
  #target(song: KeyTempoSong, keyTempo: KeyTempo): SongDescription {
    return withPitched({ ...song.described!, ...keyTempo }, this.#overrides(song));
  }

  /** Another key or tempo, or at a transpose, a stem's flag other than the song's. */
  #needsPrepare(song: KeyTempoSong, keyTempo: KeyTempo): boolean {
    const described = song.described;
    if (!described) return false;
    return !same(keyTempoOf(described), keyTempo) ||
      (keyTempo.transpose !== 0 && pitchedDiffers(described, this.#overrides(song)));
  }

  /** A change failed: at a transpose, the operator's flags the song was not prepared with are
   * dropped and its tracks report the flags of what plays (at transpose 0 they are the same
   * sound, so they stay). */
  #dropPitched(): void {
    const song = this.#deck.current;
    if (!song?.described || this.#pitched?.song !== song) return;
    if (keyTempoOf(song.described).transpose === 0) return;
    this.#pitched = undefined;
    resetPitched(this.#deck.tracks, song.described);
  }

  /** After a switch to `target`, the operator's values asked for `old` go on with the song
   * prepared again (a flag or value set while the switch waited). */
  #carryOver(old: KeyTempoSong, target: SongDescription): void {
    const current = this.#deck.current;
    if (!current || current.described !== target) return;
    if (this.#pitched?.song === old) this.#pitched = { ...this.#pitched, song: current };
    if (this.#wanted?.song === old) this.#wanted = { ...this.#wanted, song: current };
  }

  /** Sets the transpose (semitones) or the speed (ratio), absolute.
   * @throws {StemplayError} "INVALID_ARGUMENT" out of range, NaN or not a number;
   * "UNSUPPORTED" without a song loaded with loadSong; "STRETCH_UNAVAILABLE" for a key or
   * tempo other than the recording's without Rubber Band */
  set(field: keyof KeyTempo, value: unknown): void {
    const checked = field === "transpose"
      ? checkTranspose(value, "INVALID_ARGUMENT", "transpose")
      : checkSpeed(value, "INVALID_ARGUMENT", "speed");
    const now = this.value;
    if (now[field] === checked) return;
    const song = this.#deck.current;
    if (!song?.described) {
      throw new StemplayError(
        "UNSUPPORTED",
        `cannot set ${field}: no song is loaded (a key or tempo applies to a song loaded with ` +
          `loadSong or a setlist, not to tracks added by hand)`,
      );
    }
    const keyTempo = { ...now, [field]: checked };
    if (!isNeutral(keyTempo)) this.#hooks.requireStretch?.();
    this.#wanted = { song, keyTempo };
    this.#failure = undefined;
    this.#start();
  }

  #start(): void {
    if (this.#running) return;
    this.#running = this.#run().catch((error) => {
      this.#failure = error;
      this.#wanted = undefined; // the song plays on at the key it had
      this.#dropPitched();
      this.#hooks.failed?.(error);
    }).finally(() => {
      this.#running = undefined;
      if (this.#wanted) this.#start(); // a value set as the last change ended
    });
  }

  /** Resolves when no change is being prepared; rejects with the error of a change that
   * failed (the song then keeps the key and tempo it had). */
  async ready(): Promise<void> {
    while (this.#running) await this.#running;
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure) throw failure;
  }

  /** Refuses `what` (play, fade in) while a change is being prepared.
   * @throws {StemplayError} "BUSY" */
  assertReady(what: string): void {
    if (!this.preparing) return;
    const { transpose, speed } = this.value;
    throw new StemplayError(
      "BUSY",
      `cannot ${what} yet: the song is being prepared at key ${formatTranspose(transpose)}, ` +
        `speed ${speed}; it plays once that is done (the old key is never played)`,
    );
  }

  /** Prepares and switches until the song plays at the value asked last. */
  async #run(): Promise<void> {
    // Preparations the playhead outran (see retimeTo) in this change; those the operator moved
    // it away from (a jump fired while the change waited) are no reason to give it up so soon.
    let missed = 0, moved = 0;
    for (;;) {
      const wanted = this.#wanted;
      const song = this.#deck.current;
      if (!wanted) return;
      if (wanted.song !== song || !song.described) {
        this.#wanted = undefined; // the song changed: it plays at its own key and tempo
        return;
      }
      const from = keyTempoOf(song.described);
      if (!this.#needsPrepare(song, wanted.keyTempo)) {
        this.#wanted = undefined;
        return;
      }
      const target = this.#target(song, wanted.keyTempo);
      // Playing: rendered from the playhead first (the recording's frame: position × speed).
      const position = () => this.#deck.pendingPlayhead() ?? this.#transport.positionFrames;
      const playhead = () => Math.round(position() * from.speed);
      // Stopped: the same place in the music, where play would go: a seek asked (perhaps not
      // taken yet), else the playhead; after the end, the top.
      const standing = () => {
        const asked = this.#transport.requestedFrame;
        if (asked === undefined && this.#transport.ended) return 0;
        const at = asked ?? position();
        return Math.max(0, Math.round(at * from.speed / wanted.keyTempo.speed));
      };
      const playing = this.#transport.playing && !this.#transport.ended;
      markKeyChange("begin");
      const prepared = await this.#deck.prepare(
        target,
        song.setlistIndex,
        playing ? playhead : undefined,
        (missed === 0 ? this.#deck.firstLead : STREAM_LEADS[missed]) * from.speed,
        playing ? undefined : standing(),
      );
      const now = this.#wanted;
      if (
        this.#deck.current !== song || !now || !same(now.keyTempo, wanted.keyTempo) ||
        !samePitched(this.#target(song, now.keyTempo), target)
      ) {
        await this.#deck.drop(prepared); // another value, or another song, was asked since
        continue;
      }
      carryLevels(this.#deck.tracks, prepared.tracks);
      if (this.#transport.playing && !this.#transport.ended) {
        let retimed: Retimed;
        try {
          retimed = await this.#deck.retimeTo(prepared, from.speed, wanted.keyTempo.speed);
        } catch (error) {
          await this.#deck.drop(prepared);
          throw error;
        }
        if (retimed !== "switched") {
          // Overtaken: another song loaded meanwhile plays at its own key. Else prepared again.
          await this.#deck.drop(prepared);
          // Paused, stopped or ended while it waited: made standing next, not a miss.
          const playing = this.#transport.playing && !this.#transport.ended;
          const mine = this.#deck.current === song && playing;
          if (mine && retimed === "moved" && ++moved >= MAX_MOVED_SWITCHES) {
            throw new StemplayError(
              "BUSY",
              `cannot change key or tempo: the playhead was moved away from the new key's ` +
                `frames ${moved} times while they were prepared (a loop shorter than they ` +
                `take?); the song plays on at its key: set it again`,
            );
          }
          if (mine && retimed === "missed" && ++missed >= MAX_MISSED_SWITCHES) {
            throw new StemplayError(
              "BUSY",
              `cannot change key or tempo: the new key was not ready where the song plays, ` +
                `${missed} times (the readers fell behind the playhead: too many stems at ` +
                `another key for this machine); the song plays on at its key: set it again`,
            );
          }
          continue; // else prepared again from where it plays now
        }
        if (this.#wanted === now) this.#wanted = undefined;
        this.#carryOver(song, target);
        this.#transport.switched();
        continue;
      }
      await this.#deck.switchTo(prepared, standing());
      if (this.#wanted === now) this.#wanted = undefined;
      this.#carryOver(song, target);
      this.#transport.switched();
    }
  }
}

/** How far ahead of the playhead (seconds heard) a change while playing starts its streamed
 * stems: where the playhead will be once the reader has filled them, so the change is heard
 * then and not later. The first is learnt from the song's changes before (the deck's
 * `firstLead`, this at most). Each preparation the playhead outran (the reader slower than
 * this, on a busy machine) is made again further ahead; after the last, the change gives up. */
const STREAM_LEADS = [FIRST_LEAD_SECONDS, 0.5, FAR_LEAD_SECONDS];
const MAX_MISSED_SWITCHES = STREAM_LEADS.length;
/** Preparations the operator's jumps, seeks and loops back may undo before a change gives up:
 * one a pass of a loop too short to ever hold the new key's first frames. */
const MAX_MOVED_SWITCHES = 20;

function same(a: KeyTempo, b: KeyTempo): boolean {
  return a.transpose === b.transpose && a.speed === b.speed;
}

/** The operator's levels on the old tracks, onto the new ones of the same name. */
function carryLevels(from: readonly Track[], to: readonly Track[]): void {
  for (const track of to) {
    const old = from.find((candidate) => candidate.name === track.name);
    if (!old) continue;
    if (track.gain !== old.gain) track.gain = old.gain;
    if (track.pan !== old.pan) track.pan = old.pan;
    if (track.muted !== old.muted) track.muted = old.muted;
    if (track.solo !== old.solo) track.solo = old.solo;
  }
}

/** "+2", "-1.5", "0". */
export function formatTranspose(semitones: number): string {
  const rounded = Number(semitones.toFixed(2));
  return rounded > 0 ? `+${rounded}` : String(rounded);
}
