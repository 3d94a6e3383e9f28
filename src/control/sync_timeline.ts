/**
 * One rig's timeline (which frame plays when) from its callbacks' stamps, for the follower's
 * lock (docs/two-rigs.md). A stamp is when a device callback began and the frame it played. A
 * callback can start late (a busy machine, a JACK cycle run behind its time and caught up), never
 * early: a late stamp puts the timeline late by its lateness, and a lock that chased it would
 * move the music for nothing. So, like NTP's shortest round trip, the earliest-running stamp of
 * the last WINDOW_MS gives the timeline; a stamp off the others by more than a jitter can be (a
 * jump, a seek) starts it afresh.
 *
 * @module
 */

import type { SyncState } from "./sync_packet.ts";

/** How far back stamps count, ms: long enough to outlast a late stretch, short enough that the
 * drift between two clocks (±1000 ppm at most) moves the estimate by 0.3 ms at most. */
const WINDOW_MS = 300;
/** A stamp this far (ms) from the timeline is a jump of the music, not a late callback. */
const JUMP_MS = 50;

/** The earliest-running stamps of a window. */
export class StampTimeline {
  #stamps: { at: number; frame: number }[] = [];

  /** Forgets every stamp (the music jumped, stopped, or the song changed). */
  clear(): void {
    this.#stamps = [];
  }

  /** Adds a stamp (ms, frame); `rate`: frames per second of the clock `at` is read on.
   * @returns the earliest-running stamp now */
  add(at: number, frame: number, rate: number): { at: number; frame: number } {
    const last = this.#stamps.at(-1);
    if (last && last.at === at && last.frame === frame) return this.best(rate)!;
    if (
      last && Math.abs(frame - last.frame - (at - last.at) * rate / 1000) > JUMP_MS * rate / 1000
    ) {
      this.#stamps = [];
    }
    this.#stamps.push({ at, frame });
    while (this.#stamps[0].at < at - WINDOW_MS) this.#stamps.shift();
    return this.best(rate)!;
  }

  /** Adds a stamp and reads the frame playing at `now` (ms) from the earliest-running one. */
  frameAt(at: number, frame: number, rate: number, now: number): number {
    const best = this.add(at, frame, rate);
    return best.frame + (now - best.at) * rate / 1000;
  }

  /** Takes a primary's state packet's stamp: a start, a stop or another song starts afresh. */
  takeState(before: SyncState | undefined, state: SyncState): void {
    if (
      state.state !== "playing" || before?.state !== "playing" ||
      before.song.index !== state.song.index || before.song.title !== state.song.title
    ) this.clear();
    if (state.state === "playing") this.add(state.at, state.position, state.sampleRate);
  }

  /** `state` with the position and time of the earliest-running stamp taken. */
  earliest(state: SyncState): SyncState {
    const best = state.state === "playing" ? this.best(state.sampleRate) : undefined;
    return best ? { ...state, at: best.at, position: best.frame } : state;
  }

  /** The stamp that runs earliest (the frame furthest on at any moment), or undefined. */
  best(rate: number): { at: number; frame: number } | undefined {
    let best: { at: number; frame: number } | undefined;
    for (const stamp of this.#stamps) {
      if (!best || stamp.frame - best.frame - (stamp.at - best.at) * rate / 1000 > 0) {
        best = stamp;
      }
    }
    return best;
  }
}
