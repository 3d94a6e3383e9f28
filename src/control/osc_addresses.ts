/**
 * The OSC address space of stemplay: each incoming message mapped onto an operator action of
 * the command layer (src/control/actions.ts), or onto the OSC surface's own two requests
 * (`/stemplay/subscribe`, `/stemplay/status`). Nothing here touches a player.
 *
 * Arguments, by their OSC type tag:
 * - where a number is expected, `i` and `f` (and `d`, `h`) are both accepted; where it must be
 *   whole (a song, marker or track number, bars, 0/1), a float must hold a whole value;
 * - a marker or track is `s` (its name) or a number from 1 (as on the screen);
 * - an on/off is `i` 0/1 (or `f` 0/1, or the OSC 1.1 tags `T`/`F`);
 * - addresses are matched exactly (OSC patterns such as `*` are refused: a pattern that fires
 *   several transport commands at once is never what a stage wants).
 *
 * @module
 */

import type { Action } from "./actions.ts";
import { JUMP_AT, type JumpAt } from "../show/show.ts";
import { OSC_LIMITS } from "./osc_limits.ts";

/** One argument as the OSC codec decodes it: its kind and value. */
export interface OscArg {
  type: string;
  value?: unknown;
}

/** What a message asks for. */
export type OscRequest =
  | { kind: "action"; action: Action }
  | { kind: "subscribe"; port?: number }
  | { kind: "reply"; port: number }
  | { kind: "status" };

/** A message that cannot be mapped: the text goes back to the sender in `/stemplay/error`. */
export class OscProblem extends Error {
  /** @param message what was wrong, naming the address and what it takes */
  constructor(message: string) {
    super(message);
    this.name = "OscProblem";
  }
}

const TAGS: Record<string, string> = {
  string: "s",
  symbol: "S",
  integer: "i",
  bigint: "h",
  timetag: "t",
  float: "f",
  double: "d",
  blob: "b",
  midi: "m",
  color: "r",
  true: "T",
  false: "F",
  null: "N",
  bang: "I",
  character: "c",
  array: "[",
};

/** The type tags of `args`, as OSC writes them (",sif"). */
export function typeTags(args: readonly OscArg[]): string {
  return "," + args.map((arg) => TAGS[arg.type] ?? "?").join("");
}

/** A float32 argument as the sender meant it (0.9 arrives as 0.899999976…): six decimals. */
function float32Dust(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 1e6) / 1e6;
}

function numberOf(arg: OscArg | undefined): number | undefined {
  if (!arg) return undefined;
  if (arg.type === "integer" || arg.type === "float" || arg.type === "double") {
    return Number.isFinite(arg.value) ? arg.value as number : undefined;
  }
  if (arg.type === "bigint") return Number(arg.value as bigint);
  return undefined;
}

function wholeOf(arg: OscArg | undefined): number | undefined {
  const value = numberOf(arg);
  return value !== undefined && Number.isInteger(value) ? value : undefined;
}

function refOf(arg: OscArg | undefined): string | number | undefined {
  if (arg?.type === "string" || arg?.type === "symbol") return arg.value as string;
  return wholeOf(arg);
}

function flagOf(arg: OscArg | undefined): boolean | undefined {
  if (arg?.type === "true") return true;
  if (arg?.type === "false") return false;
  const value = numberOf(arg);
  return value === 0 ? false : value === 1 ? true : undefined;
}

/** How one address reads its arguments: the signature for error messages, and the reader. */
interface Method {
  /** What it takes, in words ("s or i (marker), then optional s (now, beat, bar, section)"). */
  takes: string;
  /** Arguments in, a request out; undefined when the arguments do not fit. */
  read(args: readonly OscArg[]): OscRequest | undefined;
}

const action = (value: Action): OscRequest => ({ kind: "action", action: value });

/** No arguments. */
function bare(
  type: "play" | "pause" | "stop" | "next" | "previous" | "cancelJump" | "failback",
): Method {
  return {
    takes: "no arguments",
    read: (args) => args.length === 0 ? action({ type }) : undefined,
  };
}

function trackLevel(kind: "gain" | "gainDb"): Method {
  return {
    takes: `s or i (track), then f (${kind === "gain" ? "linear gain" : "gain in dB"})`,
    read(args) {
      const track = refOf(args[0]);
      const value = numberOf(args[1]);
      if (args.length !== 2 || track === undefined || value === undefined) return undefined;
      return action({ type: "trackGain", track, [kind]: value });
    },
  };
}

function masterLevel(kind: "gain" | "gainDb"): Method {
  return {
    takes: `f (${kind === "gain" ? "linear gain" : "gain in dB"})`,
    read(args) {
      const value = numberOf(args[0]);
      if (args.length !== 1 || value === undefined) return undefined;
      return action({ type: "masterGain", [kind]: value });
    },
  };
}

function trackSwitch(type: "mute" | "solo"): Method {
  return {
    takes: "s or i (track), then i 0/1 (off/on; without it, it toggles)",
    read(args) {
      const track = refOf(args[0]);
      if (track === undefined || args.length > 2) return undefined;
      if (args.length === 1) return action({ type, track });
      const on = flagOf(args[1]);
      return on === undefined ? undefined : action({ type, track, on });
    },
  };
}

function fade(type: "fadeOut" | "fadeIn"): Method {
  return {
    takes: "f (seconds; without it, 4 s)",
    read(args) {
      if (args.length === 0) return action({ type });
      const seconds = numberOf(args[0]);
      return args.length === 1 && seconds !== undefined ? action({ type, seconds }) : undefined;
    },
  };
}

/** The address table: a contract with OSC controllers; keep each address exactly. */
export const OSC_METHODS: Readonly<Record<string, Method>> = {
  "/stemplay/play": bare("play"),
  "/stemplay/pause": bare("pause"),
  "/stemplay/stop": bare("stop"),
  "/stemplay/next": bare("next"),
  "/stemplay/previous": bare("previous"),
  "/stemplay/goto": {
    takes: "i (song number from 1) or s (song title)",
    read(args) {
      const song = refOf(args[0]);
      return args.length === 1 && song !== undefined ? action({ type: "goto", song }) : undefined;
    },
  },
  "/stemplay/jump": {
    takes: "s or i (marker name or number from 1), then optional s (now, beat, bar or section)",
    read(args) {
      const marker = refOf(args[0]);
      if (marker === undefined || args.length > 2) return undefined;
      if (args.length === 1) return action({ type: "jump", marker, at: "bar" });
      const at = args[1].type === "string" ? args[1].value as string : "";
      if (!(JUMP_AT as readonly string[]).includes(at)) return undefined;
      return action({ type: "jump", marker, at: at as JumpAt });
    },
  },
  "/stemplay/vamp": {
    takes: "optional s or i (marker; without it, the current section)",
    read(args) {
      if (args.length === 0) return action({ type: "vamp" });
      const marker = refOf(args[0]);
      return args.length === 1 && marker !== undefined
        ? action({ type: "vamp", marker })
        : undefined;
    },
  },
  "/stemplay/exitloop": {
    takes: "no arguments",
    read: (args) => args.length === 0 ? action({ type: "exitLoop" }) : undefined,
  },
  "/stemplay/canceljump": bare("cancelJump"),
  "/stemplay/failback": bare("failback"),
  "/stemplay/countin": {
    takes: "i (bars; 0 = off)",
    read(args) {
      const bars = wholeOf(args[0]);
      return args.length === 1 && bars !== undefined
        ? action({ type: "countIn", bars })
        : undefined;
    },
  },
  "/stemplay/midiclock": {
    takes: "i 0/1 (off/on; without it, it toggles)",
    read(args) {
      if (args.length === 0) return action({ type: "midiClock" });
      const on = flagOf(args[0]);
      return args.length === 1 && on !== undefined ? action({ type: "midiClock", on }) : undefined;
    },
  },
  "/stemplay/spokencues": {
    takes: "i 0/1 (off/on; without it, it toggles)",
    read(args) {
      if (args.length === 0) return action({ type: "spokenCues" });
      const on = flagOf(args[0]);
      return args.length === 1 && on !== undefined ? action({ type: "spokenCues", on }) : undefined;
    },
  },
  "/stemplay/fadeout": fade("fadeOut"),
  "/stemplay/fadein": fade("fadeIn"),
  "/stemplay/track/gain": trackLevel("gain"),
  "/stemplay/track/gaindb": trackLevel("gainDb"),
  "/stemplay/track/mute": trackSwitch("mute"),
  "/stemplay/track/solo": trackSwitch("solo"),
  "/stemplay/track/pitched": {
    takes: "s or i (track), then i 0/1 (keeps its key / follows it; without it, it toggles)",
    read(args) {
      const track = refOf(args[0]);
      if (track === undefined || args.length > 2) return undefined;
      if (args.length === 1) return action({ type: "pitched", track });
      const pitched = flagOf(args[1]);
      return pitched === undefined ? undefined : action({ type: "pitched", track, pitched });
    },
  },
  "/stemplay/bus/gain": {
    takes: "s (bus name), then f (linear gain)",
    read(args) {
      const gain = numberOf(args[1]);
      if (args.length !== 2 || args[0].type !== "string" || gain === undefined) return undefined;
      return action({ type: "busGain", bus: args[0].value as string, gain });
    },
  },
  "/stemplay/bus/gaindb": {
    takes: "s (bus name), then f (gain in dB)",
    read(args) {
      const gainDb = numberOf(args[1]);
      if (args.length !== 2 || args[0].type !== "string" || gainDb === undefined) return undefined;
      return action({ type: "busGain", bus: args[0].value as string, gainDb });
    },
  },
  "/stemplay/master/gain": masterLevel("gain"),
  "/stemplay/master/gaindb": masterLevel("gainDb"),
  "/stemplay/transpose": {
    takes: "f (semitones, -12 to 12, absolute)",
    read(args) {
      const semitones = float32Dust(numberOf(args[0]));
      return args.length === 1 && semitones !== undefined
        ? action({ type: "transpose", semitones })
        : undefined;
    },
  },
  "/stemplay/speed": {
    takes: "f (tempo ratio, 0.5 to 2, 1 = as recorded)",
    read(args) {
      const ratio = float32Dust(numberOf(args[0]));
      return args.length === 1 && ratio !== undefined
        ? action({ type: "speed", ratio })
        : undefined;
    },
  },
  "/stemplay/reply": {
    takes: `i (the port errors go to, ${OSC_LIMITS.lowestPort} to 65535)`,
    read(args) {
      const port = wholeOf(args[0]);
      return args.length === 1 && port !== undefined && port >= OSC_LIMITS.lowestPort &&
          port <= 65535
        ? { kind: "reply", port }
        : undefined;
    },
  },
  "/stemplay/subscribe": {
    takes: `optional i (the port to send status to, ${OSC_LIMITS.lowestPort} to 65535; ` +
      `without it, the sender's own port)`,
    read(args) {
      if (args.length === 0) return { kind: "subscribe" };
      const port = wholeOf(args[0]);
      return args.length === 1 && port !== undefined && port >= OSC_LIMITS.lowestPort &&
          port <= 65535
        ? { kind: "subscribe", port }
        : undefined;
    },
  },
  "/stemplay/status": {
    takes: "no arguments",
    read: (args) => args.length === 0 ? { kind: "status" } : undefined,
  },
};

/**
 * Maps one message onto a request.
 *
 * @throws {OscProblem} for an unknown address or arguments that do not fit it (naming what the
 *   address takes and what came)
 */
export function readOscMessage(address: string, args: readonly OscArg[]): OscRequest {
  const method = Object.hasOwn(OSC_METHODS, address) ? OSC_METHODS[address] : undefined;
  if (!method) {
    const hint = /[*?[\]{}]/.test(address) ? " (patterns are not matched: name one address)" : "";
    throw new OscProblem(`unknown address ${address}${hint}`);
  }
  const request = method.read(args);
  if (!request) {
    throw new OscProblem(
      `${address} takes ${method.takes}; got type tags "${typeTags(args.slice(0, 16))}` +
        `${args.length > 16 ? `…" (${args.length} arguments)` : '"'}` +
        (args.length ? ` (${args.slice(0, 4).map(describeArg).join(", ")}` : "") +
        (args.length > 4 ? ", …)" : args.length ? ")" : ""),
    );
  }
  return request;
}

function describeArg(arg: OscArg): string {
  if (arg.type === "string") return JSON.stringify(arg.value);
  if (typeof arg.value === "number" || typeof arg.value === "bigint") return String(arg.value);
  return arg.type;
}
