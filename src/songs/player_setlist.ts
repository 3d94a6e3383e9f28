/**
 * The setlist a player runs (at most one): loading it, moving through it, and ending it when
 * a song is loaded by hand or another setlist replaces it. While streaming, every song's first
 * seconds are kept resident for as long as the setlist is loaded (src/sources/setlist_heads.ts),
 * so the leader can call any song. The running itself is src/songs/setlist_runner.ts.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Engine } from "../engine/engine.ts";
import { SetlistHeads } from "../sources/setlist_heads.ts";
import { loadSetlist, type Setlist } from "./setlist.ts";
import { keyTempoOf } from "./stretched_song.ts";
import { isNeutral } from "../model/key_tempo.ts";
import {
  SetlistRunner,
  type SetlistSongs,
  type SetlistState,
  startSeconds,
} from "./setlist_runner.ts";

/** A player's setlist: none, or one running through `songs` (see SongDeck.setlistSongs). */
export class PlayerSetlist {
  #engine: Engine;
  #songs: SetlistSongs;
  #runner?: SetlistRunner;

  /** Subscribes to the engine's ticks: a transition the callback took is adopted. */
  constructor(engine: Engine, songs: SetlistSongs) {
    this.#engine = engine;
    this.#songs = songs;
    engine.onTick((status) => this.poll(status.group));
  }

  /** Loads a setlist: validates every song, loads the first, and decodes the second in the
   * background. */
  async load(path: string): Promise<SetlistState> {
    const engine = this.#engine;
    engine.assertOpen("load a setlist");
    const setlist = await loadSetlist(path, engine.channels, engine.buses.names);
    firstLoadable(setlist); // none can load: refused before the current song ends
    await this.end();
    engine.assertOpen("load a setlist");
    const runner = new SetlistRunner(this.#songs, setlist, engine.sampleRate);
    // Every song's first seconds, decoded while the first song loads: any song starts at once.
    // Read at the recorded key: a song at another key never takes them (its start is
    // stretched when it is prepared, src/songs/start_heads.ts).
    const recorded = setlist.songs.filter((entry) => isNeutral(keyTempoOf(entry.description)));
    const streams = engine.streams;
    const heads = streams &&
      SetlistHeads.load(
        engine.native,
        engine.sampleRate,
        streams.settings.headFrames,
        recorded.map((entry) => ({
          files: entry.description.tracks.map((track) => track.file),
          starts: [0, Math.round(startSeconds(entry) * engine.sampleRate)],
        })),
      );
    try {
      // A song that cannot load is refused on its own, the first one too: the show opens on
      // the first song that can (a failure leaves no setlist; the song that played plays on).
      await runner.goto(firstLoadable(setlist));
    } catch (error) {
      (await heads)?.free();
      throw error;
    }
    if (engine.streams && heads) engine.streams.setlistHeads = await heads;
    if (engine.closed) engine.streams?.dropSetlistHeads(); // closed while they loaded
    this.#runner = runner;
    return runner.state;
  }

  /** The setlist and where it stands (undefined without one). */
  get state(): SetlistState | undefined {
    return this.#runner?.state;
  }

  /** The next song of the setlist, stopped at its start (counted after the song changes
   * asked for before it). */
  async next(): Promise<void> {
    await this.#step(1);
  }

  /** The previous song of the setlist, stopped at its start. */
  async previous(): Promise<void> {
    await this.#step(-1);
  }

  async #step(by: number): Promise<void> {
    this.#engine.assertOpen("change songs");
    if (!this.#runner) throw new StemplayError("SETLIST", "no setlist is loaded");
    await this.#runner.step(by);
  }

  /** Song `index` of the setlist, stopped at its start. */
  async goto(index: number): Promise<void> {
    this.#engine.assertOpen("change songs");
    if (!this.#runner) throw new StemplayError("SETLIST", "no setlist is loaded");
    await this.#runner.goto(index);
  }

  /** Resolves when the setlist's next song is decoded and its transition armed. */
  async ready(): Promise<void> {
    await this.#runner?.ready();
  }

  /** The current song was prepared again at another key or tempo: its transition is armed
   * again at its new length. */
  rearmTransition(): void {
    this.#runner?.rearmTransition();
  }

  /** Called at every tick with the group the callback plays (a transition may have fired). */
  poll(group: number): void {
    this.#runner?.poll(group);
  }

  /** Ends the setlist, if one runs: frees its prepared next song and its resident starts. */
  async end(): Promise<void> {
    const runner = this.#runner;
    this.#runner = undefined;
    await runner?.dispose();
    this.#engine.streams?.dropSetlistHeads();
  }
}

/** The index of the first song of `setlist` that can load.
 * @throws {StemplayError} "SETLIST" when none can, with the first song's error */
function firstLoadable(setlist: Setlist): number {
  const index = setlist.songs.findIndex((entry) => entry.error === undefined);
  if (index < 0) {
    throw new StemplayError(
      "SETLIST",
      `${setlist.path}: no song of the setlist can load; songs[0]: ${setlist.songs[0]?.error}`,
      { path: setlist.path },
    );
  }
  return index;
}
