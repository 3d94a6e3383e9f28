/**
 * The bytes a terminal sends in raw mode, decoded into key names (what keys.ts, the MIDI
 * learn prompt and the screen loop read).
 *
 * @module
 */

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
  "\t": "tab",
  "\r": "enter",
  "\n": "enter",
  "\x7f": "backspace",
  "\b": "backspace",
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
      // A sequence we do not use: skip ESC [ ... final byte. A lone Escape is a key.
      // deno-lint-ignore no-control-regex -- escape sequences are what this parses
      const rest = /^\x1b(\[[0-9;?]*[@-~]|O.)?/.exec(text.slice(i));
      if (!rest?.[1]) keys.push("escape");
      i += rest ? rest[0].length : 1;
      continue;
    }
    const char = text[i++];
    keys.push(NAMED_CHARS[char] ?? char);
  }
  return keys;
}
