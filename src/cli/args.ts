/**
 * Command-line flags: a small hand-written parser, so every unknown flag and bad value gets
 * one line that names the flag (node:util parseArgs words its errors for Node and gives no
 * hook for value checks).
 *
 * @module
 */

/** A mistake in how the command was typed: exit code 2, one line on stderr. */
export class UsageError extends Error {
  /** @param message one line naming the flag and what was wrong */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** How one flag is read. */
export interface FlagSpec {
  /** "boolean" takes no value; "string" takes the next word (or `--flag=value`); "list" is a
   * "string" that may be given more than once (its values in order). */
  type: "boolean" | "string" | "list";
  /** A one-letter alias, e.g. "o" for `-o`. */
  short?: string;
}

/** Flags by their long name (without the dashes). */
export type FlagSpecs = Record<string, FlagSpec>;

/** What the parser found: flag values by long name, and the words that are not flags. */
export interface ParsedArgs {
  flags: Record<string, string | string[] | boolean | undefined>;
  positionals: string[];
}

/**
 * Reads `args` against `specs`. `--help`/`-h` is always known. `--` ends the flags.
 *
 * @param command the command's name, for the error lines ("stemplay render")
 * @throws {UsageError} for an unknown flag, a missing value or a value given to a switch
 */
export function parseFlags(command: string, args: string[], specs: FlagSpecs): ParsedArgs {
  const all: FlagSpecs = { help: { type: "boolean", short: "h" }, ...specs };
  const byShort = new Map(
    Object.entries(all).filter(([, spec]) => spec.short).map(([name, spec]) => [spec.short!, name]),
  );
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      positionals.push(word);
      continue;
    }
    const equals = word.indexOf("=");
    const written = equals >= 0 ? word.slice(0, equals) : word;
    const name = written.startsWith("--") ? written.slice(2) : byShort.get(written.slice(1));
    const spec = name === undefined ? undefined : all[name];
    if (
      name === undefined || spec === undefined ||
      (!written.startsWith("--") && written.length !== 2)
    ) {
      throw new UsageError(`${command}: unknown flag ${written} (see ${command} --help)`);
    }
    if (spec.type === "boolean") {
      if (equals >= 0) throw new UsageError(`${command}: ${written} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (equals >= 0) value = word.slice(equals + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith("--")) value = args[++i];
    if (value === undefined || value === "") {
      throw new UsageError(`${command}: ${written} needs a value`);
    }
    if (spec.type === "list") {
      const earlier = flags[name];
      flags[name] = [...(Array.isArray(earlier) ? earlier : []), value];
    } else {
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

/** Reads an integer flag in [min, max], or undefined when it was not given. */
export function integerFlag(
  command: string,
  parsed: ParsedArgs,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = parsed.flags[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(
      `${command}: --${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

/** Reads a flag that must be one of `choices`, or undefined when it was not given. */
export function choiceFlag<T extends string>(
  command: string,
  parsed: ParsedArgs,
  name: string,
  choices: readonly T[],
): T | undefined {
  const raw = parsed.flags[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(
      `${command}: --${name} must be one of ${choices.join(", ")}, got "${raw}"`,
    );
  }
  return raw as T;
}

/** Reads a "list" flag: its values in order (none when it was not given). */
export function listFlag(parsed: ParsedArgs, name: string): string[] {
  const raw = parsed.flags[name];
  return Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : [];
}

/** Reads a string flag, or undefined when it was not given. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const raw = parsed.flags[name];
  return typeof raw === "string" ? raw : undefined;
}

/** The audio backends miniaudio knows by name (native/devices.c), plus "auto". */
export const BACKENDS = [
  "auto",
  "null",
  "pulseaudio",
  "alsa",
  "jack",
  "oss",
  "sndio",
  "audio4",
  "coreaudio",
  "wasapi",
  "dsound",
  "winmm",
  "aaudio",
  "opensl",
  "webaudio",
] as const;
