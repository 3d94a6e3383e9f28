/**
 * Running a setlist: the current song plays while the next one decodes in the background, and
 * the hand-over (gapless or crossfaded) is a cue the callback plays out on the exact frame.
 * At most the current and the next song are held in memory.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Setlist, SetlistEntry } from "./setlist.ts";
import type { ShowFlow } from "../show/show.ts";
import type { SongDescription } from "./song.ts";

/** A song decoded and attached to its own group, not yet the one playing. */
export interface PreparedSong {
  group: number;
  durationFrames: number;
  description: SongDescription;
}

/** The songs a setlist plays through (the song deck's). */
export interface SetlistSongs {
  /** The current song's length. */
  readonly durationFrames: number;
  readonly show: ShowFlow;
  /** Decodes and attaches a song into a new group, without switching to it. `index`: its
   * place in the setlist (the timecode's song hour follows it); `startFrame`: it is switched
   * to at once, there (at another key its head there is ready when this resolves), else it is
   * prepared in the background. */
  prepareSong(
    description: SongDescription,
    index: number,
    startFrame?: number,
  ): Promise<PreparedSong>;
  /** Makes a prepared song the current one, stopped at `startFrame`; frees the old one. */
  /** `becameCurrent` is called the moment the song becomes the player's (its title, tracks,
   * markers), so the setlist position changes with them; a failed switch puts the old song
   * back and rejects. */
  switchToSong(
    prepared: PreparedSong,
    startFrame: number,
    becameCurrent: () => void,
  ): Promise<void>;
  /** The callback already switched to `prepared` (a transition cue fired): take it as the
   * current song, and free the old one once the new one reaches `untilFrame` (the end of the
   * crossfade). */
  adoptSong(prepared: PreparedSong, untilFrame: number): void;
  /** Frees a prepared song that will not play. */
  dropSong(prepared: PreparedSong): Promise<void>;
}

/** Where a setlist stands, as `player.setlist` shows it. */
export interface SetlistState {
  /** The setlist's title. */
  title: string;
  /** Each song's title and path, in show order. */
  songs: { title: string; path: string }[];
  /** The current song's index. */
  index: number;
  /** Whether the next song is decoded and its transition armed. */
  nextReady: boolean;
  /** Why the next song could not be decoded, if it could not (it is tried again on `next()`). */
  nextError?: string;
}

/** Plays a validated setlist through a player. */
export class SetlistRunner {
  #host: SetlistSongs;
  #sampleRate: number;
  #setlist: Setlist;
  #index = 0;
  #next?: { index: number; song: PreparedSong };
  #work: Promise<void> = Promise.resolve();
  /** The song change in flight (settles, never rejects): the next one waits for it. */
  #switching: Promise<void> = Promise.resolve();
  #nextError?: string;

  /** @param sampleRate the engine's rate (song starts and crossfades are in seconds) */
  constructor(host: SetlistSongs, setlist: Setlist, sampleRate: number) {
    this.#host = host;
    this.#sampleRate = sampleRate;
    this.#setlist = setlist;
  }

  /** The setlist and where it stands. */
  get state(): SetlistState {
    return {
      title: this.#setlist.title,
      songs: this.#setlist.songs.map((s) => ({ title: s.description.title, path: s.song })),
      index: this.#index,
      nextReady: this.#next !== undefined,
      nextError: this.#nextError,
    };
  }

  /** Where `entry` starts (its start marker, else 0), in frames of the song at its tempo
   * (the marker's recorded seconds ÷ its speed). */
  startFrame(entry: SetlistEntry): number {
    const speed = entry.description.speed ?? 1;
    return Math.round((startSeconds(entry) / speed) * this.#sampleRate);
  }

  /** Goes to song `index`, stopped at its start, and starts decoding the one after it. Calls
   * run one at a time, in call order (song changes never interleave, even from the API). On
   * failure the current song plays on and its next song is prepared again. */
  goto(index: number): Promise<void> {
    try {
      this.#checkIndex(index);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#serialised(() => this.#goto(index));
  }

  /** Moves `by` songs from the current one, counted when the change runs (after the changes
   * asked for before it): two `next` calls at once move two songs. */
  step(by: number): Promise<void> {
    return this.#serialised(() => this.#goto(this.#checkIndex(this.#index + by)));
  }

  #checkIndex(index: number): number {
    const songs = this.#setlist.songs;
    if (!Number.isInteger(index) || index < 0 || index >= songs.length) {
      throw new StemplayError(
        "SETLIST",
        `no song ${index} in the setlist (it has songs 0 to ${songs.length - 1})`,
      );
    }
    return index;
  }

  #serialised(change: () => Promise<void>): Promise<void> {
    const run = this.#switching.then(change);
    this.#switching = run.catch(() => {}); // one failed change must not stop the next
    return run;
  }

  async #goto(index: number): Promise<void> {
    const songs = this.#setlist.songs;
    await this.#work; // a preload in flight finishes first
    const next = this.#next;
    this.#next = undefined;
    const previous = this.#index;
    try {
      let prepared: PreparedSong;
      if (next?.index === index) {
        prepared = next.song;
      } else {
        if (next) {
          // The transition must not switch to a song that is going away.
          this.#host.show.setStandingCue(undefined);
          await this.#host.dropSong(next.song); // never three songs in memory
        }
        const entry = songs[index];
        prepared = await this.#host.prepareSong(entry.description, index, this.startFrame(entry));
      }
      // A failed switch frees `prepared` (song_deck.ts) and keeps the current song.
      await this.#host.switchToSong(prepared, this.startFrame(songs[index]), () => {
        this.#index = index;
      });
    } catch (error) {
      this.#index = previous;
      if (!this.#next) this.#work = this.#preloadNext(); // the current song's next again
      throw error;
    }
    this.#index = index;
    this.#host.show.countIn = songs[index].countIn;
    // The song after decodes in the background: the operator can press play at once.
    this.#work = this.#preloadNext();
  }

  /** Resolves when the next song is decoded and its transition armed, or its decoding failed
   * (see `state.nextError`). Never rejects. */
  ready(): Promise<void> {
    return this.#work;
  }

  /** Decodes the song after the current one. A broken song must not stop the show: its error
   * is kept (`state.nextError`), no transition is armed, and the current song ends normally;
   * `next()` then tries that song again and reports its error to the operator. */
  async #preloadNext(): Promise<void> {
    this.#nextError = undefined;
    const index = this.#index + 1;
    const entry = this.#setlist.songs[index];
    if (!entry) {
      this.#host.show.setStandingCue(undefined);
      return;
    }
    try {
      const song = await this.#host.prepareSong(entry.description, index);
      this.#next = { index, song };
      this.#armTransition();
    } catch (error) {
      this.#nextError = error instanceof Error ? error.message : String(error);
      this.#host.show.setStandingCue(undefined);
    }
  }

  /** Arms the hand-over again: the current song was prepared again at another key or tempo
   * (its length and group changed; src/songs/key_tempo_change.ts). */
  rearmTransition(): void {
    if (this.#next) this.#armTransition();
  }

  /** Arms the current song's hand-over to the prepared next one. */
  #armTransition(): void {
    const current = this.#setlist.songs[this.#index];
    const next = this.#next;
    const show = this.#host.show;
    if (!next || current.transition === "stop") {
      show.setStandingCue(undefined);
      return;
    }
    const duration = this.#host.durationFrames;
    const crossfade = current.transition === "next"
      ? 0
      : Math.min(duration, Math.round(current.transition.crossfade * this.#sampleRate));
    show.setStandingCue({
      at: duration - crossfade,
      group: next.song.group,
      target: this.startFrame(this.#setlist.songs[next.index]),
      crossfade,
    });
  }

  /** Called at every poll with the group the callback plays: adopts the next song once a
   * transition has switched to it, and starts decoding the one after. */
  poll(group: number): void {
    const next = this.#next;
    if (!next || group !== next.song.group) return;
    const current = this.#setlist.songs[this.#index];
    const tail = typeof current.transition === "object"
      ? Math.round(current.transition.crossfade * this.#sampleRate)
      : 0;
    this.#next = undefined;
    this.#index = next.index;
    const start = this.startFrame(this.#setlist.songs[next.index]);
    this.#host.adoptSong(next.song, start + tail);
    this.#host.show.countIn = this.#setlist.songs[next.index].countIn;
    this.#work = this.#preloadNext();
  }

  /** Frees the prepared next song (the setlist is being replaced or the player closes). */
  async dispose(): Promise<void> {
    await this.#switching;
    await this.#work.catch(() => {});
    if (this.#next) await this.#host.dropSong(this.#next.song);
    this.#next = undefined;
  }
}

/** Where `entry` starts (its start marker, else 0), in the recording's seconds: its files'
 * time, where their resident starts are read (src/sources/setlist_heads.ts). */
export function startSeconds(entry: SetlistEntry): number {
  return entry.description.markers.find((m) => m.name === entry.start)?.at ?? 0;
}
