/**
 * JSON as a person writes it, for the files stemplay writes for people to read and edit
 * (stemplay.json after MIDI learn, song.json): two-space indent, and short flat things on one
 * line (`"outputs": [1, 2]`, `{ "note": 60, "action": "play" }`) instead of JSON.stringify's
 * one value per line. Lists of objects get one entry per line, so a growing list (tracks, a
 * MIDI map, songs) diffs a line at a time. The output depends only on the value: stable.
 *
 * @module
 */

/** Lines stay within this many characters when they can (the repo's `fmt` width). */
const LINE_WIDTH = 100;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isContainer = (value: unknown): value is object =>
  typeof value === "object" && value !== null;

/** Whether `value` may go on one line: an array of plain values, or an object whose values are
 * plain values or arrays of plain values. */
function isFlat(value: object): boolean {
  const children = Object.values(value);
  if (Array.isArray(value)) return !children.some(isContainer);
  return children.every((child) =>
    !isContainer(child) || (Array.isArray(child) && !child.some(isContainer))
  );
}

function oneLine(value: Json): string {
  if (!isContainer(value)) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(oneLine).join(", ")}]`;
  const entries = Object.entries(value).map(([key, child]) =>
    `${JSON.stringify(key)}: ${oneLine(child)}`
  );
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

/** `value` at `indent`, where `used` characters of its first line are already taken. */
function format(value: Json, indent: string, used: number): string {
  if (!isContainer(value)) return JSON.stringify(value);
  const flat = oneLine(value);
  // +1 for a comma after it.
  if (flat.length <= 2 || (isFlat(value) && used + flat.length + 1 <= LINE_WIDTH)) return flat;
  const inner = indent + "  ";
  const lines = Array.isArray(value)
    ? value.map((child) => inner + format(child, inner, inner.length))
    : Object.entries(value).map(([key, child]) => {
      const head = `${inner}${JSON.stringify(key)}: `;
      return head + format(child, inner, head.length);
    });
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${lines.join(",\n")}\n${indent}${close}`;
}

/**
 * `value` as readable JSON text, ending in a newline. `JSON.parse` gives the value back.
 *
 * @param value anything JSON.stringify takes (undefined object fields are left out, as there)
 */
export function formatJson(value: unknown): string {
  // A round trip drops what JSON has no form for (undefined, functions), as JSON.stringify does.
  const plain = JSON.parse(JSON.stringify(value)) as Json;
  if (isContainer(plain)) {
    // The top level always opens up: a settings file reads as a list of its keys.
    const body = format(plain, "", LINE_WIDTH + 1);
    return body + "\n";
  }
  return JSON.stringify(plain) + "\n";
}
