/**
 * One rule for destructive actions, on every surface that asks for it (the keys of `play` and
 * the web remote always; MIDI with `midi.confirm: true`; quit on the keys uses its timing): while the
 * show plays, stop, next, previous, goto and a seek to the start need the same press again
 * 150 ms to 2 s after the first. The first press arms it and says what will happen ("tap again
 * to stop"); a second press sooner than 150 ms is a bounce (a double-tap of a nervous finger,
 * a pedal's contact) and neither confirms nor re-arms.
 *
 * @module
 */

import type { Action } from "./actions.ts";

/** A second press sooner than this after the first is a bounce (ms). */
export const CONFIRM_AFTER_MS = 150;
/** The second press must come within this of the first (ms). */
export const CONFIRM_WINDOW_MS = 2000;

/** Whether `action` ends or moves what the audience hears: needs a confirmation while playing. */
export function isDestructive(action: Action): boolean {
  return action.type === "stop" || action.type === "next" || action.type === "previous" ||
    action.type === "goto" || (action.type === "seek" && action.to === "start") ||
    action.type === "failback"; // mutes a backup that is sounding
}

/** What the second press will do, for the prompt ("to stop", "for next song"). */
export function consequence(action: Action, songTitle?: (ref: number | string) => string): string {
  switch (action.type) {
    case "stop":
      return "to stop";
    case "next":
      return "for next song";
    case "previous":
      return "for previous song";
    case "goto":
      return `to go to ${songTitle ? songTitle(action.song) : action.song}`;
    case "failback":
      return "to fail back (mute this backup)";
    default:
      return "to go back to the start";
  }
}

/** What a press did under the rule. */
export type PressOutcome = "run" | "armed" | "bounce";

/** The pending first presses, one per presser (a phone's session, a MIDI input). */
export class ConfirmRule {
  readonly #pending = new Map<string, { key: string; since: number; until: number }>();

  /**
   * Judges one press of `action` by `who`. Not destructive, or not `playing`: it runs (and
   * forgets what `who` had armed).
   */
  press(who: string, action: Action, playing: boolean, now = performance.now()): PressOutcome {
    if (!playing || !isDestructive(action)) {
      this.#pending.delete(who);
      return "run";
    }
    const key = JSON.stringify(action);
    const pending = this.#pending.get(who);
    if (pending && pending.key === key && now <= pending.until) {
      if (now - pending.since < CONFIRM_AFTER_MS) return "bounce";
      this.#pending.delete(who);
      return "run";
    }
    // Old entries go: at most one per presser is held, and a stale one is dropped here.
    for (const [other, entry] of this.#pending) if (entry.until < now) this.#pending.delete(other);
    this.#pending.set(who, { key, since: now, until: now + CONFIRM_WINDOW_MS });
    return "armed";
  }

  /** Forgets `who`'s pending press (its session ended). */
  forget(who: string): void {
    this.#pending.delete(who);
  }
}
