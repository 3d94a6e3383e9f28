/**
 * The key-path validation kit: checks of parsed JSON (song.json, setlists) that collect every
 * problem as `{ keyPath, message }` instead of stopping at the first, so one run names every
 * mistake in a file. A failed check records its problem and returns `undefined`; the caller
 * skips what depends on that value and goes on with the rest.
 *
 * @module
 */

import { isObject } from "./json_value.ts";

export { isObject };

/** One thing wrong in a file: where (`tracks[2].route[0]`, "" for the whole file) and what. */
export interface Problem {
  /** The key path of the value, e.g. `markers[3].at`; "" for the file as a whole. */
  keyPath: string;
  /** What is wrong with it and, where it helps, what would be right. */
  message: string;
}

/** A value as a message names it: "the string "120"", "an array", "number 7". */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/** `parent.key`, or `key` at the top. */
export function childKey(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** A problem from a line a checker wrote as `keyPath: message` (settings, MIDI maps). */
export function problemFromLine(line: string): Problem {
  const colon = line.indexOf(": ");
  return colon < 0
    ? { keyPath: "", message: line }
    : { keyPath: line.slice(0, colon), message: line.slice(colon + 2) };
}

/** One problem as a line: `keyPath: message`, or the message alone for the whole file. */
export function problemLine(problem: Problem): string {
  return problem.keyPath ? `${problem.keyPath}: ${problem.message}` : problem.message;
}

/**
 * The message of an error about a file's problems: `file: keyPath: message` for one, and for
 * several a count followed by one indented line each, so every problem is seen at once.
 */
export function problemsMessage(file: string, problems: readonly Problem[]): string {
  if (problems.length === 1) return `${file}: ${problemLine(problems[0])}`;
  return `${file}: ${problems.length} problems:\n` +
    problems.map((problem) => `  ${problemLine(problem)}`).join("\n");
}

/** Collects problems; each check returns the value typed, or `undefined` after recording why
 * it is wrong. */
export class KeyPathChecker {
  /** Every problem found so far, in the order found. */
  readonly problems: Problem[] = [];

  /** How unknown keys are explained: "allowed here" (song.json) or "known" (setlists). */
  constructor(readonly keysLabel = "allowed here") {}

  /** Records a problem; returns `undefined` so a check can `return this.fail(...)`. */
  fail(keyPath: string, message: string): undefined {
    this.problems.push({ keyPath, message });
    return undefined;
  }

  /** Whether nothing has been recorded. */
  get ok(): boolean {
    return this.problems.length === 0;
  }

  /** Records "is missing" when `value` is undefined; returns whether it is present. */
  present(keyPath: string, value: unknown): boolean {
    if (value === undefined) this.fail(keyPath, "is missing");
    return value !== undefined;
  }

  /** A plain object; each key outside `keys` is a problem of its own (the object is still
   * returned, so its known keys are checked too). */
  object(
    keyPath: string,
    value: unknown,
    keys: readonly string[],
  ): Record<string, unknown> | undefined {
    if (!isObject(value)) return this.fail(keyPath, `must be an object, got ${describe(value)}`);
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        this.fail(childKey(keyPath, key), `unknown key (${this.keysLabel}: ${keys.join(", ")})`);
      }
    }
    return value;
  }

  /** A string with something in it. */
  string(keyPath: string, value: unknown): string | undefined {
    if (typeof value !== "string" || value.trim() === "") {
      return this.fail(keyPath, `must be a non-empty string, got ${describe(value)}`);
    }
    return value;
  }

  /** A finite number from `min` to `max` (`unit` follows the range in the message). */
  number(keyPath: string, value: unknown, min: number, max: number, unit = ""): number | undefined {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return this.fail(keyPath, `must be a number, got ${describe(value)}`);
    }
    if (value < min || value > max) {
      return this.fail(keyPath, `must be from ${min} to ${max}${unit}, got ${value}`);
    }
    return value;
  }

  /** A whole number from `min` to `max`. */
  integer(
    keyPath: string,
    value: unknown,
    min: number,
    max: number,
    unit = "",
  ): number | undefined {
    const number = this.number(keyPath, value, min, max, unit);
    if (number === undefined) return undefined;
    if (!Number.isInteger(number)) {
      return this.fail(keyPath, `must be a whole number, got ${number}`);
    }
    return number;
  }

  /** true or false. */
  boolean(keyPath: string, value: unknown): boolean | undefined {
    if (typeof value !== "boolean") {
      return this.fail(keyPath, `must be true or false, got ${describe(value)}`);
    }
    return value;
  }

  /** An array of at least `minLength` entries. */
  array(keyPath: string, value: unknown, minLength: number): unknown[] | undefined {
    if (!Array.isArray(value)) {
      return this.fail(keyPath, `must be an array, got ${describe(value)}`);
    }
    if (value.length < minLength) {
      return this.fail(keyPath, `needs at least ${minLength} entr${minLength === 1 ? "y" : "ies"}`);
    }
    return value;
  }
}
