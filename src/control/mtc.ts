/**
 * MIDI timecode out: `serveMtc(player, { fps })` opens a JACK MIDI output port
 * `stemplay:mtc_out` that sends MTC for the song playing: quarter frames while it plays, a
 * full-frame message after every jump (play from a stop, seek, marker jump, loop seam, song
 * change). It uses the song-hour scheme of the LTC (docs/timecode.md): a single song starts at
 * 01:00:00:00, setlist song n at n:00:00:00; a count-in sends none. When the engine plays on
 * JACK the port is on the engine's own client and the audio callback writes each quarter frame
 * on the exact frame of its audio (native/rt/mtc_rt.c); otherwise MTC is a JACK client of its
 * own, `stemplay-mtc`, that follows the audio within one JACK period. No JavaScript in the loop.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { bufferString, outPointer, resultCode, toCString } from "../native/native.ts";
import type { Player } from "../player/player.ts";
import { checkLtcOptions, type LtcFps, ltcOffsetFrames } from "../show/timecode.ts";
import { openUntilClosed } from "./open_while_closing.ts";

/** The JACK client of the MTC output when the engine is not on JACK, and its port's name. */
export const MTC_CLIENT = "stemplay-mtc";
export const MTC_PORT = "mtc_out";

/** How to serve MTC. */
export interface ServeMtcOptions {
  /** 24, 25, 29.97 (drop-frame) or 30. */
  fps: LtcFps;
  /** A JACK MIDI input port to connect the output to (e.g. a lighting desk's). */
  connectTo?: string;
  /** Milliseconds the timecode is moved against the audio, from -1000 to 1000: negative sends
   * it early, before the audio of the frame it names. Default 0. See docs/timecode.md. */
  offsetMs?: number;
}

/** A running MTC output. Close it with `close()` (closing the player closes it first). */
export class MtcOutput {
  readonly #player: Player;
  readonly #handle: Deno.PointerValue;
  readonly #listener: (event: Event) => void;
  readonly #undoHook: () => void;
  readonly #onRecovered: () => void;
  readonly #onDropped: (event: Event) => void;
  #closing?: Promise<void>;
  #port = `${MTC_CLIENT}:${MTC_PORT}`;

  /** @internal */
  constructor(player: Player, handle: Deno.PointerValue) {
    this.#player = player;
    this.#handle = handle;
    const native = player.engineContext.native;
    // Each song's timecode carries song time at the speed its timeline runs (issue 24).
    const map = (group: number, hour: number) =>
      native.sp_mtc_map_song_speed(handle, group, hour, player.timelineSpeedOf(group));
    for (const [group, hour] of player.songHours) map(group, hour);
    this.#listener = (event) => {
      const { group, hour } = (event as CustomEvent<{ group: number; hour: number }>).detail;
      map(group, hour);
    };
    player.addEventListener("songprepared", this.#listener);
    // A song dropped unplayed frees its slot (src/songs/song_deck.ts).
    this.#onDropped = (event) =>
      native.sp_mtc_unmap_song(handle, (event as CustomEvent<{ group: number }>).detail.group);
    player.addEventListener("songdropped", this.#onDropped);
    this.#readPort();
    // On the engine's client, a reopened device is a new client: the port moves onto it.
    this.#onRecovered = () => {
      if (!this.#closing && native.sp_mtc_reattach(handle) === 0) this.#readPort();
    };
    player.addEventListener("devicereopened", this.#onRecovered);
    this.#undoHook = player.beforeClose(() => this.close());
  }

  #readPort(): void {
    const name = new Uint8Array(512);
    this.#player.engineContext.native.sp_mtc_port_name(this.#handle, name, name.length);
    const text = bufferString(name);
    if (text !== "") this.#port = text;
  }

  /** The JACK port: "stemplay:mtc_out" on the engine's client (a second rig's client has the
   * name JACK gave it, e.g. "stemplay-01:mtc_out"), "stemplay-mtc:mtc_out" when the engine is
   * not on JACK. */
  get port(): string {
    return this.#port;
  }

  /** Messages sent so far. */
  get counters(): { fullFrames: number; quarterFrames: number } {
    const counters = new BigUint64Array(2);
    if (!this.#closing) this.#player.engineContext.native.sp_mtc_counters(this.#handle, counters);
    return { fullFrames: Number(counters[0]), quarterFrames: Number(counters[1]) };
  }

  /** Stops sending and closes the port. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#player.removeEventListener("songprepared", this.#listener);
      this.#player.removeEventListener("songdropped", this.#onDropped);
      this.#player.removeEventListener("devicereopened", this.#onRecovered);
      this.#undoHook();
      await this.#player.engineContext.native.sp_mtc_close(this.#handle);
    })();
    return this.#closing;
  }

  /** `await using mtc = await serveMtc(…)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Opens the MTC output of `player` on JACK.
 *
 * @throws {StemplayError} `INVALID_ARGUMENT` for a bad fps or offsetMs; `MTC_OUTPUT` when JACK is not
 *   running, the client name is taken, the server's rate is not the engine's, or `connectTo`
 *   does not exist; `UNSUPPORTED` off Linux
 */
export async function serveMtc(player: Player, options: ServeMtcOptions): Promise<MtcOutput> {
  player.assertOpen("serve MTC");
  const checked = checkLtcOptions(
    { fps: options.fps, output: 1, offsetMs: options.offsetMs ?? 0 },
    1,
    "mtc",
  );
  const fps = checked.fps;
  const cell = new BigUint64Array(1);
  const opening = player.engineContext.native.sp_mtc_open_jack(
    player.engineContext.pointer,
    Math.round(fps * 100),
    toCString(MTC_CLIENT),
    toCString(MTC_PORT),
    options.connectTo === undefined ? null : toCString(options.connectTo),
    cell,
  );
  // A close begun meanwhile waits for the open, then closes it (open_while_closing.ts).
  const result = await openUntilClosed(
    player,
    "serve MTC",
    opening,
    () => player.engineContext.native.sp_mtc_close(outPointer(cell)),
  );
  if (result !== 0) {
    const code = resultCode(result);
    const reasons: Record<string, string> = {
      NO_BACKEND: "no JACK server is running, or libjack is not installed",
      BUSY: player.backendName === "JACK"
        ? "this player already has an MTC output (close it first)"
        : `a JACK client named "${MTC_CLIENT}" already exists`,
      FORMAT: `the JACK server does not run at the engine's rate (${player.sampleRate} Hz)`,
      DEVICE: `the port could not be created or connected to ${options.connectTo}`,
      UNSUPPORTED: "MTC output is only built on Linux",
    };
    throw new StemplayError(
      code === "UNSUPPORTED" ? code : "MTC_OUTPUT",
      `cannot open MTC output on JACK: ${reasons[code] ?? code}`,
    );
  }
  const handle = outPointer(cell);
  const native = player.engineContext.native;
  // In range: checked above (±1000 ms is far inside the native bound).
  native.sp_mtc_set_offset(handle, BigInt(ltcOffsetFrames(checked, player.sampleRate)));
  return new MtcOutput(player, handle);
}
