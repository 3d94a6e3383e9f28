/**
 * A key or tempo change while playing (issue 24): the current song, prepared again at the new
 * key and tempo in its own group, takes over at the block boundary where the callback takes
 * the request, at the same musical place (the callback maps its own position: exact whatever
 * the control side saw last), the old key fading out under it over `RETIME_CROSSFADE_SECONDS`
 * with equal-gain weights (native/rt/retime_rt.c). The old song's tracks are freed once that
 * crossfade has played.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { unwrap } from "../native/native.ts";
import type { Engine } from "../engine/engine.ts";
import { fillState } from "../sources/stretch.ts";
import { headState, type RingState, ringState } from "../sources/streaming.ts";
import type { ShowFlow } from "../show/show.ts";

/** How long the old key fades out under the new one: long enough to hide the seam (the two
 * renders are the same music, so a linear fade never swells), short enough to be heard as a
 * change at once. */
export const RETIME_CROSSFADE_SECONDS = 0.05;

/** How far the callback may be past the position read here when it takes the request (a
 * stalled control thread): the old song's tail is kept at least that long. */
const TAKEN_WITHIN_SECONDS = 0.5;

/** When the old song's tracks may go: once the callback plays `group` and has passed
 * `untilFrame` (`from`: never while it still plays the old group). */
export interface RetimeRetirement {
  group: number;
  untilFrame: number;
  from: number;
  /** `from`'s frames to `group`'s (old speed ÷ new speed), as the callback maps its position. */
  ratio: number;
}

/** Asks the callback to move from `fromGroup` to `toGroup` at the mapped place, crossfaded.
 * Cues armed on the old song's timeline (a loop, a jump, the setlist's transition) are
 * cancelled first, so none fires in the new one; the show flow arms them again on it.
 * `position`: the callback's, in `fromGroup`'s frames.
 * @throws {StemplayError} "CLOSED"; "BUSY" when the command ring is full */
export function retimeSwitch(
  engine: Engine,
  fromGroup: number,
  toGroup: number,
  fromSpeed: number,
  toSpeed: number,
  position = engine.readStatus().position,
): RetimeRetirement {
  engine.assertOpen("change key or tempo");
  const { native, pointer } = engine;
  const crossfade = Math.round(RETIME_CROSSFADE_SECONDS * engine.sampleRate);
  const what = "change key or tempo while playing";
  unwrap(native, native.sp_transport_cancel_cue(pointer), what);
  unwrap(
    native,
    native.sp_transport_retime(pointer, toGroup, fromSpeed, toSpeed, crossfade),
    what,
  );
  const latest = position + TAKEN_WITHIN_SECONDS * engine.sampleRate;
  return {
    group: toGroup,
    untilFrame: Math.round(latest * fromSpeed / toSpeed) + crossfade,
    from: fromGroup,
    ratio: fromSpeed / toSpeed,
  };
}

/** A change waits while a count-in plays (the count-in hands over to the song it counts
 * in); an offline engine, which renders only when asked, cannot wait: "BUSY". Stops waiting
 * when `overtaken` (another song became the current one). */
export async function waitOutCountIn(
  engine: Engine,
  countingIn: () => boolean,
  overtaken: () => boolean = () => false,
): Promise<void> {
  while (countingIn() && !overtaken()) {
    if (engine.offline || engine.closed) {
      throw new StemplayError(
        "BUSY",
        "cannot change key or tempo during the count-in: set it again once the song plays",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Frames past the mapped playhead every stem must hold before the switch: the blocks the
 * callback may play before it takes the request, and the poll's own delay. */
const FILL_MARGIN_SECONDS = 0.1;

/** Frames the rings start before the playhead as read (src/songs/change_start.ts): the
 * callback's position, mapped into the new timeline when it takes the switch, may round a
 * frame lower. */
export const START_EARLY_FRAMES = 2;

/** The frames past the playhead a ring must hold for the switch (FILL_MARGIN_SECONDS). */
export function fillMargin(engine: Engine): number {
  return Math.round(FILL_MARGIN_SECONDS * engine.sampleRate) + 2 * engine.blockFrames;
}

/** What a song prepared while playing is still filling: stems rendered on C threads (their
 * pcms) and streamed stems (their sources: a ring filled by the reader from the playhead's
 * place, `frames` long). */
export interface Filling {
  pcms: readonly Deno.PointerValue[];
  rings: readonly { stream: Deno.PointerValue; frames: number; start?: number }[];
  /** The operator's moves (`movesOf`) when the rings were started at the playhead: with one
   * since, a playhead past them was moved there, not outrun by the readers. */
  moves?: number;
  /** When the rings were started (performance.now()). */
  startedAt?: number;
  /** Set by `waitForFill`: when every ring first held the frames a switch needs from where it
   * begins (the next change's lead learns from it: change_lead.ts). */
  heldAt?: number;
}

/** The operator's moves of the playhead so far: cues fired (a jump) and seeks. Each only
 * grows, so the sum changes when either does. */
export function movesOf(engine: Engine): number {
  return engine.readStatus().cueFired + engine.seeks;
}

/** How a wait for a song prepared while playing ends (waitForFill). */
export type FillWait = "ready" | "missed" | "moved" | "overtaken";

/** Waits until every stem still being rendered, and every streamed stem's ring, holds the
 * frames from the playhead mapped into the new song (`playhead()`, the old song's frame, ×
 * `ratio`) on, for `FILL_MARGIN_SECONDS` (a ring: at most half of it); then the switch never
 * lands on frames not there yet. Stops waiting when `overtaken` (another song became the
 * current one). "ready" once they do; "moved" when the operator moved the playhead away from
 * them (it went back: a seek, a loop; or on past what a ring holds after a jump or a seek
 * since the rings were started, `filling.moves`); "missed" when it went on past them by
 * itself (the reader fell behind), or stands short of where the rings start (`standing`: the
 * callback paused, stopped or ended; a lost device still reads playing; an offline engine
 * starts its rings at the playhead). Either way the song must be prepared again from where it
 * is now. While a loop vamps (`cues`: the cue targets carried, in the new song's frames),
 * every streamed stem must also hold the head at the loop's start (or an armed jump's
 * target), for the first loop back may come right after the switch: decoded before the stems
 * were attached (change_start.ts `decodeCueHeads`), or, for a loop set since, asked of the
 * reader by `cues`. A loop back while it waits is no miss when the rings start within the
 * loop (the playhead gets there again). Throws a render's error, and "FILE" when the reader
 * could not read a stem there. */
export async function waitForFill(
  engine: Engine,
  filling: Filling,
  ratio: number,
  playhead: () => number = () => engine.readStatus().position,
  overtaken: () => boolean = () => false,
  standing: () => boolean = () => !engine.offline && engine.readStatus().state !== "playing",
  cues: () => CueTargets = () => ({ heads: [] }),
): Promise<FillWait> {
  const margin = fillMargin(engine);
  const moves = filling.moves ?? movesOf(engine);
  let last = -Infinity;
  while (!overtaken()) {
    engine.assertOpen("change key or tempo");
    const at = Math.round(playhead() * ratio);
    const targets = cues();
    // A seek or a loop back: prepared for another place, unless the vamp comes round again.
    if (at < last && !vampsToRings(engine, filling, targets.loop, at, margin)) return "moved";
    last = at;
    const rings = filling.rings.map((ring) => ringHolds(engine, ring, at, margin, targets.loop));
    if (rings.includes("missed")) {
      return movesOf(engine) === moves ? "missed" : "moved";
    }
    if (filling.heldAt === undefined && holdTheirStart(engine, filling, margin)) {
      filling.heldAt = performance.now();
    }
    const ready = rings.every((held) => held === "held") && filling.pcms.every((pcm) => {
      const { from, to } = fillState(engine.native, pcm);
      return from <= at && (at + margin <= to || to === fillEnd(engine, pcm));
    }) && headsHeld(engine, filling, targets.heads);
    if (ready) return "ready";
    // Started ahead of a playhead that no longer moves (change_start.ts): never reached.
    if (standing()) return "missed";
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return "overtaken";
}

/** The frame a ring must hold up to for a switch at `from`: `margin` past it (at most half
 * the ring), or the song's end (`frames`). */
function switchNeeds(from: number, margin: number, ring: RingState, frames: number): number {
  return Math.min(from + Math.min(margin, ring.capacity / 2), frames);
}

/** Whether every ring holds the frames a switch needs (`margin`, at most half the ring) from
 * where it begins (or up to the song's end). */
function holdTheirStart(engine: Engine, filling: Filling, margin: number): boolean {
  return filling.rings.every(({ stream, start, frames }) => {
    const ring = ringState(engine.native, stream);
    const first = firstFrame(ring, start);
    return ring.answered && ring.to >= switchNeeds(first, margin, ring, frames);
  });
}

/** Where the cues carried to the new song send the playhead, in its frames: the heads they
 * play from (the loop's start, else an armed jump's target) and the loop. */
export interface CueTargets {
  heads: number[];
  loop?: { start: number; end: number };
}

/** The cues standing on the current song (cuesToCarry) as carryCues will arm them on the new
 * one (`ratio`: old speed ÷ new speed), in its frames. */
export function cueTargets(show: ShowFlow, engine: Engine, ratio: number): CueTargets {
  const { loop, jump } = cuesToCarry(show, engine);
  const frame = (seconds: number) => Math.round(seconds * ratio * engine.sampleRate);
  if (loop) {
    const start = frame(loop.start);
    return { heads: [start], loop: { start, end: frame(loop.end) } };
  }
  return { heads: jump ? [frame(jump.target)] : [] };
}

/** Whether every streamed stem holds a resident head at each of `heads`, none still being
 * decoded (a head that cannot be read is not waited for: the jump there starves as before). */
function headsHeld(engine: Engine, filling: Filling, heads: readonly number[]): boolean {
  return heads.every((frame) =>
    filling.rings.every(({ stream }) => headState(engine.native, stream, frame) !== "pending")
  );
}

/** A loop back (`at` within `loop`) to rings that all start within it, `margin` before its
 * end at the latest (so a poll sees the playhead between them and the end): the playhead
 * reaches them on its next pass, so the wait goes on. */
function vampsToRings(
  engine: Engine,
  filling: Filling,
  loop: CueTargets["loop"],
  at: number,
  margin: number,
): boolean {
  return filling.rings.every((ring) =>
    comesRound(loop, at, firstFrame(ringState(engine.native, ring.stream), ring.start), margin)
  );
}

/** Where a ring begins: where its reader started it, or (not started yet) where it was asked
 * to start. */
function firstFrame(state: RingState, start: number | undefined): number {
  return state.answered || start === undefined ? state.from : start;
}

/** Whether a playhead at `at` within the vamping `loop` comes round to a ring beginning at
 * `first` on its next pass: the ring begins within the loop, `margin` before its end at the
 * latest. */
function comesRound(
  loop: CueTargets["loop"],
  at: number,
  first: number,
  margin: number,
): boolean {
  if (!loop || at < loop.start || at >= loop.end) return false;
  return first + START_EARLY_FRAMES >= loop.start && first < loop.end - margin;
}

/** Whether a streamed stem's ring holds [at, at + margin) (or to its end), will, or never
 * will (see waitForFill). `start`: the frame it was asked to start at; `loop`: the loop
 * vamping, whose next pass may come round to a ring behind the playhead. */
function ringHolds(
  engine: Engine,
  { stream, frames, start }: Filling["rings"][number],
  at: number,
  margin: number,
  loop: CueTargets["loop"],
): "held" | "filling" | "missed" {
  const ring = ringState(engine.native, stream);
  const until = switchNeeds(at, margin, ring, frames);
  const first = firstFrame(ring, start);
  // Past all it could hold from where it begins: never held, unless the vamp comes round.
  const outrun = until > first + ring.capacity && !comesRound(loop, at, first, margin);
  // Not started yet (the readers busy elsewhere): outrun, it never will be, whenever they come
  // to it.
  if (!ring.answered) return start !== undefined && outrun ? "missed" : "filling";
  if (ring.failed) {
    throw new StemplayError(
      "FILE",
      "cannot change key or tempo: a stem could not be read at the playhead (the song plays " +
        "on at its key; check its files)",
    );
  }
  // The ring holds at most `capacity` frames from where its reader started: the playhead
  // went on past that before the reader got there.
  if (outrun) return "missed";
  // Started ahead of the playhead (change_start.ts): held once the playhead gets there.
  return ring.from <= at && until <= ring.to ? "held" : "filling";
}

function fillEnd(engine: Engine, pcm: Deno.PointerValue): number {
  const info = new BigUint64Array(3);
  engine.native.sp_pcm_info(pcm, info);
  return Number(info[0]);
}

/** The operator's cues on the old timeline, in its seconds: the loop vamping, the jump armed. */
export interface CarriedCues {
  loop?: { start: number; end: number };
  jump?: { target: number; at: number };
}

/** The cues standing on the current song, before a change replaces its timeline, read right
 * before the switch is pushed: a jump the callback has already fired is not carried (it
 * would fire twice). */
export function cuesToCarry(show: ShowFlow, engine: Engine): CarriedCues {
  return { loop: show.loopRange, jump: show.scheduledJumpAsOf(engine.readStatus()) };
}

/** Arms `cues` again on the new song (just made current), at the same places in the music
 * (`ratio`: old speed ÷ new speed): a vamp goes on, a jump still fires. Never throws: the
 * switch has been made; a cue the new timeline refuses (a loop end rounded past the song's
 * end) stays off, as the loop range and the scheduled jump then show. */
export function carryCues(show: ShowFlow, cues: CarriedCues, ratio: number, rate: number): void {
  try {
    if (cues.loop) show.loop(cues.loop.start * ratio, cues.loop.end * ratio);
    else if (cues.jump) {
      show.jumpAtFrame(
        Math.round(cues.jump.target * ratio * rate),
        Math.round(cues.jump.at * ratio * rate),
      );
    }
  } catch {
    // See above: the cue stays off.
  }
}
