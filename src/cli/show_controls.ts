/**
 * The show keys of `play`: next and previous song of a setlist, a marker jump on the next bar
 * line, vamping the current section, leaving the loop, count-in on and off, fade out. Each
 * goes through the Player's show-flow API; what it did goes on the session's message line.
 *
 * @module
 */

import { barBeatAt, type Beat, beatGrid, nextBeat } from "../tempo.ts";
import { formatTime } from "./format.ts";
import type { PlaySession } from "./session.ts";

/** Seconds that f fades out over. */
export const FADE_OUT_SECONDS = 4;
/** Bars of count-in that c turns on when the setlist gives the song none. */
const DEFAULT_COUNT_IN_BARS = 1;

/** The show-flow state of one `play` session: a pending `j`, and per-song memory. */
export class ShowControls {
  #session: PlaySession;
  /** True after `j`, until the next key (a marker number, or anything else to cancel). */
  jumpPending = false;
  #songKey = "";
  #songCountIn = 0;
  #grid?: { key: string; beats: Beat[] };

  /** @param session the play session the keys act on */
  constructor(session: PlaySession) {
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

  /** Notices a song change (a key, or a setlist transition): remembers the count-in the
   * setlist gave the new song, selects its first track, forgets a pending `j`. */
  sync(): void {
    const key = this.#key();
    if (key === this.#songKey) return;
    this.#songKey = key;
    this.#songCountIn = this.#player.countIn;
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

  /** n and p: the next or previous song of the setlist, stopped at its start. */
  async step(by: 1 | -1): Promise<void> {
    const session = this.#session;
    const setlist = this.#player.setlist;
    if (!setlist) {
      session.message = `${by > 0 ? "n" : "p"}: no setlist (play a setlist.json to use it)`;
      return;
    }
    const index = setlist.index + by;
    if (index < 0 || index >= setlist.songs.length) {
      session.message = by > 0 ? "this is the last song" : "this is the first song";
      return;
    }
    session.message = `loading song ${index + 1}: ${setlist.songs[index].title}…`;
    if (by > 0) await this.#player.next();
    else await this.#player.previous();
    this.sync();
    session.message = `song ${index + 1} of ${setlist.songs.length}: ${this.#player.title} ` +
      `(stopped; space plays)`;
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

  /** The number after j: jumps to that marker on the next bar line. Without a tempo there
   * are no bars, so it jumps at once (a seek when not playing, where a cue would wait). */
  jumpTo(number: number): void {
    this.jumpPending = false;
    const session = this.#session;
    const player = this.#player;
    const markers = player.markers;
    const marker = markers[number - 1];
    if (!marker) {
      session.message = `no marker ${number} (this song has ${markers.length})`;
      return;
    }
    const name = `${number} ${marker.name}`;
    const grid = this.grid();
    if (!grid) {
      if (player.state === "playing") player.jump(number - 1, { at: "now" });
      else player.seek(Math.min(marker.at, player.duration));
      session.message = `jumped to ${name} at once (no tempo: no bars to wait for)`;
      return;
    }
    player.jump(number - 1, { at: "bar" });
    // The bar the player will take: the first one a block after the position.
    const bar = nextBeat(grid, Math.max(0, player.positionFrames) + player.blockFrames, true);
    session.message = bar
      ? `jump to ${name} at bar ${bar.bar}`
      : `jump to ${name} at the song's end (no bar line left)`;
  }

  /** j then anything but a number: nothing happens. */
  cancelJump(): void {
    this.jumpPending = false;
    this.#session.message = "jump cancelled";
  }

  /** v: loops the section the position is in (its marker to the next marker). */
  vamp(): void {
    const session = this.#session;
    const player = this.#player;
    const markers = player.markers;
    const current = session.markerAt(Math.max(0, player.position));
    const index = current
      ? markers.findIndex((m) => m.name === current.name && m.at === current.at)
      : -1;
    if (index < 0) {
      session.message = markers.length === 0
        ? "this song has no markers: no section to vamp"
        : "no section here (before the first marker)";
      return;
    }
    player.loopSection(index);
    const loop = player.loopRange!;
    session.message = `vamp: looping ${index + 1} ${current!.name} ${formatTime(loop.start)}-` +
      `${formatTime(loop.end)} (Enter leaves at its end)`;
  }

  /** Enter: the loop plays to its end once more, then the song goes on. */
  leaveLoop(): void {
    if (!this.#player.loopRange) {
      this.#session.message = "no loop to leave";
      return;
    }
    this.#player.exitLoop({ at: "end" });
    this.#session.message = "leaving the loop at its end";
  }

  /** c: count-in on (the setlist's bars for this song, else one bar) or off. */
  toggleCountIn(): void {
    this.sync();
    const player = this.#player;
    if (player.countIn > 0) {
      player.countIn = 0;
      this.#session.message = "count-in off";
      return;
    }
    const bars = this.#songCountIn || DEFAULT_COUNT_IN_BARS;
    player.countIn = bars; // refused (NO_TEMPO) for a song without tempo
    this.#session.message = `count-in on: ${bars} bar${bars === 1 ? "" : "s"}` +
      (player.state === "playing" ? " (plays when the song starts from a stop)" : "");
  }

  /** f: the whole mix fades out, then pauses (space plays on). */
  fadeOut(): void {
    this.#player.fadeOut(FADE_OUT_SECONDS);
    this.#session.message = `fading out over ${FADE_OUT_SECONDS} s, then paused (space plays on)`;
  }
}
