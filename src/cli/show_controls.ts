/**
 * The show side of the `play` screen: a pending `j` (waiting for its marker number), the
 * current song's beat grid for bar.beat display, and noticing song changes. The show keys
 * themselves map onto operator actions (src/control) in keys.ts.
 *
 * @module
 */

import { barBeatAt, type Beat, beatGrid } from "../model/tempo.ts";
import type { Player } from "../player/player.ts";
import { SongPick } from "./song_pick.ts";

/** Seconds that f fades out over. */
export const FADE_OUT_SECONDS = 4;

/** What the show controls use of their `play` session (PlaySession, in session.ts, which
 * owns them and so is not imported here). */
export interface ShowControlsHost {
  /** The player the keys act on. */
  readonly player: Player;
  /** The selected track's row. */
  selected: number;
  /** The line shown under the tracks. */
  message: string;
}

/** The show-flow state of one `play` session: a pending `j`, and per-song memory. */
export class ShowControls {
  #session: ShowControlsHost;
  /** True after `j`, until the next key (a marker number, or anything else to cancel). */
  jumpPending = false;
  /** The `g` song pick: open after `g` until it goes or is cancelled. */
  readonly songPick = new SongPick();
  #songKey = "";
  #grid?: { key: string; beats: Beat[] };

  /** @param session the play session the keys act on */
  constructor(session: ShowControlsHost) {
    this.#session = session;
    this.sync();
  }

  get #player() {
    return this.#session.player;
  }

  /** What tells one song from the next (setlist index, title, length). */
  #key(): string {
    const player = this.#player;
    return `${player.setlist?.index ?? -1}|${player.title}|${player.durationFrames}`;
  }

  /** Notices a song change (a key, or a setlist transition): selects its first track,
   * forgets a pending `j`. */
  sync(): void {
    const key = this.#key();
    if (key === this.#songKey) return;
    this.#songKey = key;
    this.#session.selected = 0;
    this.jumpPending = false;
  }

  /** The current song's beats (cached per song), or undefined when it has no tempo. */
  grid(): Beat[] | undefined {
    const player = this.#player;
    if (player.tempo.length === 0) return undefined;
    const key = this.#key();
    if (this.#grid?.key !== key) {
      this.#grid = { key, beats: beatGrid(player.tempo, player.durationFrames, player.sampleRate) };
    }
    return this.#grid.beats;
  }

  /** "bar.beat" at `seconds`, or undefined without a tempo or before the first downbeat. */
  barBeat(seconds: number): string | undefined {
    const grid = this.grid();
    const found = grid && barBeatAt(grid, Math.round(seconds * this.#player.sampleRate));
    return found && `${found.bar}.${found.beat}`;
  }

  /** g: waits for a song number of the setlist. */
  startSongPick(): void {
    const setlist = this.#player.setlist;
    if (!setlist) {
      this.#session.message = "g: no setlist (play a setlist.json to pick songs)";
      return;
    }
    this.songPick.start(setlist.songs.length); // the screen shows its prompt while it is open
  }

  /** j: waits for a marker number. */
  startJump(): void {
    const count = this.#player.markers.length;
    if (count === 0) {
      this.#session.message = "this song has no markers to jump to";
      return;
    }
    this.jumpPending = true;
    this.#session.message = `jump: press a marker number (1-${Math.min(9, count)})`;
  }
}
