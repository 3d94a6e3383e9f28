/**
 * Show flow on the control side: marker jumps quantised to the beat, bar or section, loops,
 * count-ins, fades. Each becomes one request to the callback (a cue at an exact frame, or a
 * fade), so what a band leader asks for happens on the frame, never on a JS timer.
 *
 * One cue is armed at a time. A standing cue (the setlist's transition to the next song) is
 * put back whenever a jump fires or a loop is left.
 *
 * @module
 */

import { StemplayError, type StemplayErrorCode } from "../errors.ts";
import type { DecodedAudio } from "../sources/audio.ts";
import type { Native } from "../native/native.ts";
import { outPointer, unwrap } from "../native/native.ts";
import type { Marker } from "../model/marker.ts";
import type { Track } from "../engine/track.ts";
import type { Engine, EngineStatus } from "../engine/engine.ts";
import type { TrackSlots } from "../engine/track_slots.ts";
import { type Beat, beatGrid, countInGrid, nextBeat, type TempoSegment } from "../model/tempo.ts";
import { sayCountIn } from "./spoken_cues.ts";

/** When a jump happens: at once, on the next beat, the next bar line, or the next marker. */
export type JumpAt = "now" | "beat" | "bar" | "section";

/** A cue the callback plays out on its own: at `at`, go to `target` in `group`. */
export interface Cue {
  at: number;
  group: number;
  target: number;
  crossfade: number;
}

/** What show flow needs of the current song (the song deck): its timeline and groups. */
export interface ShowSong {
  readonly durationFrames: number;
  readonly currentGroup: number;
  readonly markers: Marker[];
  readonly tempo: TempoSegment[];
  /** Where the song's click goes (else the in-ears): where the count-in goes. */
  readonly clickRoute: number[] | undefined;
  /** The spoken count-in's words ("one" …, at the engine's rate), when it is spoken. */
  readonly countInWords?: Float32Array[];
  /** A new engine group, for a count-in. */
  newGroup(): number;
  /** A count-in is about to play in `group`: its frame `handOver` is the song's `fromFrame`
   * (MIDI out ticks its clock through it). */
  countInStarting?(countIn: CountInPlan): void;
}

/** Where a count-in sits against its song (see {@linkcode ShowSong.countInStarting}). */
export interface CountInPlan {
  group: number;
  songGroup: number;
  fromFrame: number;
  handOver: number;
}

/** Every JumpAt, in order (for checks and messages). */
export const JUMP_AT: readonly JumpAt[] = ["now", "beat", "bar", "section"];
/** Jumps and loop seams are declicked with a crossfade this long. */
const SEAM_SECONDS = 0.005;
const MAX_COUNT_IN = 16;
const MAX_FADE_SECONDS = 600;

/** A loop's bounds checked in the seconds the caller gave them (the player's song time, or the
 * timeline's), against the song's `duration` in the same seconds.
 * @throws {StemplayError} "INVALID_ARGUMENT" (not seconds >= 0) or "LOOP" */
export function checkLoopBounds(start: number, end: number, duration: number): void {
  for (const [name, value] of [["start", start], ["end", end]] as const) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      refuse("INVALID_ARGUMENT", `loop ${name} must be seconds >= 0, got ${value}`);
    }
  }
  if (end <= start) refuse("LOOP", `loop end (${end} s) must come after its start (${start} s)`);
  if (end > duration) {
    refuse("LOOP", `loop end ${end} s is beyond the song (${duration.toFixed(3)} s)`);
  }
}

function refuse(code: StemplayErrorCode, message: string): never {
  throw new StemplayError(code, message);
}

/** Renders a click track in C from beat positions (accents on downbeats). */
export function renderClick(
  native: Native,
  beats: Beat[],
  frames: number,
  sampleRate: number,
): DecodedAudio {
  const positions = new BigUint64Array(beats.map((b) => BigInt(b.frame)));
  const accents = new Uint8Array(beats.map((b) => b.beat === 1 ? 1 : 0));
  const cell = new BigUint64Array(1);
  unwrap(
    native,
    native.sp_click_render(positions, accents, beats.length, BigInt(frames), sampleRate, cell),
    "render the click",
  );
  return { pcm: outPointer(cell), channels: 1, frames, sourceRate: sampleRate, path: "" };
}

/** The show-flow state of one player. */
export class ShowFlow {
  #engine: Engine;
  #slots: TrackSlots;
  #song: ShowSong;
  #loop?: { start: number; end: number };
  #standing?: Cue;
  /** The seq of an armed one-off jump, until the callback reports that it fired. */
  #jumpSeq?: number;
  /** Where the armed jump goes and when (frames), for the screen. */
  #jumpPlan?: { target: number; when: number };
  /** A loop left "at its end": its last pass is still playing. */
  #leaving?: { start: number; end: number };
  #countIn = 0;
  #countInTrack?: {
    track: Track;
    group: number;
    frames: number;
    songGroup: number;
    cueSeq: number;
  };
  /** The count-in's beats that sound after the song started (under its `firstBeat`), in the
   * song's group, until the song reaches its downbeat (`until`). */
  #countInTail?: { track: Track; until: number; fromBlock: number };

  constructor(engine: Engine, slots: TrackSlots, song: ShowSong) {
    this.#engine = engine;
    this.#slots = slots;
    this.#song = song;
  }

  get #seam(): number {
    return Math.round(this.#engine.sampleRate * SEAM_SECONDS);
  }

  /** Arms a cue (replacing the armed one) and returns its seq. */
  #arm(cue: Cue, repeat: boolean): number {
    const { native, pointer: engine } = this.#engine;
    this.#engine.streams?.preroll(cue.group, [Math.max(0, cue.target)], this.#headFor(cue, repeat));
    unwrap(
      native,
      native.sp_transport_cue(
        engine,
        BigInt(Math.max(0, cue.at)),
        cue.group,
        BigInt(cue.target),
        cue.crossfade,
        repeat ? 1 : 0,
      ),
      "arm a cue",
    );
    return this.#engine.readStatus().cueArmed;
  }

  /** Keeps resident the head a loop or jump to `target` (frames) of `group` plays from, as
   * arming one does: a change of key asks for it on the song it prepares, before the switch. */
  keepCueTarget(group: number, target: number): void {
    this.#engine.streams?.preroll(group, [Math.max(0, target)], this.cueHeadFrames);
  }

  /** The least the head at a cue's target holds (frames): its two declick seams, and a loop
   * (a repeating cue) that fits in a head at the recorded key whole, with the seams its jump
   * back may come late by: it then vamps from memory, never leaving its head for the ring (at
   * another key heads are shorter, and each pass would stretch the ring again, per stem). */
  #headFor(cue: Cue, repeat: boolean): number {
    const seams = 2 * cue.crossfade;
    const loop = cue.at - cue.target + seams;
    const head = this.#engine.streams?.settings.headFrames ?? 0;
    return repeat && loop <= head ? loop : seams;
  }

  /** The least a head at a cue's target holds (frames): the cue's two declick seams. */
  get cueHeadFrames(): number {
    return 2 * this.#seam;
  }

  /** Puts back what should be armed when no jump is: the loop, else the standing cue. While
   * a count-in runs, its hand-over into the song is the armed cue and nothing replaces it
   * (a next song's load finishing or failing, a refused song change): `poll` puts back the
   * rest once the hand-over has fired. */
  #rearm(): void {
    if (this.#countInTrack) return;
    if (this.#loop) {
      this.#arm({
        at: this.#loop.end,
        group: this.#song.currentGroup,
        target: this.#loop.start,
        crossfade: this.#seam,
      }, true);
    } else if (this.#standing) {
      this.#arm(this.#standing, false);
    } else {
      unwrap(
        this.#engine.native,
        this.#engine.native.sp_transport_cancel_cue(this.#engine.pointer),
        "cancel a cue",
      );
    }
  }

  /** Sets (or clears) the cue that stands when no jump or loop is armed: the setlist's
   * transition. */
  setStandingCue(cue: Cue | undefined): void {
    // A setlist's background preload can finish (or fail) after close(): the engine is gone.
    if (this.#engine.closed) return;
    this.#standing = cue;
    if (!this.#loop && this.#jumpSeq === undefined) this.#rearm();
  }

  /** Forgets the song's loop, jump, transition and count-in (a new song is in place). */
  resetForSong(): void {
    this.#loop = this.#leaving = undefined;
    this.#jumpSeq = this.#jumpPlan = undefined;
    this.#standing = undefined;
    this.#dropCountIn();
    this.#dropCountInTail();
    this.#rearm();
  }

  /** Frames after the published position that a request may take to reach the callback:
   * none offline (render is synchronous), one block on a device. */
  get #guard(): number {
    return this.#engine.offline ? 0 : this.#engine.blockFrames;
  }

  #grid(what: string): Beat[] {
    if (this.#song.tempo.length === 0) {
      refuse("NO_TEMPO", `${what} needs the song's tempo ("tempo" in its manifest)`);
    }
    return beatGrid(this.#song.tempo, this.#song.durationFrames, this.#engine.sampleRate);
  }

  /** Jumps to a marker now, or on the next beat, bar line or marker. The marker is resolved
   * (src/control/resolve.ts, or the Player for its own callers) and `at` checked before. */
  jump(marker: Marker, at: JumpAt): void {
    this.#engine.assertOpen("jump");
    const target = Math.round(marker.at * this.#engine.sampleRate);
    const position = this.#engine.readStatus().position;
    const from = position + this.#guard;
    let when = position; // "now": the callback is at or past it, so it fires at once
    if (at === "beat" || at === "bar") {
      const beat = nextBeat(this.#grid(`a jump at the next ${at}`), from, at === "bar");
      when = beat?.frame ?? this.#song.durationFrames;
    } else if (at === "section") {
      const next = this.#song.markers.map((m) => Math.round(m.at * this.#engine.sampleRate))
        .filter((frame) => frame >= from && frame > position);
      when = next.length ? Math.min(...next) : this.#song.durationFrames;
    }
    this.jumpAtFrame(target, when);
  }

  /** Jumps to `target` when the song reaches `when` (frames): a follower repeating its
   * primary's jump at the same frame (src/control/sync_follow.ts). */
  jumpAtFrame(target: number, when: number): void {
    this.#engine.assertOpen("jump");
    this.#jumpSeq = this.#arm(
      { at: when, group: this.#song.currentGroup, target, crossfade: this.#seam },
      false,
    );
    this.#jumpPlan = { target, when };
    this.#loop = this.#leaving = undefined; // jumping out of a vamp ends it
  }

  /** Cancels a jump that has not happened yet; a loop or transition stands again. */
  cancelJump(): void {
    this.#engine.assertOpen("cancel a jump");
    this.#jumpSeq = this.#jumpPlan = undefined;
    this.#rearm();
  }

  /** Loops from `start` to `end` seconds, seamlessly, until `exitLoop()`. A loop behind the
   * position pulls it back at once. */
  loop(start: number, end: number): void {
    this.#engine.assertOpen("loop");
    const duration = this.#song.durationFrames / this.#engine.sampleRate;
    checkLoopBounds(start, end, duration);
    const frames = {
      start: Math.round(start * this.#engine.sampleRate),
      end: Math.round(end * this.#engine.sampleRate),
    };
    if (frames.end <= frames.start) {
      refuse("LOOP", `a loop from ${start} s to ${end} s is shorter than one frame`);
    }
    // Two declick seams: a shorter loop would crossfade into its own next seam and click.
    const shortest = this.#engine.native.sp_min_loop_frames(this.#engine.pointer);
    if (frames.end - frames.start < shortest) {
      const ms = (shortest / this.#engine.sampleRate * 1000).toFixed(0);
      refuse(
        "LOOP",
        `a loop from ${start} s to ${end} s is shorter than the minimum of ${ms} ms ` +
          `(${shortest} frames: two ${SEAM_SECONDS * 1000} ms declick seams); make it longer`,
      );
    }
    this.#loop = frames;
    this.#leaving = undefined;
    this.#jumpSeq = this.#jumpPlan = undefined;
    this.#rearm();
  }

  /** Loops a marker's section (a resolved marker): from it to the next marker (or the song's
   * end). */
  loopSection(from: Marker): void {
    const later = this.#song.markers.filter((m) => m.at > from.at).map((m) => m.at);
    const end = later.length
      ? Math.min(...later)
      : this.#song.durationFrames / this.#engine.sampleRate;
    this.loop(from.at, end);
  }

  /** The loop playing, in seconds, if any. */
  get loopRange(): { start: number; end: number } | undefined {
    const rate = this.#engine.sampleRate;
    return this.#loop && { start: this.#loop.start / rate, end: this.#loop.end / rate };
  }

  /** Leaves the loop: "end" (default) plays the current pass to its end and goes on; "now"
   * goes on from the loop's end at once (crossfaded). */
  exitLoop(options: { at?: "now" | "end" } = {}): void {
    this.#engine.assertOpen("exit the loop");
    const at = options.at ?? "end";
    if (at !== "now" && at !== "end") {
      refuse("INVALID_ARGUMENT", `exitLoop at must be "now" or "end", got ${at}`);
    }
    const loop = this.#loop;
    if (!loop) return; // nothing to leave: a live rig ignores the extra press
    this.#loop = undefined;
    if (at === "now") {
      const when = this.#engine.readStatus().position;
      this.#jumpSeq = this.#arm({
        at: when,
        group: this.#song.currentGroup,
        target: loop.end,
        crossfade: this.#seam,
      }, false);
      this.#jumpPlan = { target: loop.end, when }; // a sync follower repeats it
    } else {
      this.#leaving = loop;
      this.#rearm();
    }
  }

  /** A jump armed and not yet taken: its target and when it happens, in seconds. */
  get scheduledJump(): { target: number; at: number } | undefined {
    return this.scheduledJumpAsOf(undefined);
  }

  /** The armed jump as `status` sees it: none once that status shows it fired, though the
   * tick that takes the firing in has not run yet (a sync state must not carry a jump its
   * position is already past). */
  scheduledJumpAsOf(status: EngineStatus | undefined): { target: number; at: number } | undefined {
    const fired = status !== undefined && status.cueFired === this.#jumpSeq;
    const plan = this.#jumpSeq === undefined || fired ? undefined : this.#jumpPlan;
    const rate = this.#engine.sampleRate;
    return plan && { target: plan.target / rate, at: plan.when / rate };
  }

  /** Where an armed cue takes the playhead out of the song playing (frames): the jump's, else
   * (no loop vamping) the setlist's transition's; undefined when none is armed, or `status`
   * shows the jump fired. */
  leavesAt(status: EngineStatus): number | undefined {
    if (this.#jumpSeq !== undefined) {
      return status.cueFired === this.#jumpSeq ? undefined : this.#jumpPlan?.when;
    }
    return this.#loop || this.#countInTrack ? undefined : this.#standing?.at;
  }

  /** A loop left at its end whose last pass is still playing (until the position leaves it),
   * in seconds. */
  get leavingLoop(): { start: number; end: number } | undefined {
    const leaving = this.#leaving;
    if (!leaving) return undefined;
    // The snapshot read last (a tick's, or a status read's): one status read sees one block.
    const position = this.#engine.status.position;
    if (position >= leaving.end || position < leaving.start) {
      this.#leaving = undefined;
      return undefined;
    }
    const rate = this.#engine.sampleRate;
    return { start: leaving.start / rate, end: leaving.end / rate };
  }

  /** A count-in is playing before the song (a key or tempo change waits it out). */
  get countingIn(): boolean {
    return this.#countInTrack !== undefined;
  }

  /** Bars of count-in before the song starts from a stop (0: none). */
  get countIn(): number {
    return this.#countIn;
  }
  set countIn(bars: number) {
    if (!Number.isInteger(bars) || bars < 0 || bars > MAX_COUNT_IN) {
      refuse(
        "INVALID_ARGUMENT",
        `countIn must be a whole number of bars from 0 to ${MAX_COUNT_IN}, got ${bars}`,
      );
    }
    if (bars > 0 && this.#song.tempo.length === 0) {
      refuse("NO_TEMPO", 'a count-in needs the song\'s tempo ("tempo" in its manifest)');
    }
    this.#countIn = bars;
  }

  /** Before play from a stop: plays the count-in as its own short song, cued gaplessly into
   * the song at `fromFrame`. The count-in ends one beat before the song's next downbeat (its
   * first, from the top): the song's audio before that downbeat (its `firstBeat`) starts under
   * the last count-in beats, whose clicks then sound from a short track in the song's group.
   * Returns whether a count-in was started. */
  startCountIn(fromFrame: number): boolean {
    if (this.#countIn === 0 || this.#song.tempo.length === 0 || this.#countInTrack) return false;
    this.#dropCountInTail();
    const grid = beatGrid(this.#song.tempo, this.#song.durationFrames, this.#engine.sampleRate);
    const downbeat = nextBeat(grid, fromFrame, true);
    const lead = downbeat ? downbeat.frame - fromFrame : 0;
    const segment =
      this.#song.tempo.findLast((t) => t.at * this.#engine.sampleRate <= (downbeat?.frame ?? 0)) ??
        this.#song.tempo[0];
    const { beats, handOver } = countInGrid(segment, this.#countIn, this.#engine.sampleRate, lead);
    const songGroup = this.#song.currentGroup;
    // The beats after the hand-over play in the song's group, on the song's own timeline (a
    // track from the song's frame 0, silent up to `fromFrame`: tracks have no start offset).
    const tail = beats.filter((beat) => beat.frame >= handOver)
      .map((beat) => ({ ...beat, frame: fromFrame + beat.frame - handOver }));
    if (tail.length > 0) {
      const track = this.#clickTrack(tail, fromFrame + lead, "count-in (last beats)", songGroup);
      this.#countInTail = {
        track,
        until: fromFrame + lead,
        fromBlock: Number(this.#engine.readStatus().blocks),
      };
    }
    if (handOver === 0) return true; // the song starts at once, under the whole count-in
    const group = this.#song.newGroup();
    let track: Track;
    try {
      const counted = beats.filter((beat) => beat.frame < handOver);
      track = this.#clickTrack(counted, handOver, "count-in", group);
      this.#song.countInStarting?.({ group, songGroup, fromFrame, handOver });
      unwrap(
        this.#engine.native,
        this.#engine.native.sp_transport_switch(this.#engine.pointer, group, 0n),
        "start the count-in",
      );
    } catch (error) {
      this.#dropCountInTail();
      throw error;
    }
    const cueSeq = this.#arm(
      { at: handOver, group: songGroup, target: fromFrame, crossfade: 0 },
      false,
    );
    this.#countInTrack = { track, group, frames: handOver, songGroup, cueSeq };
    return true;
  }

  /** A click track of `beats` in `group`, `frames` long, where the count-in goes. */
  #clickTrack(beats: Beat[], frames: number, name: string, group: number): Track {
    const { native, sampleRate } = this.#engine;
    const click = renderClick(native, beats, frames, sampleRate);
    const decoded = sayCountIn(native, click, beats, this.#song.countInWords, sampleRate);
    try {
      return this.#slots.create(decoded, {
        name,
        ...this.#engine.buses.clickPlacement(this.#song.clickRoute),
      }, group);
    } catch (error) {
      if (decoded.pcm) this.#engine.native.sp_pcm_free(decoded.pcm);
      throw error;
    }
  }

  #dropCountInTail(): void {
    const tail = this.#countInTail;
    this.#countInTail = undefined;
    if (tail) this.#slots.drop(tail.track).catch(() => {});
  }

  /** Stops a count-in that has not reached the song: back to the song at `frame`. Returns
   * whether one was running. */
  abortCountIn(frame: number): boolean {
    this.#dropCountInTail();
    const countIn = this.#countInTrack;
    if (!countIn) return false;
    const { native, pointer: engine } = this.#engine;
    unwrap(
      native,
      native.sp_transport_switch(engine, countIn.songGroup, BigInt(frame)),
      "stop the count-in",
    );
    this.#dropCountIn();
    this.#rearm();
    return true;
  }

  #dropCountIn(): void {
    const countIn = this.#countInTrack;
    this.#countInTrack = undefined;
    // A slot the audio side never leaves (TIMEOUT) is freed with the engine.
    if (countIn) this.#slots.drop(countIn.track).catch(() => {});
  }

  /** During a count-in, the song's position is negative: frames until the song starts. */
  displayPosition(position: number, group: number): number {
    const countIn = this.#countInTrack;
    return countIn && group === countIn.group ? position - countIn.frames : position;
  }

  /** Called at every engine tick with its status snapshot (the seq of the cue the callback
   * fired last, the blocks and the position): frees a finished count-in, and puts back the
   * loop or the standing cue after a jump fired. */
  poll(status: EngineStatus): void {
    const firedCueSeq = status.cueFired;
    if (this.#countInTrack?.cueSeq === firedCueSeq) {
      this.#dropCountIn();
      this.#rearm();
    }
    // The count-in's last beats are behind the song's downbeat: they must not click again.
    // (Two blocks after play at the earliest: the published position lags a request.)
    const tail = this.#countInTail;
    if (
      tail && !this.#countInTrack && Number(status.blocks) > tail.fromBlock + 1 &&
      status.position >= tail.until
    ) {
      this.#dropCountInTail();
    }
    if (this.#jumpSeq !== undefined && this.#jumpSeq === firedCueSeq) {
      this.#jumpSeq = this.#jumpPlan = undefined;
      this.#rearm();
    }
  }

  /** Equal-power fade of the whole mix to silence over `seconds`, then paused. A fade shorter
   * than the 5 ms declick (0 included) takes the 5 ms: never an instant cut. */
  fadeOut(seconds: number): void {
    this.#fade(0, seconds, "fadeOut");
  }

  /** Equal-power fade in over `seconds` (at least the 5 ms declick; from silence when not
   * playing). The player starts playing. */
  fadeIn(seconds: number): void {
    this.#fade(1, seconds, "fadeIn");
  }

  #fade(direction: 0 | 1, seconds: number, what: string): void {
    this.#engine.assertOpen(what);
    if (
      typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0 ||
      seconds > MAX_FADE_SECONDS
    ) {
      refuse(
        "INVALID_ARGUMENT",
        `${what} needs seconds from 0 to ${MAX_FADE_SECONDS}, got ${seconds}`,
      );
    }
    unwrap(
      this.#engine.native,
      this.#engine.native.sp_transport_fade(
        this.#engine.pointer,
        direction,
        Math.round(seconds * this.#engine.sampleRate),
      ),
      what,
    );
  }
}
