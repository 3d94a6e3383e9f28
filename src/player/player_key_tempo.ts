/**
 * A Player's key and tempo from the operator (issue 24): `transpose` and `speed`, absolute,
 * reset to the song's (or setlist entry's) values at every song change. The members of
 * `Player` live here, as its base class; the logic is in src/songs/key_tempo_change.ts.
 *
 * @module
 */

import { KeyTempoChange } from "../songs/key_tempo_change.ts";
import { requireStretch } from "../sources/stretch.ts";
import type { StretchEngine } from "../model/key_tempo.ts";
import { PlayerMetering } from "./player_metering.ts";

/** The event a Player dispatches when a key or tempo change failed while it was prepared (a
 * `CustomEvent` whose `detail` is the error); the song plays on at the key it had. */
export const KEY_TEMPO_ERROR = "keytempoerror";

/** The key and tempo of a `Player` (its base class: use them on the Player). */
export abstract class PlayerKeyTempo extends PlayerMetering {
  #keyTempo?: KeyTempoChange;

  #change(): KeyTempoChange {
    const parts = this.parts;
    this.#keyTempo ??= new KeyTempoChange(parts.songs.keyTempoDeck(), {
      get playing() {
        // A device lost while playing reads "error": the show is still on (recovery resumes it).
        return parts.transport.playingOrAsked || parts.transport.state === "error";
      },
      get positionFrames() {
        return parts.transport.positionFrames;
      },
      get requestedFrame() {
        return parts.transport.requestedFrame;
      },
      get ended() {
        return parts.transport.state === "ended";
      },
      switched: () => parts.setlist.rearmTransition(),
    }, {
      requireStretch: () => requireStretch(parts.engine.native),
      // Heard by every control surface (src/control/key_tempo_report.ts).
      failed: (error) => {
        // A player closed mid-change has no one left to tell.
        if (!parts.engine.closed) {
          this.dispatchEvent(new CustomEvent(KEY_TEMPO_ERROR, { detail: error }));
        }
      },
    });
    return this.#keyTempo;
  }

  /**
   * The current song's key in semitones, −12 … +12 (fractions are cents), absolute: it
   * replaces the song's value, it does not add to it. Each song change resets it to that
   * song's (or setlist entry's) `transpose`. Setting it prepares the song again at the new
   * key in the background (every stem through Rubber Band, see docs/key_tempo.md), then
   * switches to it at the same place in the music: stopped or paused, it stands there and
   * `play()` is refused ("BUSY") until then; playing, the old key plays on until it is ready,
   * then crossfades to it at a block boundary. Await `keyTempoReady()`. Setting the value it
   * has does nothing.
   * @throws {StemplayError} "INVALID_ARGUMENT" out of range, NaN or not a number;
   * "UNSUPPORTED" without a song; "STRETCH_UNAVAILABLE" for any key or tempo other than the
   * recording's when Rubber Band is not installed; the value stays as it was. A change that
   * fails later, while it is prepared, rejects `keyTempoReady()` and is dispatched as a
   * "keytempoerror" event (`detail`: the error).
   */
  get transpose(): number {
    return this.#change().value.transpose;
  }
  set transpose(semitones: number) {
    this.parts.engine.assertOpen("set the transpose");
    this.#change().set("transpose", semitones);
  }

  /**
   * The current song's tempo ratio, 0.5 … 2 (1 = as recorded), absolute, reset at every song
   * change like `transpose`. The song's timeline follows it (position, duration and markers
   * are in real time at this speed): the position maps to the same place in the music.
   * @throws {StemplayError} as `transpose`
   */
  get speed(): number {
    return this.#change().value.speed;
  }
  set speed(ratio: number) {
    this.parts.engine.assertOpen("set the speed");
    this.#change().set("speed", ratio);
  }

  /** Resolves once the song plays at the key and tempo set last (at once when no change is
   * being prepared); rejects with the error of a change that failed (e.g.
   * "STRETCH_UNAVAILABLE"), and the song then keeps the key and tempo it had. */
  async keyTempoReady(): Promise<void> {
    await this.#change().ready();
  }

  /** The Rubber Band engine every key and tempo change of this player renders with:
   * "finer" (R3, the default) or "faster" (R2), as `Player.open({ keyTempo: { engine } })`
   * chose. See docs/key_tempo.md, "Engines". */
  get stretchEngine(): StretchEngine {
    return this.parts.engine.stretchEngine;
  }

  /** True while the song is being prepared at the key and tempo set last (`play()` waits). */
  get keyTempoPreparing(): boolean {
    return this.#keyTempo?.preparing ?? false;
  }

  /** @internal A song stem's `pitched` flag was set (src/engine/track.ts, `Track.pitched`):
   * recorded, or the song prepared again with it as at a key change. */
  changePitched(stem: string | undefined, pitched: boolean, trackName: string): void {
    this.parts.engine.assertOpen("set pitched");
    this.#change().setPitched(stem, pitched, trackName);
  }

  /** @internal Refuses `what` while a key or tempo change is being prepared ("BUSY"). */
  protected assertKeyTempoReady(what: string): void {
    this.#keyTempo?.assertReady(what);
  }
}
