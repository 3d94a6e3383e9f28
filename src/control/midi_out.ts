/**
 * MIDI out: `serveMidiOut(player, { clock, offsetMs, connectTo })` registers a MIDI output
 * port `midi_out` on the engine's own JACK client, the one that plays the audio, and sends MIDI
 * clock (24 ppqn) from each song's tempo map: Start on the song's first downbeat when it plays
 * from its beginning (the ticks before it, a pickup, run without Start), a Song Position Pointer
 * and Continue on play from elsewhere, a Song Position Pointer after every seek, jump, loop pass
 * and song change while it plays, and Stop on pause or stop. The audio callback writes every
 * message (in C, native/rt/midi_out_rt.c) into the same JACK cycle as the audio it belongs to,
 * at its exact frame, shifted by `offsetMs`. See docs/midi.md.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { bufferString, outPointer, resultCode, toCString } from "../native/native.ts";
import type { Player } from "../player/player.ts";
import type { TempoSegment } from "../model/tempo.ts";
import { type MidiEvent, type SongMidi, splitMessages } from "../songs/midi_events.ts";
import type { CountInPlan } from "../show/show.ts";
import { countInClock } from "./midi_count_in.ts";

/** The MIDI output port's name on the engine's JACK client. */
export const MIDI_OUT_PORT = "midi_out";

/** The largest offset either way, in milliseconds. */
export const MAX_MIDI_OFFSET_MS = 1000;

/** The most tempo segments the clock takes per song (native/midi_out.h). */
const MAX_CLOCK_SEGMENTS = 4096;

/** MIDI clock: 24 ticks to the quarter note. */
const PPQN = 24;

/** How to serve MIDI out. */
export interface ServeMidiOutOptions {
  /** Send MIDI clock (default true); it can be toggled later with `output.clock`. */
  clock?: boolean;
  /** Every message this many milliseconds after its audio (negative: before), from
   * -1000 to 1000 (default 0), for a device with its own latency. */
  offsetMs?: number;
  /** JACK MIDI input ports to connect the output to (e.g. a sequencer's). */
  connectTo?: string | readonly string[];
}

/** Messages sent so far. */
export interface MidiOutSent {
  /** Clock ticks (0xF8). */
  ticks: number;
  /** Starts (0xFA). */
  starts: number;
  /** Continues (0xFB). */
  continues: number;
  /** Stops (0xFC). */
  stops: number;
  /** Song Position Pointers (0xF2). */
  positions: number;
  /** Messages that did not fit the port's buffer in their cycle. */
  dropped: number;
  /** The songs' own messages: `midiEvents`, MIDI-file tracks, and notes ended by a jump. */
  events: number;
}

/** The clock's tempo segments as the C side takes them: {at, seconds per tick, first tick}. */
export function clockSegments(tempo: readonly TempoSegment[]): Float64Array {
  const cells = new Float64Array(tempo.length * 3);
  let firstTick = 0;
  tempo.forEach((segment, s) => {
    // The tempo counts beats of the signature's denominator; the clock counts quarter notes.
    const tickSeconds = (60 / segment.tempo) * (segment.timeSignature[1] / 4) / PPQN;
    if (s > 0) {
      const previous = cells.subarray((s - 1) * 3, s * 3);
      firstTick = previous[2] + Math.round((segment.at - previous[0]) / previous[1]);
    }
    cells.set([segment.at, tickSeconds, firstTick], s * 3);
  });
  return cells;
}

/** The open MIDI output of each player (the surfaces' midiClock action and status read it). */
const outputs = new WeakMap<Player, MidiOutput>();

/** The player's open MIDI output, if any. */
export function midiOutputOf(player: Player): MidiOutput | undefined {
  return outputs.get(player);
}

/** The `midiClock` action: sets (or toggles) the clock of the player's MIDI output; returns
 * what happened, in words. */
export function toggleMidiClock(player: Player, on?: boolean): string {
  const output = outputs.get(player);
  if (!output) return 'no MIDI out to send clock on (stemplay.json "midiOut")';
  output.clock = on ?? !output.clock;
  return `MIDI clock ${output.clock ? "on" : "off"}`;
}

/** A message's first bytes in hex, as the screens show it ("C0 05"). */
export function formatMidiBytes(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
}

/** The songs' messages as the C side takes them: frames, sizes and all bytes in a row. */
function eventTable(events: readonly MidiEvent[], rate: number) {
  const timed = events.flatMap((event) =>
    splitMessages(event.bytes).map((bytes) => ({ frame: Math.round(event.at * rate), bytes }))
  ).sort((a, b) => a.frame - b.frame);
  return {
    frames: BigInt64Array.from(timed, (event) => BigInt(event.frame)),
    sizes: Uint32Array.from(timed, (event) => event.bytes.length),
    bytes: Uint8Array.from(timed.flatMap((event) => event.bytes)),
  };
}

/** A running MIDI output. Close it with `close()` (closing the player closes it first). */
export class MidiOutput {
  readonly #player: Player;
  readonly #handle: Deno.PointerValue;
  readonly #listener: (event: Event) => void;
  readonly #onRecovered: () => void;
  readonly #onCountIn: (event: Event) => void;
  readonly #onDropped: (event: Event) => void;
  /** The group of the last count-in mapped (its slot is freed by the next one). */
  #countInGroup?: number;
  readonly #undoHook: () => void;
  readonly #connectTo: readonly string[];
  #clock: boolean;
  #offsetFrames: number;
  #closing?: Promise<void>;
  #port = "";

  /** @internal */
  constructor(
    player: Player,
    handle: Deno.PointerValue,
    clock: boolean,
    offsetFrames: number,
    connectTo: readonly string[],
  ) {
    this.#player = player;
    this.#handle = handle;
    this.#clock = clock;
    this.#offsetFrames = offsetFrames;
    this.#connectTo = connectTo;
    const native = player.engineContext.native;
    this.#readPort();
    const map = (group: number, midi: SongMidi) => {
      const events = eventTable(midi.events, player.sampleRate);
      if (midi.tempo.length > MAX_CLOCK_SEGMENTS) {
        throw new StemplayError(
          "MIDI_OUTPUT",
          `MIDI out takes at most ${MAX_CLOCK_SEGMENTS} tempo segments per song, got ${midi.tempo.length}: shorten the song's tempoMap`,
        );
      }
      const result = native.sp_midi_out_map_song(
        handle,
        group,
        clockSegments(midi.tempo),
        midi.tempo.length,
        events.frames,
        events.sizes,
        events.sizes.length,
        events.bytes,
        events.bytes.length,
      );
      if (result !== 0) {
        throw new StemplayError(
          "MIDI_OUTPUT",
          `MIDI out refused the tempo map of song group ${group} (tempos from 1 to 1000 bpm, segments in time order): fix the song's tempo or tempoMap`,
        );
      }
    };
    for (const [group, midi] of player.songMidi) map(group, midi);
    this.#listener = (event) => {
      const { group, midi } = (event as CustomEvent<{ group: number; midi: SongMidi }>).detail;
      // Inside an event dispatch a throw would be nobody's to catch: say it instead.
      try {
        map(group, midi);
      } catch (error) {
        console.error(`stemplay: ${(error as Error).message}`);
      }
    };
    player.addEventListener("songprepared", this.#listener);
    // A song dropped unplayed frees its slot (src/songs/song_deck.ts).
    this.#onDropped = (event) =>
      native.sp_midi_out_unmap_song(handle, (event as CustomEvent<{ group: number }>).detail.group);
    player.addEventListener("songdropped", this.#onDropped);
    // A reopened device is a new JACK client: the port goes onto it, and is connected again.
    this.#onRecovered = () => {
      if (this.#closing || native.sp_midi_out_reattach(handle) !== 0) return;
      this.#readPort();
      this.connect().catch(() => {}); // a destination that went away stays unconnected
    };
    player.addEventListener("devicereopened", this.#onRecovered);
    this.#onCountIn = (event) => this.#mapCountIn((event as CustomEvent<CountInPlan>).detail);
    player.addEventListener("countin", this.#onCountIn);
    this.#apply();
    this.#undoHook = player.beforeClose(() => this.close());
    outputs.set(player, this);
  }

  /** The clock ticks through a count-in, without Start (see midi_count_in.ts). */
  #mapCountIn(plan: CountInPlan): void {
    const native = this.#player.engineContext.native;
    const tempo = this.#player.songMidi.get(plan.songGroup)?.tempo ?? [];
    if (this.#closing || tempo.length === 0) return;
    if (this.#countInGroup !== undefined) {
      native.sp_midi_out_unmap_song(this.#handle, this.#countInGroup);
    }
    const rate = this.#player.sampleRate;
    const segment = countInClock(clockSegments(tempo), plan.fromFrame, plan.handOver, rate);
    const none = new Uint8Array(0);
    const result = native.sp_midi_out_map_song(
      this.#handle,
      plan.group,
      segment,
      1,
      new BigInt64Array(0),
      new Uint32Array(0),
      0,
      none,
      0,
    );
    // A refused map (a tempo past the clock's range) leaves the count-in without clock.
    this.#countInGroup = result === 0 ? plan.group : undefined;
  }

  #readPort(): void {
    const name = new Uint8Array(512);
    this.#player.engineContext.native.sp_midi_out_port_name(this.#handle, name, name.length);
    this.#port = bufferString(name);
  }

  /** The JACK port, e.g. "stemplay:midi_out" (it follows the engine's client when the device
   * is reopened). */
  get port(): string {
    return this.#port;
  }

  /** @internal Connects the port to the `connectTo` ports. */
  async connect(): Promise<void> {
    for (const port of this.#connectTo) {
      const native = this.#player.engineContext.native;
      if (await native.sp_midi_out_connect(this.#handle, toCString(port)) !== 0) {
        throw new StemplayError(
          "MIDI_OUTPUT",
          `cannot connect MIDI out to "${port}": no such JACK MIDI input port`,
        );
      }
    }
  }

  #apply(): void {
    this.#player.engineContext.native.sp_midi_out_set(
      this.#handle,
      this.#clock ? 1 : 0,
      BigInt(this.#offsetFrames),
    );
  }

  /** Whether MIDI clock is sent. Turning it off sends Stop to a rolling device. */
  get clock(): boolean {
    return this.#clock;
  }
  set clock(on: boolean) {
    if (this.#closing) return;
    this.#clock = on;
    this.#apply();
  }

  /** Messages sent so far. */
  get sent(): MidiOutSent {
    const cells = new BigUint64Array(7);
    if (!this.#closing) this.#player.engineContext.native.sp_midi_out_counters(this.#handle, cells);
    const [ticks, starts, continues, stops, positions, dropped, events] = Array.from(cells, Number);
    return { ticks, starts, continues, stops, positions, dropped, events };
  }

  /** The last song message sent (its first bytes, up to 3, e.g. [0xc0, 5] for a program
   * change) with where in its song it belongs (seconds), read as one snapshot: never one
   * message's bytes with another's place. Undefined before any. */
  get last(): { event: number[]; at: number } | undefined {
    if (this.#closing) return undefined;
    const cells = new BigInt64Array(2);
    this.#player.engineContext.native.sp_midi_out_last(this.#handle, cells);
    const packed = Number(cells[0]);
    const size = packed >>> 24;
    if (size === 0) return undefined;
    return {
      event: [(packed >> 16) & 255, (packed >> 8) & 255, packed & 255].slice(0, size),
      at: Number(cells[1]) / this.#player.sampleRate,
    };
  }

  /** The first bytes (up to 3) of the last song message sent, e.g. [0xc0, 5] for a program
   * change; undefined before any. (With its place: {@linkcode MidiOutput.last}.) */
  get lastEvent(): number[] | undefined {
    return this.last?.event;
  }

  /** Where in its song (seconds) the last song message sent belongs; undefined before any. */
  get lastEventAt(): number | undefined {
    return this.last?.at;
  }

  /** Stops sending and removes the port. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#player.removeEventListener("songprepared", this.#listener);
      this.#player.removeEventListener("songdropped", this.#onDropped);
      this.#player.removeEventListener("devicereopened", this.#onRecovered);
      this.#player.removeEventListener("countin", this.#onCountIn);
      if (outputs.get(this.#player) === this) outputs.delete(this.#player);
      this.#undoHook();
      await this.#player.engineContext.native.sp_midi_out_close(this.#handle);
    })();
    return this.#closing;
  }

  /** `await using out = await serveMidiOut(…)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkOptions(options: ServeMidiOutOptions): {
  clock: boolean;
  offsetMs: number;
  connectTo: string[];
} {
  const { clock = true, offsetMs = 0, connectTo = [] } = options;
  if (typeof clock !== "boolean") {
    throw new StemplayError("INVALID_ARGUMENT", `clock must be true or false, got ${clock}`);
  }
  if (
    typeof offsetMs !== "number" || !Number.isFinite(offsetMs) ||
    Math.abs(offsetMs) > MAX_MIDI_OFFSET_MS
  ) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `offsetMs must be a number of milliseconds from -${MAX_MIDI_OFFSET_MS} to ` +
        `${MAX_MIDI_OFFSET_MS}, got ${offsetMs}`,
    );
  }
  const ports = typeof connectTo === "string" ? [connectTo] : [...connectTo];
  if (!ports.every((port) => typeof port === "string" && port.length > 0)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `connectTo must be JACK port names ("client:port"), got ${JSON.stringify(connectTo)}`,
    );
  }
  return { clock, offsetMs, connectTo: ports };
}

/**
 * Opens the MIDI output of `player` on its JACK client.
 *
 * @throws {StemplayError} `INVALID_ARGUMENT` for a bad option; `MIDI_OUTPUT` when the player
 *   does not play on JACK, already has a MIDI output, or a `connectTo` port does not exist;
 *   `UNSUPPORTED` off Linux
 */
export async function serveMidiOut(
  player: Player,
  options: ServeMidiOutOptions = {},
): Promise<MidiOutput> {
  player.assertOpen("serve MIDI out");
  const { clock, offsetMs, connectTo } = checkOptions(options);
  const native = player.engineContext.native;
  const cell = new BigUint64Array(1);
  const result = native.sp_midi_out_open_jack(
    player.engineContext.pointer,
    toCString(MIDI_OUT_PORT),
    cell,
  );
  if (result !== 0) {
    const code = resultCode(result);
    const reasons: Record<string, string> = {
      NO_BACKEND: 'the player does not play on JACK (open it with backend: "jack")',
      BUSY: "the player already has a MIDI output (close it first)",
      DEVICE: `the port ${MIDI_OUT_PORT} could not be registered on the engine's JACK client`,
      UNSUPPORTED: "MIDI output is only built on Linux",
    };
    throw new StemplayError(
      code === "UNSUPPORTED" ? code : "MIDI_OUTPUT",
      `cannot open MIDI output: ${reasons[code] ?? code}`,
    );
  }
  const offsetFrames = Math.round(offsetMs * player.sampleRate / 1000);
  const output = new MidiOutput(player, outPointer(cell), clock, offsetFrames, connectTo);
  try {
    await output.connect();
  } catch (error) {
    await output.close();
    throw error;
  }
  return output;
}
