/**
 * Buses: tracks go to named buses, buses go to the device's outputs. A rig profile (in
 * `stemplay.json`, or `Player.open({ buses })`) names them once, so a song says `"bus":
 * "in-ears"` instead of output numbers, and changing interface means editing one file.
 *
 * - Default profile: `FOH` on outputs 1-2 (1 on a mono device), `in-ears` on 3-4, protected.
 * - A protected bus (the in-ears: click, guide, cues) ignores solo (soloing a music stem never
 *   silences it) and show fades, and has its own gain. The callback does this (a protected
 *   flag per track and per output), not JavaScript.
 * - A bus whose outputs the device does not have is unavailable: its tracks are muted (never
 *   folded into another bus) and `Player.busProblems` says so.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { describe } from "../util/check.ts";
import type { Native } from "../native/native.ts";
import { unwrap } from "../native/native.ts";
import { defaultRoute, type Routing } from "./routing.ts";
import type { TrackOptions } from "./track_options.ts";
import { checkGain, gainFromDb, gainToDb } from "./levels.ts";

/** One bus of a rig profile. */
export interface BusOptions {
  /** Device outputs from 1, e.g. `[3, 4]`. */
  outputs: number[];
  /** Ignores solo and show fades (the in-ears). Default: false. */
  protected?: boolean;
  /** Delays the bus's outputs, in ms, 0 .. {@link MAX_BUS_DELAY_MS} (e.g. front of house
   * behind the in-ears, or a delay tower). Exact to round(ms × rate / 1000) frames. Default 0. */
  delayMs?: number;
}

/** A rig profile: bus names to their outputs. */
export type BusProfile = Record<string, BusOptions>;

/** The front-of-house bus of the default profile. */
export const FOH = "FOH";
/** The protected in-ear bus of the default profile. */
export const IN_EARS = "in-ears";
const MAX_OUTPUTS = 32;
/** The keys of one bus in a rig profile (docs/settings.md lists them). */
export const BUS_KEYS: readonly string[] = ["outputs", "protected", "delayMs"];
/** The longest bus delay, ms (docs/bus_delay.md). */
export const MAX_BUS_DELAY_MS = 1000;

/** Whether a bus delay is a number from 0 to {@link MAX_BUS_DELAY_MS}. */
function delayInRange(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 &&
    value <= MAX_BUS_DELAY_MS;
}

/** The profile used when none is given: FOH on 1-2, in-ears on 3-4 (protected). */
export function defaultBusProfile(channels = 2): BusProfile {
  return {
    [FOH]: { outputs: channels >= 2 ? [1, 2] : [1] },
    [IN_EARS]: { outputs: [3, 4], protected: true },
  };
}

/** The highest output a profile uses (what an offline render needs). */
export function profileChannels(profile: BusProfile): number {
  return Math.max(1, ...Object.values(profile).flatMap((bus) => bus.outputs));
}

/**
 * Checks a rig profile (`buses`), naming the key that is wrong: every bus needs `outputs`
 * (distinct outputs from 1 to 32), `protected` is true or false, and no output belongs to two
 * buses.
 *
 * @param where what to name in messages, e.g. "stemplay.json: buses"
 * @throws {StemplayError} code "BUSES"
 */
export function checkBusProfile(value: unknown, where = "buses"): BusProfile {
  const fail = (key: string, problem: string): never => {
    throw new StemplayError("BUSES", `${where}${key}: ${problem}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(
      "",
      `must be an object of bus names, e.g. { "FOH": { "outputs": [1, 2] } }, got ${
        describe(value)
      }`,
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) fail("", "names no bus");
  const owner = new Map<number, string>();
  const profile: BusProfile = {};
  for (const [name, bus] of entries) {
    const key = `.${name}`;
    if (name.trim() === "") fail(key, "a bus needs a name");
    if (typeof bus !== "object" || bus === null || Array.isArray(bus)) {
      fail(key, `must be an object with "outputs", got ${describe(bus)}`);
    }
    const fields = bus as Record<string, unknown>;
    for (const field of Object.keys(fields)) {
      if (!BUS_KEYS.includes(field)) {
        fail(
          `${key}.${field}`,
          'is not a bus key (a bus has "outputs", "protected" and "delayMs")',
        );
      }
    }
    if (!Array.isArray(fields.outputs) || fields.outputs.length === 0) {
      fail(
        `${key}.outputs`,
        `must be a list of output numbers from 1, got ${describe(fields.outputs)}`,
      );
    }
    const outputs = (fields.outputs as unknown[]).map((output, index) => {
      if (
        typeof output !== "number" || !Number.isInteger(output) || output < 1 ||
        output > MAX_OUTPUTS
      ) {
        fail(
          `${key}.outputs[${index}]`,
          `must be an output number from 1 to ${MAX_OUTPUTS}, got ${describe(output)}`,
        );
      }
      const other = owner.get(output as number);
      if (other !== undefined) {
        fail(`${key}.outputs[${index}]`, `output ${output} already belongs to bus "${other}"`);
      }
      owner.set(output as number, name);
      return output as number;
    });
    if (fields.protected !== undefined && typeof fields.protected !== "boolean") {
      fail(`${key}.protected`, `must be true or false, got ${describe(fields.protected)}`);
    }
    if (fields.delayMs !== undefined && !delayInRange(fields.delayMs)) {
      fail(
        `${key}.delayMs`,
        `must be a delay in ms from 0 to ${MAX_BUS_DELAY_MS}, got ${describe(fields.delayMs)}`,
      );
    }
    profile[name] = { outputs, protected: fields.protected === true };
    if (fields.delayMs !== undefined) profile[name].delayMs = fields.delayMs as number;
  }
  return profile;
}

/** A bus of an open player: its outputs, whether the device has them, and its own gain. */
export class Bus {
  /** The bus's name, e.g. "in-ears". */
  readonly name: string;
  /** Its outputs, from 1. */
  readonly outputs: readonly number[];
  /** Ignores solo and show fades. */
  readonly protected: boolean;
  /** False when the device lacks any of its outputs: its tracks are muted. */
  readonly available: boolean;
  #native: Native;
  #engine: Deno.PointerValue;
  #gain = 1;
  #delayMs = 0;
  #sampleRate: number;
  /** Throws "CLOSED" once the engine is being freed (nothing may reach it then). */
  #assertOpen: (what: string) => void;

  /** @internal Made by the player from its profile. */
  constructor(
    native: Native,
    engine: Deno.PointerValue,
    name: string,
    options: BusOptions,
    deviceOutputs: number,
    sampleRate = 48000,
    assertOpen: (what: string) => void = () => {},
  ) {
    this.#native = native;
    this.#engine = engine;
    this.#sampleRate = sampleRate;
    this.#assertOpen = assertOpen;
    this.name = name;
    this.outputs = [...options.outputs];
    this.protected = options.protected === true;
    this.available = this.outputs.every((output) => output <= deviceOutputs);
    if (!this.available) return;
    for (const output of this.outputs) {
      unwrap(
        native,
        native.sp_output_set_protected(engine, output - 1, this.protected ? 1 : 0),
        `mark output ${output} of bus "${name}"`,
      );
    }
    if (options.delayMs) this.delayMs = options.delayMs;
  }

  /**
   * The bus's delay in ms, 0 .. {@link MAX_BUS_DELAY_MS}: its outputs play round(ms × rate /
   * 1000) frames late. A change while playing crossfades from the old delay to the new over
   * 20 ms (no click); 0 is the undelayed output, bit for bit. MIDI out, MTC and LTC keep their
   * own offsets (docs/bus_delay.md).
   * @throws {StemplayError} "INVALID_ARGUMENT" outside that range or for NaN; the delay stays
   * as it was. "CLOSED" once the player is closed
   */
  get delayMs(): number {
    return this.#delayMs;
  }
  set delayMs(value: number) {
    if (!delayInRange(value)) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `bus "${this.name}" delayMs must be a number from 0 to ${MAX_BUS_DELAY_MS}, got ${value}`,
      );
    }
    this.#assertOpen(`set the delay of bus "${this.name}"`);
    const frames = Math.min(this.#sampleRate, Math.round(value * this.#sampleRate / 1000));
    if (this.available) {
      for (const output of this.outputs) {
        unwrap(
          this.#native,
          this.#native.sp_output_set_delay(this.#engine, output - 1, frames),
          `set the delay of bus "${this.name}"`,
        );
      }
    }
    this.#delayMs = value;
  }

  /** The bus's delay in frames at the engine's rate: round(delayMs × rate / 1000). */
  get delayFrames(): number {
    return Math.min(this.#sampleRate, Math.round(this.#delayMs * this.#sampleRate / 1000));
  }

  /** The bus's own level, linear (1 = unity), 0 .. MAX_GAIN (+12 dB), ramped like every gain.
   * @throws {StemplayError} "INVALID_ARGUMENT" above that, or for NaN or Infinity; the gain
   * stays as it was. "CLOSED" once the player is closed */
  get gain(): number {
    return this.#gain;
  }
  set gain(value: number) {
    value = checkGain(value, `bus "${this.name}" gain`);
    this.#assertOpen(`set the gain of bus "${this.name}"`);
    if (this.available) {
      for (const output of this.outputs) {
        unwrap(
          this.#native,
          this.#native.sp_output_set_gain(this.#engine, output - 1, value),
          `set the gain of bus "${this.name}"`,
        );
      }
    }
    this.#gain = value;
  }

  /** The bus's level in dB, at most +12 (MAX_GAIN_DB). */
  get gainDb(): number {
    return gainToDb(this.#gain);
  }
  set gainDb(value: number) {
    this.gain = gainFromDb(value, `bus "${this.name}" gainDb`);
  }

  /** "1-2", "3", "1+3". */
  describeOutputs(): string {
    const o = this.outputs;
    const consecutive = o.every((output, index) => index === 0 || output === o[index - 1] + 1);
    return consecutive && o.length > 1 ? `${o[0]}-${o[o.length - 1]}` : o.join("+");
  }
}

/** Words a file name uses for the band's own cues: the folder guess sends them to in-ears. */
const IN_EAR_WORDS = /click|guide|cue|count/i;

/** The folder guess (documented in docs/songs.md): click, guide, cue or count in the file's
 * name → in-ears; everything else → FOH. */
export function guessBus(fileName: string): string {
  return IN_EAR_WORDS.test(fileName) ? IN_EARS : FOH;
}

/** Where a track goes: its options with the route resolved, and its bus. */
export interface Placement {
  options: TrackOptions;
  bus?: Bus;
}

/** The buses of one player. */
export class Buses {
  readonly #buses: Map<string, Bus>;
  readonly #outputs: number;

  /** @internal */
  constructor(
    native: Native,
    engine: Deno.PointerValue,
    profile: BusProfile,
    outputs: number,
    sampleRate = 48000,
    assertOpen: (what: string) => void = () => {},
  ) {
    this.#outputs = outputs;
    for (let output = 0; output < outputs; output++) {
      unwrap(native, native.sp_output_set_protected(engine, output, 0), "reset an output");
      unwrap(native, native.sp_output_set_gain(engine, output, 1), "reset an output");
      unwrap(native, native.sp_output_set_delay(engine, output, 0), "reset an output");
    }
    this.#buses = new Map(
      Object.entries(profile).map(([name, options]) => [
        name,
        new Bus(native, engine, name, options, outputs, sampleRate, assertOpen),
      ]),
    );
  }

  /** Every bus, in profile order. */
  get list(): Bus[] {
    return [...this.#buses.values()];
  }

  /** Bus names, in profile order. */
  get names(): string[] {
    return [...this.#buses.keys()];
  }

  /** A bus by name. @throws {StemplayError} "BUS" naming the buses there are */
  get(name: string): Bus {
    const bus = this.#buses.get(name);
    if (!bus) {
      throw new StemplayError(
        "BUS",
        `no bus named "${name}" (buses: ${this.names.map((n) => `"${n}"`).join(", ") || "none"})`,
      );
    }
    return bus;
  }

  /** The bus a guessed name stands for: that bus, else the first protected (in-ears) or
   * unprotected (FOH) one. */
  #guessed(name: string): Bus | undefined {
    return this.#buses.get(name) ??
      this.list.find((bus) => bus.protected === (name === IN_EARS));
  }

  /**
   * Resolves a track's bus and route. With `bus` and no route, the track plays on the bus's
   * outputs (a mono track on two outputs centred, as routing.ts does everywhere). A route
   * given besides a bus must stay within the bus's outputs. Without a bus, a track whose
   * route lies within one bus belongs to it. A bus the device lacks mutes the track (an all
   * zero matrix): never folded into another bus.
   *
   * @throws {StemplayError} "BUS" for an unknown bus, or a route outside its bus
   */
  place(options: TrackOptions, channels: number): Placement {
    if (options.bus === undefined) {
      const route = options.routeGains
        ? undefined
        : options.route ?? defaultRoute(channels, this.#outputs);
      const bus = route &&
        this.list.find((b) => b.available && route.every((output) => b.outputs.includes(output)));
      return { options: { ...options, bus: bus?.name }, bus };
    }
    const bus = options.busGuessed ? this.#guessed(options.bus) : this.get(options.bus);
    if (!bus) return { options: { ...options, bus: undefined, busGuessed: false } };
    const placed: TrackOptions = { ...options, bus: bus.name };
    if (!bus.available) {
      placed.route = undefined;
      placed.routeGains = Array.from({ length: channels }, () => new Array(this.#outputs).fill(0));
      return { options: placed, bus };
    }
    if (options.route !== undefined) {
      const outside = options.route.find((output) => !bus.outputs.includes(output));
      if (outside !== undefined) {
        throw new StemplayError(
          "BUS",
          `route output ${outside} is not on bus "${bus.name}" (outputs ${bus.describeOutputs()}): ` +
            `drop the route, or name the bus that has it`,
        );
      }
      return { options: placed, bus };
    }
    if (options.routeGains !== undefined) return { options: placed, bus };
    placed.route = busRoute(bus.outputs, channels);
    return { options: placed, bus };
  }

  /** Where a generated click or count-in goes: its clickRoute, else the in-ears (or the first
   * protected bus). */
  clickPlacement(clickRoute: number[] | undefined): { route?: number[]; bus?: string } {
    if (clickRoute) return { route: clickRoute };
    const inEars = this.list.find((bus) => bus.name === IN_EARS) ??
      this.list.find((bus) => bus.protected);
    return inEars ? { bus: inEars.name } : {};
  }

  /** Loud lines for the screen: each bus the device lacks, and the tracks it mutes. */
  problems(trackBuses: { name: string; bus?: string }[]): string[] {
    return this.list.filter((bus) => !bus.available).flatMap((bus) => {
      const tracks = trackBuses.filter((t) => t.bus === bus.name).map((t) => t.name);
      if (tracks.length === 0) return [];
      return [
        `BUS "${bus.name}" HAS NO OUTPUTS: it needs outputs ${bus.describeOutputs()}, the device ` +
        `has 1-${this.#outputs}. MUTED: ${tracks.join(", ")}`,
      ];
    });
  }
}

/** A track's route on a bus: channel k on output k of the bus; a mono track on (up to) two. */
function busRoute(outputs: readonly number[], channels: number): Routing["route"] & number[] {
  if (channels === 1) return outputs.slice(0, 2);
  if (channels === 2 && outputs.length === 1) return [outputs[0]];
  if (channels <= outputs.length) return outputs.slice(0, channels);
  throw new StemplayError(
    "BUS",
    `a ${channels}-channel track does not fit a bus of ${outputs.length} outputs: give routeGains`,
  );
}
