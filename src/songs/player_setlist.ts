/**
 * The setlist a player runs (at most one): loading it, moving through it, and ending it when
 * a song is loaded by hand or another setlist replaces it. While streaming, every song's first
 * seconds are kept resident for as long as the setlist is loaded (src/sources/setlist_heads.ts),
 * so the leader can call any song. The running itself is src/songs/setlist_runner.ts.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import type { StreamedTracks } from "../sources/streaming.ts";
import { SetlistHeads } from "../sources/setlist_heads.ts";
import { loadSetlist } from "./setlist.ts";
import { type SetlistHost, SetlistRunner, type SetlistState } from "./setlist_runner.ts";

/** What the player's setlist needs from the player, besides the songs it plays through. */
export interface PlayerSetlistHost {
  readonly native: Native;
  readonly sampleRate: number;
  readonly channels: number;
  /** The rig profile's bus names (each song's `bus` keys are checked against them). */
  readonly busNames: string[];
  /** Set when file tracks stream. */
  readonly streams: StreamedTracks | undefined;
  /** close() has begun. */
  readonly closed: boolean;
  assertOpen(what: string): void;
}

/** A player's setlist: none, or one running through `songs` (see SongDeck.setlistHost). */
export class PlayerSetlist {
  #host: PlayerSetlistHost;
  #songs: SetlistHost;
  #runner?: SetlistRunner;

  constructor(host: PlayerSetlistHost, songs: SetlistHost) {
    this.#host = host;
    this.#songs = songs;
  }

  /** Loads a setlist: validates every song, loads the first, and decodes the second in the
   * background. */
  async load(path: string): Promise<SetlistState> {
    const host = this.#host;
    host.assertOpen("load a setlist");
    const setlist = await loadSetlist(path, host.channels, host.busNames);
    await this.end();
    host.assertOpen("load a setlist");
    const runner = new SetlistRunner(this.#songs, setlist);
    // Every song's first seconds, decoded while the first song loads: any song starts at once.
    const streams = host.streams;
    const heads = streams &&
      SetlistHeads.load(
        host.native,
        host.sampleRate,
        streams.settings.headFrames,
        setlist.songs.map((entry) => ({
          files: entry.description.tracks.map((track) => track.file),
          starts: [0, runner.startFrame(entry)],
        })),
      );
    try {
      await runner.goto(0); // a failure leaves no setlist, and the song that played plays on
    } catch (error) {
      (await heads)?.free();
      throw error;
    }
    if (host.streams && heads) host.streams.setlistHeads = await heads;
    if (host.closed) host.streams?.dropSetlistHeads(); // closed while they loaded
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
    this.#host.assertOpen("change songs");
    if (!this.#runner) throw new StemplayError("SETLIST", "no setlist is loaded");
    await this.#runner.step(by);
  }

  /** Song `index` of the setlist, stopped at its start. */
  async goto(index: number): Promise<void> {
    this.#host.assertOpen("change songs");
    if (!this.#runner) throw new StemplayError("SETLIST", "no setlist is loaded");
    await this.#runner.goto(index);
  }

  /** Resolves when the setlist's next song is decoded and its transition armed. */
  async ready(): Promise<void> {
    await this.#runner?.ready();
  }

  /** Called at every poll with the group the callback plays (a transition may have fired). */
  poll(group: number): void {
    this.#runner?.poll(group);
  }

  /** Ends the setlist, if one runs: frees its prepared next song and its resident starts. */
  async end(): Promise<void> {
    const runner = this.#runner;
    this.#runner = undefined;
    await runner?.dispose();
    this.#host.streams?.dropSetlistHeads();
  }
}
