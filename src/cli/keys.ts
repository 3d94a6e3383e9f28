/**
 * Keys of the play screen: what each key (decoded in key_input.ts) does to the session.
 *
 * @module
 */

import type { Action } from "../control/actions.ts";
import { GAIN_STEP_DB, type PlaySession, SEEK_STEP_SECONDS } from "./session.ts";
import { FADE_OUT_SECONDS } from "./show_controls.ts";
import { busStep, pickNextBus } from "./bus_keys.ts";
import type { Key } from "./key_input.ts";
import { CONFIRM_AFTER_MS, CONFIRM_WINDOW_MS } from "../control/confirm.ts";
import { markerAfter, markerAt } from "../control/status.ts";
import { spokenCueToggle } from "./spoken_cue_key.ts";

/** What a key asks the screen loop to do after it was applied: go on, quit (q), or stop as
 * an interrupt (Ctrl-C: exit 130, as a shell reports SIGINT). */
export type KeyOutcome = "continue" | "quit" | "interrupt";

/** The keys that stop, move or change the song, and how their question names them: during
 * playback the control layer's one rule (src/control/confirm.ts) asks for a second press, and
 * every screen shows the question (`ControlStatus.notice`, "keys: stop? …"). */
const ASKING_KEYS: Partial<Record<Key, { keys: string; what: string }>> = {
  n: { keys: "n", what: "next song" },
  p: { keys: "p", what: "previous song" },
  ".": { keys: ".", what: "stop" },
  home: { keys: "Home", what: "back to the start" },
};

/** The question a key asks during playback. */
function question(what: string, keys: string): string {
  return `${what}? the song is playing: press ${keys} again within 2 s`;
}

/** The operator action each plain key stands for (the selected track fills in `track`). */
export function keyAction(session: PlaySession, key: Key): Action | undefined {
  const track = session.selected + 1;
  switch (key) {
    case "space":
      return { type: "togglePlay" };
    case "left":
      return { type: "seek", by: -SEEK_STEP_SECONDS };
    case "right":
      return { type: "seek", by: SEEK_STEP_SECONDS };
    case "[":
      return markerOnTheBar(session, -1);
    case "]":
      return markerOnTheBar(session, 1);
    case "home":
      return { type: "seek", to: "start" };
    case ".":
      return { type: "stop" };
    case "m":
      return { type: "mute", track };
    case "s":
      return { type: "solo", track };
    case "+":
    case "=":
      return { type: "trackGain", track, stepDb: GAIN_STEP_DB };
    case "-":
    case "_":
      return { type: "trackGain", track, stepDb: -GAIN_STEP_DB };
    case "0":
      return { type: "trackGain", track, reset: true };
    case "<":
      return { type: "masterGain", stepDb: -GAIN_STEP_DB };
    case ">":
      return { type: "masterGain", stepDb: GAIN_STEP_DB };
    case "{":
      return busStep(session, -1);
    case "}":
      return busStep(session, 1);
    case "l":
      return { type: "latencyMonitor" };
    case "r":
      return { type: "reopenDevice" };
    case "B":
      return { type: "failback" };
    case "n":
      return { type: "next" };
    case "p":
      return { type: "previous" };
    case "x":
      return { type: "cancelJump" };
    case "v":
      return { type: "vamp" };
    case "enter":
      return { type: "exitLoop" };
    case "c":
      return { type: "countIn" };
    case "f":
      return { type: "fadeOut", seconds: FADE_OUT_SECONDS };
    case "k":
    case "K":
      return { type: "transpose", by: key === "K" ? 1 : -1 };
    case "t":
    case "T":
      return { type: "speed", by: key === "T" ? 0.01 : -0.01 };
    case "P": // the selected stem keeps its key when the song is transposed, or not
      return { type: "pitched", track };
  }
  return undefined;
}

/** `[`/`]` while playing: the previous or next marker, on the next bar like `j` (never a cut).
 * `[` goes to the start of the current section, or the one before when within 1 s of it. */
function markerOnTheBar(session: PlaySession, direction: 1 | -1): Action {
  // Not playing, nothing can be cut: the position moves there at once.
  if (session.player.state !== "playing") {
    return { type: "locate", marker: direction > 0 ? "next" : "previous" };
  }
  // The same rule as the control layer's locate, but scheduled on the bar.
  const markers = session.song.markers;
  const position = session.player.position;
  const target = direction > 0
    ? markerAfter(markers, position)
    : markerAt(markers, position - PREVIOUS_MARKER_GRACE_SECONDS);
  if (!target) return { type: "locate", marker: direction > 0 ? "next" : "previous" };
  return { type: "jump", marker: target.number, at: "bar" };
}

/** Within this long after a marker, `[` goes to the one before it (as a CD player's ⏮). */
const PREVIOUS_MARKER_GRACE_SECONDS = 1;

/** Runs an action through the control layer (as "keys", under the confirm rule: `prompt` is
 * the question a destructive one asks during playback) and shows what it did. */
async function run(session: PlaySession, action: Action, prompt?: string): Promise<KeyOutcome> {
  const unavailable = session.unavailableSong(action);
  if (unavailable) {
    session.message = unavailable;
    return "continue";
  }
  const result = await session.control.dispatch(action, {
    source: "keys",
    confirmBy: "keys",
    confirmPrompt: prompt,
  });
  session.message = result.message;
  if (result.pending) session.asked(result.message);
  return "continue";
}

/**
 * Applies one key to the session: every key that acts on the show maps onto an operator
 * action (src/control) and goes through the player's ControlSurface. After `j`, the next key
 * is a marker number (any other key cancels the pending jump and then does what it always
 * does). After `g`, the keys are the song pick's (see song_pick.ts).
 *
 * @returns "quit" for q, Q and Ctrl-C; "continue" otherwise (unknown keys do nothing). A
 *   promise for the keys that dispatch an action.
 * @throws {StemplayError} when the player refuses (the screen shows it on its message line)
 */
export function handleKey(session: PlaySession, key: Key): KeyOutcome | Promise<KeyOutcome> {
  const show = session.show;
  if (key === "ctrl-c") {
    // Asks like q (a second Ctrl-C or q exits); SIGINT and SIGTERM from outside still end it.
    return confirmed(session, "quit", "Ctrl-C or q", "quit") ? "interrupt" : "continue";
  }
  if (session.learn?.active) {
    session.learn.key(key);
    return "continue";
  }
  if (show.jumpPending) {
    show.jumpPending = false;
    if (/^[0-9]$/.test(key)) return run(session, { type: "jump", marker: Number(key), at: "bar" });
    session.message = "jump cancelled";
  }
  const pick = show.songPick.key(key);
  switch (pick.kind) {
    case "held":
      return "continue";
    case "ended":
      session.message = pick.message;
      return "continue";
    case "go":
      return goToSong(session, pick);
    case "cancelled":
      session.message = "song pick cancelled";
  }
  switch (key) {
    case "q":
    case "Q":
      return confirmed(session, "quit", "q", "quit") ? "quit" : "continue";
    case "j":
      show.startJump();
      return "continue";
    case "L":
      if (session.learn) session.learn.start();
      else session.message = 'MIDI learn needs a "midi" section in stemplay.json';
      return "continue";
    case "g":
      show.startSongPick();
      return "continue";
    case "b":
      pickNextBus(session);
      return "continue";
    case "R":
      return resume(session);
    case "a": {
      const toggle = spokenCueToggle(session.player);
      if (typeof toggle !== "string") return run(session, toggle);
      session.message = toggle;
      return "continue";
    }
    case "up":
      session.moveSelection(-1);
      return "continue";
    case "down":
      session.moveSelection(1);
      return "continue";
    case "tab":
      session.moveSelection(1, true);
      return "continue";
    case "?":
      session.helpPage++;
      session.message = "key help: next page";
      return "continue";
  }
  // ← and → are relative seeks: every press of a burst counts (the surface starts each from
  // where the last one asked for).
  const action = keyAction(session, key);
  const asking = ASKING_KEYS[key];
  if (action) return run(session, action, asking && question(asking.what, asking.keys));
  if (/^[1-9]$/.test(key)) session.select(Number(key));
  return "continue";
}

/** R: back to where the last run left, when the screen offers it. */
async function resume(session: PlaySession): Promise<KeyOutcome> {
  if (!session.resumeOffer) session.message = "nothing to resume (R works before the show moves)";
  else session.message = await session.resumeOffer();
  return "continue";
}

/** A song pick's number: goes there (asking first during playback). When it went without
 * its Enter, an Enter right after is still the pick's. */
async function goToSong(
  session: PlaySession,
  { song, keys, enterTyped }: { song: number; keys: string; enterTyped: boolean },
): Promise<KeyOutcome> {
  try {
    const title = session.player.setlist?.songs[song - 1]?.title ?? `song ${song}`;
    return await run(session, { type: "goto", song }, question(`go to ${song}. ${title}`, keys));
  } finally {
    if (!enterTyped) session.show.songPick.holdLateEnter();
  }
}

/**
 * Quit (q, Ctrl-C) during playback needs the same key again 150 ms to 2 s after the first, by
 * the control layer's timing (src/control/confirm.ts); the screen says so. A press sooner than
 * 150 ms is a bounce and is ignored. Not playing, it goes at once. Quitting is the terminal's
 * own concern: other screens do not hear it.
 *
 * @param keys how to tell the operator what to press
 */
function confirmed(session: PlaySession, id: string, keys: string, what: string): boolean {
  if (session.player.state !== "playing") {
    session.confirm = undefined;
    return true;
  }
  const now = performance.now();
  const pending = session.confirm;
  if (pending?.id === id && now <= pending.until) {
    if (now - pending.since < CONFIRM_AFTER_MS) return false; // a bounce, not a second press
    session.confirm = undefined;
    return true;
  }
  const text = question(what, keys);
  session.confirm = { id, since: now, until: now + CONFIRM_WINDOW_MS, question: text };
  session.message = text;
  return false;
}
