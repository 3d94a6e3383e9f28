/**
 * A Player's show flow and setlist: markers, jumps, loops, the count-in, fades, and the songs
 * of a setlist. The members of `Player` that drive them live here, as its base class; the
 * logic is in src/show/show.ts and src/songs/player_setlist.ts.
 *
 * @module
 */

import type { EngineStatus } from "../engine/engine.ts";
import { StemplayError } from "../errors.ts";
import type { Marker } from "../model/marker.ts";
import type { TempoSegment } from "../model/tempo.ts";
import type { SetlistState } from "../songs/setlist_runner.ts";
import { checkLoopBounds, JUMP_AT, type JumpAt } from "../show/show.ts";
import { PlayerKeyTempo } from "./player_key_tempo.ts";
import {
  songFrames,
  songMarkers,
  songRange,
  songSeconds,
  songTempo,
  timelineMarker,
  timelineSeconds,
} from "../model/song_time.ts";

/** The show flow and setlist of a `Player` (its base class: use them on the Player). */
export abstract class PlayerShowFlow extends PlayerKeyTempo {
  /** The current song's markers, in manifest order, in song time (the recording's seconds,
   * whatever the speed). */
  get markers(): Marker[] {
    return songMarkers(this.parts.songs.song?.markers ?? [], this.#speed);
  }

  /** The current song's tempo map (empty without a tempo), in song time: the recording's bpm
   * at the recording's seconds (at speed s the song plays at bpm × s). */
  get tempo(): TempoSegment[] {
    return songTempo(this.parts.songs.song?.tempo ?? [], this.#speed);
  }

  /** The speed of the current song's timeline (src/model/song_time.ts). */
  get #speed(): number {
    return this.parts.songs.timelineSpeed();
  }

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
    this.parts.show.jump(this.#marker(marker), at);
  }

  /** A marker as the caller gave it, on the timeline: a Marker (in song time, as `markers`
   * gives it; src/control resolved it) is mapped, a name or an index is looked up here, for
   * the API's own callers. */
  #marker(which: string | number | Marker): Marker {
    const markers = this.parts.songs.song?.markers ?? [];
    if (typeof which === "object" && this.#speed === 1) return which;
    if (typeof which === "object") {
      // The song's own marker when it is one (its exact time: a loop to the next one must
      // not find this one "later" by a rounding), else the time mapped.
      const mapped = timelineMarker(which, this.#speed);
      return markers.find((m) => m.name === which.name && Math.abs(m.at - mapped.at) < 1e-6) ??
        mapped;
    }
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

  /** @internal Jumps to `target` seconds when the song reaches `at` seconds of the timeline, on those exact
   * frames: a sync follower repeating its primary's jump (src/control/sync_follow.ts). */
  jumpAt(target: number, at: number): void {
    const rate = this.parts.engine.sampleRate;
    this.parts.show.jumpAtFrame(Math.round(target * rate), Math.round(at * rate));
  }

  /** Cancels a jump that has not happened yet. */
  cancelJump(): void {
    this.parts.show.cancelJump();
  }

  /** Loops from `start` to `end` seconds, sample-exact with a 5 ms crossfade at the seam,
   * until `exitLoop()`. */
  loop(start: number, end: number): void {
    const speed = this.#speed;
    if (speed === 1) return this.parts.show.loop(start, end);
    // Checked in song time (the messages name the caller's seconds), then on the timeline: a
    // loop to the song's end ends on the timeline's last frame, whatever the rounding.
    const rate = this.parts.engine.sampleRate;
    checkLoopBounds(start, end, songFrames(this.parts.songs.durationFrames, speed) / rate);
    const last = this.parts.songs.durationFrames / rate;
    this.parts.show.loop(
      timelineSeconds(start, speed),
      Math.min(timelineSeconds(end, speed), last),
    );
  }

  /** Loops from a marker (name, index from 0, or one of `markers`) to the next one (or the
   * song's end). */
  loopSection(marker: string | number | Marker): void {
    this.parts.show.loopSection(this.#marker(marker));
  }

  /** Leaves the loop: at its "end" (default: this pass plays out) or "now" (on from the
   * loop's end at once). */
  exitLoop(options: { at?: "now" | "end" } = {}): void {
    this.parts.show.exitLoop(options);
  }

  /** The loop playing, in seconds of song time. */
  get loopRange(): { start: number; end: number } | undefined {
    return this.#songLoop(this.parts.show.loopRange);
  }

  /** A loop of the timeline in song time, its end never past the song's (at a speed above 1 a
   * timeline frame is more than one song frame: the end frame read back could pass it). */
  #songLoop(range?: { start: number; end: number }): { start: number; end: number } | undefined {
    if (!range) return undefined;
    const song = songRange(range, this.#speed);
    const rate = this.parts.engine.sampleRate;
    const end = songFrames(this.parts.songs.durationFrames, this.#speed) / rate;
    return { start: Math.min(song.start, end), end: Math.min(song.end, end) };
  }

  /** A jump armed and not yet taken: the marker's time and when it happens, in seconds of
   * song time. */
  get scheduledJump(): { target: number; at: number } | undefined {
    const jump = this.parts.show.scheduledJump;
    const speed = this.#speed;
    return jump && { target: songSeconds(jump.target, speed), at: songSeconds(jump.at, speed) };
  }

  /** @internal The armed jump as an engine status sees it, in the timeline's seconds (none once it shows it fired). */
  scheduledJumpAsOf(status: EngineStatus): { target: number; at: number } | undefined {
    return this.parts.show.scheduledJumpAsOf(status);
  }

  /** A loop left with `exitLoop({ at: "end" })` whose last pass still plays, in seconds, as of
   * the engine's last status read (every tick, every `render()`). */
  get leavingLoop(): { start: number; end: number } | undefined {
    return this.#songLoop(this.parts.show.leavingLoop);
  }

  /** Bars of click before the song starts from a stop (needs the song's tempo). */
  get countIn(): number {
    return this.parts.show.countIn;
  }
  set countIn(bars: number) {
    this.parts.engine.assertOpen("set the count-in");
    this.parts.show.countIn = bars;
  }

  /** Fades the whole mix out along an equal-power curve, then pauses. */
  fadeOut(seconds: number): void {
    this.parts.show.fadeOut(seconds);
  }

  /** Fades the whole mix in along an equal-power curve, playing. */
  fadeIn(seconds: number): void {
    this.assertKeyTempoReady("fade in");
    this.parts.transport.fadeIn(seconds);
  }

  // ---- the setlist ----------------------------------------------------------------------

  /** Loads a setlist (see docs/player.md, "Running a show"): validates every song, loads the first,
   * and decodes the second in the background. */
  async loadSetlist(path: string): Promise<SetlistState> {
    return await this.parts.setlist.load(path);
  }

  /** The setlist and where it stands (undefined without one). */
  get setlist(): SetlistState | undefined {
    return this.parts.setlist.state;
  }

  /** The next song of the setlist, stopped at its start. */
  async next(): Promise<void> {
    await this.parts.setlist.next();
  }

  /** The previous song of the setlist, stopped at its start. */
  async previous(): Promise<void> {
    await this.parts.setlist.previous();
  }

  /** Song `index` of the setlist, stopped at its start. */
  async goto(index: number): Promise<void> {
    await this.parts.setlist.goto(index);
  }

  /** Resolves when the setlist's next song is decoded and its transition armed. */
  async setlistReady(): Promise<void> {
    await this.parts.setlist.ready();
  }

  /** Resolves once a transition that fired has been taken in and the next song preloaded. */
  async setlistSettled(): Promise<void> {
    this.parts.engine.tick();
    await this.parts.setlist.ready();
  }
}
