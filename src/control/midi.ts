/**
 * MIDI foot control: `serveMidi(player, { input, map })` opens a MIDI input and turns each
 * mapped message into an operator action for the player.
 *
 * - `input: "jack"`: the port `stemplay:midi_in` (connect a controller to it): on the engine's
 *   own JACK client `stemplay` when the engine plays on JACK (read in the audio callback, the
 *   same cycle as the audio), else on a JACK client `stemplay` of its own; `"alsa"`: an ALSA sequencer client `stemplay` with a port `midi_in`;
 *   any other string: a port to connect from (a JACK port when the engine runs on JACK, else an
 *   ALSA sequencer address such as "20:0" or a client name). Default: "jack" when the engine
 *   plays on JACK, else "alsa".
 * - Messages arrive without polling in JS: the native input queues them from the audio
 *   callback (or its own JACK client's process callback, or the ALSA reader thread) and a
 *   waiting FFI call, run on a worker thread, resolves when they are there (within a
 *   millisecond on the engine's client, whose audio thread posts nothing).
 *
 * See docs/midi.md.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { bufferString, outPointer, resultCode, toCString } from "../native/native.ts";
import type { Native } from "../native/native.ts";
import type { Player } from "../player/player.ts";
import { percentile } from "../engine/stats.ts";
import { checkMidiMap, type MidiAction, type MidiMapEntry, MidiMapper } from "./midi_map.ts";
import { dispatch } from "./surface.ts";
import { type MidiMessage, parseMidi } from "./midi_message.ts";
import { MidiDebounce } from "./midi_debounce.ts";
import { openUntilClosed } from "./open_while_closing.ts";

/** The JACK (and ALSA sequencer) client name and the input port's name. */
export const MIDI_CLIENT = "stemplay";
export const MIDI_PORT = "midi_in";

/** How to serve MIDI. */
export interface ServeMidiOptions {
  /** "jack", "alsa" or a port name to connect from (see the module docs). */
  input?: string;
  /** The mapping (see midi_map.ts and docs/midi.md), checked before anything opens. */
  map: MidiMapEntry[];
  /** Called for every parsed message with the action it mapped to (if any): for logs and the
   * learn mode. `frame`: where in its JACK cycle the message arrived (0 from ALSA). */
  onMessage?: (
    message: MidiMessage,
    action: MidiAction | undefined,
    arrival: { frame: number },
  ) => void;
  /** Destructive actions while playing need a second press 150 ms to 2 s after the first
   * (stemplay.json `midi.confirm`; src/control/confirm.ts). */
  confirm?: boolean;
}

/** Counters of a MIDI input, and the latency from a message reaching the input to its action
 * being handed to the player. */
export interface MidiStats {
  /** Messages the backend delivered. */
  received: number;
  /** SysEx messages, skipped. */
  sysex: number;
  /** System common and real-time messages (clock, active sensing), ignored. */
  system: number;
  /** Malformed messages (no status byte, wrong length), ignored. */
  malformed: number;
  /** Channel messages that are not note, CC or program change (pitch bend, aftertouch). */
  unknown: number;
  /** Messages lost because the queue was full. */
  dropped: number;
  /** Parsed messages no mapping entry matched. */
  unmapped: number;
  /** Mapped presses dropped as a bounce: the same message within 50 ms of the press before
   * (see midi_debounce.ts). */
  debounced: number;
  /** Actions handed to the player. */
  dispatched: number;
  /** Of those, actions the player refused (the error is in `lastError`). */
  failed: number;
  /** Milliseconds from message to action, over the last 4096 actions. */
  latency: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
}

const EVENT_BYTES = 16;
const BATCH = 256;
const LATENCY_WINDOW = 4096;

/** A running MIDI input. Close it with `close()` (closing the player closes it first). */
export class MidiInput {
  readonly #native: Native;
  readonly #handle: Deno.PointerValue;
  readonly #player: Player;
  #mapper: MidiMapper;
  #map: MidiMapEntry[];
  #learner?: (message: MidiMessage) => void;
  readonly #options: ServeMidiOptions;
  #loop: Promise<void> = Promise.resolve();
  #undoHook: () => void;
  #closing?: Promise<void>;
  #counts = { unknown: 0, unmapped: 0, debounced: 0, dispatched: 0, failed: 0 };
  readonly #debounce = new MidiDebounce();
  #latencies = new Float64Array(LATENCY_WINDOW);
  #latencyCount = 0;
  /** The last error an action raised. */
  lastError?: Error;
  /** What the input is: "jack" or "alsa". */
  readonly transport: "jack" | "alsa";
  #port = `${MIDI_CLIENT}:${MIDI_PORT}`;
  #onRecovered?: () => void;

  /** @internal */
  constructor(
    native: Native,
    handle: Deno.PointerValue,
    player: Player,
    options: ServeMidiOptions,
    transport: "jack" | "alsa",
  ) {
    this.#native = native;
    this.#handle = handle;
    this.#player = player;
    this.#options = options;
    this.#map = options.map;
    this.#mapper = new MidiMapper(options.map);
    this.transport = transport;
    this.#readPort();
    if (transport === "jack") {
      // On the engine's client, a reopened device is a new client: the port moves onto it.
      this.#onRecovered = () => {
        if (!this.#closing && native.sp_midi_in_reattach(handle) === 0) this.#readPort();
      };
      player.addEventListener("devicereopened", this.#onRecovered);
    }
    this.#loop = this.#run();
    // Closing the player closes the input too (its waiting call would keep the process alive).
    this.#undoHook = player.beforeClose(() => this.close());
  }

  #readPort(): void {
    const name = new Uint8Array(512);
    if (this.#native.sp_midi_in_port_name(this.#handle, name, name.length) !== 0) return;
    const text = bufferString(name);
    if (text !== "") this.#port = text;
  }

  /** The port it listens on: "stemplay:midi_in", or on a second rig's JACK client the name JACK
   * gave that client (e.g. "stemplay-01:midi_in"). */
  get port(): string {
    return this.#port;
  }

  async #run(): Promise<void> {
    const events = new Uint8Array(EVENT_BYTES * BATCH);
    const view = new DataView(events.buffer);
    const count = new Uint32Array(1);
    for (;;) {
      const result = await this.#native.sp_midi_in_wait(this.#handle, events, BATCH, count);
      if (result !== 0 || count[0] === 0) return; // woken to close
      for (let i = 0; i < count[0]; i++) {
        const at = i * EVENT_BYTES;
        const size = events[at + 8];
        const frame = view.getUint32(at + 12, true); // sp_midi_event.frame
        this.#receive(events.subarray(at + 9, at + 9 + size), view.getBigUint64(at, true), frame);
      }
    }
  }

  #receive(bytes: Uint8Array, timeNs: bigint, frame: number): void {
    const message = parseMidi(bytes);
    if (!message) {
      this.#counts.unknown++;
      return;
    }
    if (this.#learner && message.kind !== "noteOff") {
      const learner = this.#learner;
      this.#learner = undefined;
      learner(message); // learnt, not acted on
      return;
    }
    const action = this.#mapper.actionFor(message);
    try {
      this.#options.onMessage?.(message, action, { frame });
    } catch {
      // a listener's failure must not stop the input
    }
    if (!action) {
      this.#counts.unmapped++;
      return;
    }
    if (!this.#debounce.accept(message, timeNs)) {
      this.#counts.debounced++;
      return;
    }
    // Into the shared action queue, in arrival order after every surface's earlier actions;
    // not awaited here (the input keeps reading), its failure is reported here.
    dispatch(this.#player, action, {
      source: "midi",
      confirmBy: this.#options.confirm ? "midi" : undefined,
    }).catch((error) => this.#failed(error));
    this.#recordLatency(timeNs);
    this.#counts.dispatched++;
  }

  #failed(error: unknown): void {
    this.#counts.failed++;
    this.lastError = error instanceof Error ? error : new Error(String(error));
  }

  #recordLatency(timeNs: bigint): void {
    const now = this.#native.sp_midi_now_ns();
    this.#latencies[this.#latencyCount++ % LATENCY_WINDOW] = Number(now - timeNs) / 1e6;
  }

  /** The mapping in use. */
  get map(): MidiMapEntry[] {
    return structuredClone(this.#map);
  }

  /** Replaces the mapping (checked first; a bad one changes nothing).
   * @throws {StemplayError} `MIDI_MAP` naming every bad key by its path */
  setMap(map: MidiMapEntry[]): void {
    const checked = checkMidiMap(structuredClone(map));
    this.#map = checked;
    this.#mapper = new MidiMapper(checked);
  }

  /** Resolves with the next note on, CC or program change, which is then not acted on: for
   * the learn mode. A second call replaces the first (whose promise never resolves). */
  learn(): Promise<MidiMessage> {
    return new Promise((resolve) => this.#learner = resolve);
  }

  /** Stops waiting for a message to learn. */
  cancelLearn(): void {
    this.#learner = undefined;
  }

  /** Messages the backend delivered so far (`stats.received`, read cheaply: for an activity
   * light polled every frame). */
  get received(): number {
    if (this.#closing) return 0;
    const counters = new BigUint64Array(6);
    this.#native.sp_midi_in_counters(this.#handle, counters);
    return Number(counters[0]);
  }

  /** Counters and latency so far. */
  get stats(): MidiStats {
    const counters = new BigUint64Array(6);
    if (!this.#closing) this.#native.sp_midi_in_counters(this.#handle, counters);
    const n = Math.min(this.#latencyCount, LATENCY_WINDOW);
    const sorted = Array.from(this.#latencies.subarray(0, n)).sort((a, b) => a - b);
    return {
      received: Number(counters[0]),
      sysex: Number(counters[2]),
      system: Number(counters[3]),
      malformed: Number(counters[4]),
      dropped: Number(counters[5]),
      ...this.#counts,
      latency: {
        count: this.#latencyCount,
        p50Ms: n ? percentile(sorted, n, 0.5) : 0,
        p99Ms: n ? percentile(sorted, n, 0.99) : 0,
        maxMs: n ? sorted[n - 1] : 0,
      },
    };
  }

  /** Stops listening and closes the port. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#undoHook();
      if (this.#onRecovered) this.#player.removeEventListener("devicereopened", this.#onRecovered);
      this.#native.sp_midi_in_wake(this.#handle);
      await this.#loop;
      await this.#native.sp_midi_in_close(this.#handle);
    })();
    return this.#closing;
  }

  /** `await using midi = await serveMidi(…)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Opens a MIDI input for `player` and maps its messages to actions.
 *
 * ```ts
 * const midi = await serveMidi(player, {
 *   input: "jack",
 *   map: [{ note: 60, action: "next" }, { cc: 64, min: 64, action: "vamp" }],
 * });
 * // … the show …
 * await midi.close();
 * ```
 *
 * @throws {StemplayError} `MIDI_MAP` for a bad mapping (every bad key by its path), `MIDI_INPUT`
 * when the input cannot be opened (no JACK server, no sequencer, a taken client name, a port
 * that does not exist), `UNSUPPORTED` off Linux
 */
export async function serveMidi(player: Player, options: ServeMidiOptions): Promise<MidiInput> {
  player.assertOpen("serve MIDI");
  const map = checkMidiMap(options.map);
  const input = options.input ?? (player.backendName === "JACK" ? "jack" : "alsa");
  if (typeof input !== "string" || input === "") {
    throw new StemplayError(
      "MIDI_INPUT",
      `input must be "jack", "alsa" or a port name, got ${input}`,
    );
  }
  const transport = input === "jack" || input === "alsa"
    ? input
    : player.backendName === "JACK"
    ? "jack"
    : "alsa";
  const connectFrom = input === "jack" || input === "alsa" ? null : toCString(input);
  const native = player.engineContext.native;
  const cell = new BigUint64Array(1);
  // On JACK the port is on the engine's own client, read in the audio callback (one client
  // for audio and MIDI); otherwise MIDI in is a client of its own.
  const onEngine = transport === "jack" && player.backendName === "JACK";
  const opening = onEngine
    ? native.sp_midi_in_open_engine(
      player.engineContext.pointer,
      toCString(MIDI_PORT),
      connectFrom,
      cell,
    )
    : (transport === "jack" ? native.sp_midi_in_open_jack : native.sp_midi_in_open_alsa)(
      toCString(MIDI_CLIENT),
      toCString(MIDI_PORT),
      connectFrom,
      cell,
    );
  // A close begun meanwhile waits for the open, then closes it (open_while_closing.ts).
  const result = await openUntilClosed(
    player,
    "serve MIDI",
    opening,
    () => native.sp_midi_in_close(outPointer(cell)),
  );
  if (result !== 0) throw openError(resultCode(result), transport, input, onEngine);
  return new MidiInput(native, outPointer(cell), player, { ...options, map }, transport);
}

function openError(
  code: string,
  transport: "jack" | "alsa",
  input: string,
  onEngine: boolean,
): StemplayError {
  const what = transport === "jack" ? "JACK" : "the ALSA sequencer";
  const reasons: Record<string, string> = onEngine
    ? {
      NO_BACKEND: "the player's JACK client is gone (reopen the device)",
      BUSY: "a MIDI input on this player's JACK client already exists (close it first)",
      DEVICE: input === transport
        ? `the port ${MIDI_PORT} could not be created on the player's JACK client`
        : `cannot connect ${JSON.stringify(input)} to the player's ${MIDI_PORT}: no such port?`,
    }
    : {
      NO_BACKEND: transport === "jack"
        ? 'no JACK server is running, or libjack is not installed (start jackd, or use input "alsa")'
        : "the ALSA sequencer cannot be opened (no /dev/snd/seq, or libasound is not installed)",
      BUSY: `a ${what} client named "${MIDI_CLIENT}" already exists (another stemplay?)`,
      DEVICE: input === transport
        ? `the port ${MIDI_CLIENT}:${MIDI_PORT} could not be created`
        : `cannot connect ${JSON.stringify(input)} to ${MIDI_CLIENT}:${MIDI_PORT}: no such port?`,
      UNSUPPORTED: "MIDI input is only built on Linux",
    };
  reasons.UNSUPPORTED ??= "MIDI input is only built on Linux";
  return new StemplayError(
    code === "UNSUPPORTED" ? "UNSUPPORTED" : "MIDI_INPUT",
    `cannot open MIDI input through ${what}: ${reasons[code] ?? code}`,
  );
}
