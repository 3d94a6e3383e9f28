/**
 * Keys of the play screen: the bytes a terminal sends in raw mode, decoded into key names,
 * and what each key does to the session.
 *
 * @module
 */

import { GAIN_STEP_DB, type PlaySession, SEEK_STEP_SECONDS } from "./session.ts";

/** A decoded key: a printable character, or one of the named keys. */
export type Key = string;

/** Escape sequences of the named keys, in the forms xterm, tmux, the Linux console and
 * terminals in application-cursor mode send. */
const SEQUENCES: [string, Key][] = [
  ["\x1b[C", "right"],
  ["\x1bOC", "right"],
  ["\x1b[D", "left"],
  ["\x1bOD", "left"],
  ["\x1b[A", "up"],
  ["\x1bOA", "up"],
  ["\x1b[B", "down"],
  ["\x1bOB", "down"],
  ["\x1b[H", "home"],
  ["\x1bOH", "home"],
  ["\x1b[1~", "home"],
  ["\x1b[7~", "home"],
];

/** Control characters that arrive as themselves, by name. */
const NAMED_CHARS: Record<string, Key> = {
  "\x03": "ctrl-c",
  " ": "space",
  "\r": "enter",
  "\n": "enter",
};

/** Splits what one read of stdin returned into keys. Unknown escape sequences are dropped. */
export function decodeKeys(text: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\x1b") {
      const match = SEQUENCES.find(([sequence]) => text.startsWith(sequence, i));
      if (match) {
        keys.push(match[1]);
        i += match[0].length;
        continue;
      }
      // A lone Escape, or a sequence we do not use: skip ESC [ ... final byte.
      // deno-lint-ignore no-control-regex -- escape sequences are what this parses
      const rest = /^\x1b(\[[0-9;?]*[@-~]|O.)?/.exec(text.slice(i));
      i += rest ? rest[0].length : 1;
      continue;
    }
    const char = text[i++];
    keys.push(NAMED_CHARS[char] ?? char);
  }
  return keys;
}

/** What a key asks the screen loop to do after it was applied. */
export type KeyOutcome = "continue" | "quit";

/**
 * Applies one key to the session. After `j`, the next key is a marker number (any other key
 * cancels the jump and then does what it always does).
 *
 * @returns "quit" for q, Q and Ctrl-C; "continue" otherwise (unknown keys do nothing). A
 *   promise for the keys that change songs (n, p), which take a moment.
 * @throws {StemplayError} when the player refuses (the screen shows it on its message line)
 */
export function handleKey(session: PlaySession, key: Key): KeyOutcome | Promise<KeyOutcome> {
  const show = session.show;
  if (show.jumpPending) {
    if (/^[0-9]$/.test(key)) {
      show.jumpTo(Number(key));
      return "continue";
    }
    show.cancelJump();
  }
  switch (key) {
    case "q":
    case "Q":
    case "ctrl-c":
      return "quit";
    case "space":
      session.togglePlay();
      break;
    case "left":
      session.seekBy(-SEEK_STEP_SECONDS);
      break;
    case "right":
      session.seekBy(SEEK_STEP_SECONDS);
      break;
    case "[":
      session.previousMarker();
      break;
    case "]":
      session.nextMarker();
      break;
    case "home":
      session.toStart();
      break;
    case "m":
      session.toggleMute();
      break;
    case "s":
      session.toggleSolo();
      break;
    case "+":
    case "=":
      session.changeGain(GAIN_STEP_DB);
      break;
    case "-":
    case "_":
      session.changeGain(-GAIN_STEP_DB);
      break;
    case "0":
      session.resetGain();
      break;
    case "l":
      session.toggleMonitor();
      break;
    case "r":
      return session.reopenDevice().then(() => "continue");
    case "n":
      return show.step(1).then(() => "continue");
    case "p":
      return show.step(-1).then(() => "continue");
    case "j":
      show.startJump();
      break;
    case "v":
      show.vamp();
      break;
    case "enter":
      show.leaveLoop();
      break;
    case "c":
      show.toggleCountIn();
      break;
    case "f":
      show.fadeOut();
      break;
    default:
      if (/^[1-9]$/.test(key)) session.select(Number(key));
  }
  return "continue";
}
