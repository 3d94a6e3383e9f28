/**
 * Dispatching operator actions to a player. One `ControlSurface` per player (shared by every
 * surface that drives it: keys, OSC, web, MIDI) holds what an operator's actions remember
 * between presses: each track's gain before the first change (for `reset`) and the setlist's
 * count-in for the current song (for the `countIn` toggle).
 *
 * @module
 */

import { toggleMidiClock } from "./midi_out.ts";
import { toggleSpokenCues } from "./spoken_cues_switch.ts";
import { StemplayError, type StemplayErrorCode } from "../errors.ts";
import type { Player } from "../player/player.ts";
import type { Track } from "../engine/track.ts";
import { dbToGain } from "../engine/track.ts";
import { gainToDb, MAX_GAIN_DB } from "../engine/levels.ts";
import { barBeatAt, beatGrid } from "../model/tempo.ts";
import { type Action, validateAction } from "./actions.ts";
import { ActionQueue } from "./action_queue.ts";
import { SeekBurst } from "./seek_burst.ts";
import { CONFIRM_WINDOW_MS, ConfirmRule, consequence } from "./confirm.ts";
import { type ControlStatus, markerAfter, markerAt, readStatus } from "./status.ts";
import { resolveBus, resolveMarker, resolveSong, resolveTrack } from "./resolve.ts";
import { failbackOf } from "./sync_registry.ts";
import { keyTempoAction } from "./key_tempo_actions.ts";
import { pitchedAction } from "./pitched_action.ts";
import { KEY_TEMPO_NOTICE_MS, reportKeyTempoErrors } from "./key_tempo_report.ts";

/** What an action did, in words for the operator (a screen's message line, an OSC reply). */
export interface ActionResult {
  /** The action as it was dispatched (validated). */
  action: Action;
  /** One line saying what happened, e.g. "jump to 3 Chorus at bar 17". */
  message: string;
  /** The action did not run: it waits for its confirmation ("tap again to stop"). */
  pending?: boolean;
}

/** How an action was sent: who sent it, and whether it needs confirming. */
export interface DispatchOptions {
  /** The surface it came from, named on every screen's message line ("phone", "osc",
   * "midi", "keys"). */
  source?: string;
  /** Who pressed (a phone's session, a MIDI input): with it, a destructive action while
   * playing needs the same press again 150 ms to 2 s later (src/control/confirm.ts). */
  confirmBy?: string;
  /** The word of the prompt: "tap" (default for "phone") or "press". */
  confirmVerb?: string;
  /** The whole question in place of "press again to stop" (the keys name their key: "stop?
   * the song is playing: press . again within 2 s"). */
  confirmPrompt?: string;
}

/** What every screen hears of an action from any surface (see `ControlSurface.onAction`). */
export interface ActionEvent {
  /** The surface it came from, when it said ("phone", "osc", "midi"). */
  source?: string;
  /** What happened (or why not), as `ActionResult.message` or the error's message. */
  message: string;
  /** The action did not run: it waits for its confirmation. */
  pending?: boolean;
  /** The action was refused. */
  refused?: boolean;
}

/** Seconds a fade takes when the action gives none. */
export const DEFAULT_FADE_SECONDS = 4;
/** Bars of count-in the toggle turns on when the setlist gives the song none. */
const DEFAULT_COUNT_IN_BARS = 1;
/** Lowest gain a `stepDb` goes to before it silences the track. */
const MIN_STEP_GAIN_DB = -60;
/** Highest gain a `stepDb` goes to: the ceiling of every gain (levels.ts), so pressing "up"
 * again at the top stays there. */
const MAX_STEP_GAIN_DB = MAX_GAIN_DB;

function fail(code: StemplayErrorCode, message: string): never {
  throw new StemplayError(code, message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatGain(gain: number): string {
  if (gain <= 0) return "-inf dB";
  const db = 20 * Math.log10(gain);
  const rounded = Math.abs(db) < 0.05 ? 0 : db;
  return `${rounded >= 0 ? "+" : ""}${rounded.toFixed(1)} dB`;
}

/** A gain `stepDb` from `gain`, on whole dB: above +12 dB it stays at +12, below -60 dB it is
 * silence (and a step up from silence starts at -60). */
function steppedGain(gain: number, stepDb: number): number {
  const current = gain > 0 ? gainToDb(gain) : MIN_STEP_GAIN_DB - Math.abs(stepDb);
  const next = Math.min(MAX_STEP_GAIN_DB, Math.round(current + stepDb));
  return next < MIN_STEP_GAIN_DB ? 0 : dbToGain(next);
}

function clock(seconds: number): string {
  const tenths = Math.max(0, Math.floor(seconds * 10 + 1e-6));
  return `${Math.floor(tenths / 600)}:${((tenths % 600) / 10).toFixed(1).padStart(4, "0")}`;
}

const surfaces = new WeakMap<Player, ControlSurface>();
const queues = new WeakMap<Player, ActionQueue>();

/**
 * The operator's controls of one player. Get it with `ControlSurface.for(player)`, so every
 * surface driving the same player shares it.
 *
 * ```ts
 * const surface = ControlSurface.for(player);
 * const { message } = await surface.dispatch({ type: "vamp" });
 * const status = surface.status();
 * ```
 */
export class ControlSurface {
  /** The player the actions go to. */
  readonly player: Player;
  #initialGains = new WeakMap<Track, number>();
  #songKey = "";
  #songCountIn = 0;
  /** Every surface's actions, one at a time in arrival order (see action_queue.ts): one
   * queue per player, even for a surface made with `new`. */
  #queue: ActionQueue;
  readonly #confirm = new ConfirmRule();
  #notice?: { text: string; until: number };
  /** Every press of a burst of relative seeks counts (seek_burst.ts). */
  readonly #seeks = new SeekBurst();
  readonly #listeners = new Set<(event: ActionEvent) => void>();

  /** Prefer `ControlSurface.for(player)`, which shares one surface per player. */
  constructor(player: Player) {
    this.player = player;
    let queue = queues.get(player);
    if (!queue) queues.set(player, queue = new ActionQueue());
    this.#queue = queue;
    this.#sync();
    reportKeyTempoErrors(player, (message) => {
      this.#notice = {
        text: `key/tempo: ${message}`,
        until: performance.now() + KEY_TEMPO_NOTICE_MS,
      };
      this.#tell({ source: "key/tempo", message, refused: true });
    });
  }

  /** The one surface of `player` (made on first use). */
  static for(player: Player): ControlSurface {
    let surface = surfaces.get(player);
    if (!surface) {
      surface = new ControlSurface(player);
      surfaces.set(player, surface);
    }
    return surface;
  }

  /** Notices a song change, and remembers the count-in the setlist gave the new song. */
  #sync(): void {
    const player = this.player;
    const key = `${player.setlist?.index ?? -1}|${player.title}|${player.durationFrames}`;
    if (key === this.#songKey) return;
    this.#songKey = key;
    this.#songCountIn = player.countIn;
  }

  /** What a remote shows: state, position, song, markers, loop, tracks, setlist, health. */
  status(options: { outputPeaks?: boolean } = {}): ControlStatus {
    this.#sync();
    const status = readStatus(this.player, options);
    const notice = this.notice;
    if (notice !== undefined) status.notice = notice;
    return status;
  }

  /** The question of an action waiting for its confirmation ("keys: stop? …"), while it waits
   * (`ControlStatus.notice`). */
  get notice(): string | undefined {
    const notice = this.#notice;
    if (notice && performance.now() <= notice.until) return notice.text;
    this.#notice = undefined;
    return undefined;
  }

  /**
   * Calls `listener` after every action dispatched with a `source` (run, refused, or waiting
   * for its confirmation), in order: a screen's message line shows what any surface did.
   *
   * @returns a function that stops the calls
   */
  onAction(listener: (event: ActionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many listeners `onAction` holds (a screen that ended must not leave one behind). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** @internal Runs `task` in the actions' queue as one action: no surface's action runs while
   * it does (the console's check that nothing plays, and its audition's load). It must not
   * dispatch (it would wait for itself). */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue.run(task);
  }

  /** Forgets a presser's armed action (a session that ended). */
  forgetPresser(who: string): void {
    this.#confirm.forget(who);
  }

  #tell(event: ActionEvent): void {
    if (event.source === undefined) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        console.error(`stemplay: an action listener failed: ${error}`);
      }
    }
  }

  /**
   * Validates `action` (see `validateAction`) and applies it to the player, after every
   * action dispatched before it (from any surface) has finished: one ordered queue, so two
   * presses never run at once. At most `MAX_QUEUED_ACTIONS` (64) wait at a time.
   *
   * @returns what happened, in words for the operator
   * @throws {StemplayError} (the promise rejects) when the action is malformed
   *   ("INVALID_ACTION"), the queue is full ("BUSY"), or the player refuses it (e.g. "MARKER",
   *   "NO_TEMPO", "SETLIST", "TRACK", "BUS", "TIMEOUT"); nothing changed then
   */
  dispatch(action: unknown, options: DispatchOptions = {}): Promise<ActionResult> {
    const source = options.source;
    let checked: Action;
    try {
      checked = validateAction(action); // a malformed action is refused at once, not queued
    } catch (error) {
      this.#tell({ source, message: messageOf(error), refused: true });
      return Promise.reject(error);
    }
    if (options.confirmBy !== undefined) {
      const playing = this.player.state === "playing";
      const outcome = this.#confirm.press(options.confirmBy, checked, playing);
      if (outcome !== "run") {
        const verb = options.confirmVerb ?? (source === "phone" ? "tap" : "press");
        const message = options.confirmPrompt ??
          `${verb} again ${consequence(checked, (ref) => this.#songName(ref))}`;
        if (outcome === "armed") {
          const text = source ? `${source}: ${message}` : message;
          this.#notice = { text, until: performance.now() + CONFIRM_WINDOW_MS };
          this.#tell({ source, message, pending: true });
        }
        return Promise.resolve({ action: checked, message, pending: true });
      }
      this.#notice = undefined;
    }
    return this.#queue.run(async () => {
      this.#sync();
      let message: string;
      try {
        message = await this.#apply(checked);
      } catch (error) {
        this.#tell({ source, message: messageOf(error), refused: true });
        throw error;
      }
      this.#sync();
      this.#tell({ source, message });
      return { action: checked, message };
    });
  }

  /** "3 Holy Ground" for a setlist's song by number or title (as given when unknown). */
  #songName(ref: number | string): string {
    const songs = this.player.setlist?.songs ?? [];
    try {
      const index = resolveSong(songs, ref);
      return `${index + 1} ${songs[index].title}`;
    } catch {
      return String(ref);
    }
  }

  async #apply(action: Action): Promise<string> {
    const player = this.player;
    this.#seeks.heard(action);
    switch (action.type) {
      case "play":
        return await this.#play();
      case "pause":
        player.pause();
        return "paused";
      case "togglePlay":
        if (player.state === "playing") {
          player.pause();
          return "paused";
        }
        return await this.#play();
      case "stop":
        player.stop();
        return `stopped at the start${this.#countInNote()}`;
      case "next":
      case "previous":
        return await this.#step(action.type === "next" ? 1 : -1);
      case "goto":
        return await this.#goto(action.song);
      case "jump":
        return this.#jump(action.marker, action.at ?? "bar");
      case "cancelJump":
        if (!player.scheduledJump) return "no jump to cancel";
        player.cancelJump();
        return "jump cancelled";
      case "vamp":
        return this.#vamp(action.marker);
      case "exitLoop":
        if (!player.loopRange) return "no loop to leave";
        player.exitLoop({ at: action.at ?? "end" });
        return action.at === "now" ? "left the loop" : "leaving the loop at its end";
      case "countIn":
        return this.#countIn(action.bars);
      case "fadeOut": {
        const seconds = action.seconds ?? DEFAULT_FADE_SECONDS;
        player.fadeOut(seconds);
        return `fading out over ${seconds} s, then paused (play goes on)`;
      }
      case "fadeIn": {
        const seconds = action.seconds ?? DEFAULT_FADE_SECONDS;
        player.fadeIn(seconds);
        return `fading in over ${seconds} s`;
      }
      case "seek": {
        if (action.to === "start" && player.state !== "playing") {
          // Back to the top from a pause or the end is a stop: the count-in is armed again.
          player.stop();
          return `to start${this.#countInNote()}`;
        }
        const target = action.to === "start"
          ? 0
          : action.to ?? this.#seeks.from(player.position) + action.by!;
        const to = Math.min(player.duration, Math.max(0, target));
        player.seek(to);
        if (action.by !== undefined) this.#seeks.asked(to, player.state === "playing");
        if (action.to === "start") return "to start";
        if (action.by !== undefined) return `seek ${action.by > 0 ? "+" : ""}${action.by} s`;
        return `to ${clock(target)}`;
      }
      case "locate":
        return this.#locate(action.marker);
      case "trackGain":
        return this.#trackGain(action);
      case "mute": {
        const track = this.track(action.track);
        track.muted = action.on ?? !track.muted;
        return `${track.name} ${track.muted ? "muted" : "unmuted"}`;
      }
      case "solo": {
        const track = this.track(action.track);
        track.solo = action.on ?? !track.solo;
        return `${track.name} ${track.solo ? "soloed" : "unsoloed"}`;
      }
      case "busGain":
        return busGain(player, action);
      case "masterGain":
        return this.#masterGain(action);
      case "reopenDevice":
        if (player.state !== "error") return "the device is fine: nothing to reopen";
        await player.reopen();
        return "device reopened";
      case "failback":
        return failbackOf(player);
      case "latencyMonitor": {
        const on = action.on ?? !player.latencyMonitor;
        player.latencyMonitor = on;
        if (on) player.resetLatencyStats();
        return `latency monitor ${on ? "on" : "off"}`;
      }
      case "midiClock":
        return toggleMidiClock(player, action.on);
      case "spokenCues":
        return toggleSpokenCues(player, action.on);
      case "transpose":
      case "speed":
        return keyTempoAction(player, action);
      case "pitched":
        return pitchedAction(player, this.track(action.track), action.pitched);
    }
  }

  /** Play. After a setlist song ended (a "stop" transition), play starts the next song,
   * with its count-in; from a stop or the end, the count-in plays first. */
  async #play(): Promise<string> {
    const player = this.player;
    const setlist = player.setlist;
    let moved = "";
    if (player.state === "ended" && setlist && setlist.index + 1 < setlist.songs.length) {
      await player.goto(setlist.index + 1);
      this.#sync();
      moved = `song ${setlist.index + 2} of ${setlist.songs.length}: ${player.title}, `;
    }
    const state = player.state;
    const countIn = (state === "stopped" || state === "ended") && player.countIn > 0;
    player.play();
    return `${moved}playing${countIn ? ` after a ${player.countIn}-bar count-in` : ""}`;
  }

  /** " (count-in: 1 bar armed)" when a count-in will play on the next play. */
  #countInNote(): string {
    const bars = this.player.countIn;
    return bars > 0 ? ` (count-in: ${bars} bar${bars === 1 ? "" : "s"} armed)` : "";
  }

  /** A track by its number (from 1) or name (src/control/resolve.ts).
   * @throws {StemplayError} "TRACK" */
  track(ref: number | string): Track {
    return resolveTrack(this.player.tracks, ref).track;
  }

  async #step(by: 1 | -1): Promise<string> {
    const setlist = this.player.setlist;
    if (!setlist) fail("SETLIST", "no setlist is loaded (play a setlist.json to use it)");
    const index = setlist.index + by;
    if (index < 0) fail("SETLIST", "this is the first song");
    if (index >= setlist.songs.length) fail("SETLIST", "this is the last song");
    return await this.#gotoIndex(index);
  }

  async #goto(song: number | string): Promise<string> {
    const setlist = this.player.setlist;
    if (!setlist) fail("SETLIST", "no setlist is loaded (play a setlist.json to use it)");
    return await this.#gotoIndex(resolveSong(setlist.songs, song));
  }

  async #gotoIndex(index: number): Promise<string> {
    await this.player.goto(index);
    const setlist = this.player.setlist!;
    return `song ${
      index + 1
    } of ${setlist.songs.length}: ${this.player.title} (stopped; play starts it)`;
  }

  #jump(ref: number | string, at: "now" | "beat" | "bar" | "section"): string {
    const player = this.player;
    const { index, marker } = resolveMarker(player.markers, ref);
    const name = `${index + 1} ${marker.name}`;
    const tempo = player.tempo; // one copy, for the check and the message
    if (tempo.length === 0 && (at === "bar" || at === "beat")) {
      // No bars to wait for: at once (a seek when not playing, where a cue would wait).
      if (player.state === "playing") player.jump(marker, { at: "now" });
      else player.seek(Math.min(marker.at, player.duration));
      return `jumped to ${name} at once (no tempo: no bars to wait for)`;
    }
    if (at === "now" && player.state !== "playing") {
      player.seek(Math.min(marker.at, player.duration));
      return `jumped to ${name}`;
    }
    player.jump(marker, { at });
    if (at === "now") return `jumped to ${name}`;
    const when = player.scheduledJump?.at;
    if (when === undefined || when >= player.duration) {
      return `jump to ${name} at the song's end (no ${at === "section" ? "marker" : at} left)`;
    }
    const grid = beatGrid(tempo, player.durationFrames, player.sampleRate);
    const bar = barBeatAt(grid, Math.round(when * player.sampleRate));
    const where = !bar
      ? clock(when)
      : bar.beat === 1
      ? `bar ${bar.bar}`
      : `bar ${bar.bar}.${bar.beat}`;
    return `jump to ${name} at ${where}`;
  }

  #vamp(ref: number | string | undefined): string {
    const player = this.player;
    const markers = player.markers;
    let index: number;
    if (ref === undefined) {
      const current = markerAt(markers, Math.max(0, player.position));
      if (!current) {
        fail(
          "MARKER",
          markers.length === 0
            ? "this song has no markers: no section to vamp"
            : "no section here (before the first marker)",
        );
      }
      index = current.number - 1;
    } else {
      index = resolveMarker(markers, ref).index;
    }
    player.loopSection(markers[index]);
    const loop = player.loopRange!;
    return `vamp: looping ${index + 1} ${markers[index].name} ${clock(loop.start)}-` +
      `${clock(loop.end)} (exit loop leaves at its end)`;
  }

  #countIn(bars: number | undefined): string {
    const player = this.player;
    const target = bars ?? (player.countIn > 0 ? 0 : this.#songCountIn || DEFAULT_COUNT_IN_BARS);
    player.countIn = target; // refused (NO_TEMPO) for a song without tempo
    if (target === 0) return "count-in off";
    return `count-in on: ${target} bar${target === 1 ? "" : "s"}` +
      (player.state === "playing" ? " (plays when the song next starts from a stop)" : "");
  }

  #locate(ref: "next" | "previous" | number | string): string {
    const player = this.player;
    const markers = player.markers;
    const position = Math.max(0, player.position);
    let target: { name: string; at: number } | undefined;
    if (ref === "next") {
      target = markerAfter(markers, position + 0.05);
      if (!target) return "no marker after here";
    } else if (ref === "previous") {
      // Just past a marker (within a second), go to the one before it.
      target = markerAt(markers, position - 1);
      if (!target) {
        player.seek(0);
        return "to start";
      }
    } else {
      target = resolveMarker(markers, ref).marker;
    }
    player.seek(Math.min(target.at, player.duration));
    return `marker ${target.name}`;
  }

  #masterGain(action: Extract<Action, { type: "masterGain" }>): string {
    const player = this.player;
    if (action.stepDb !== undefined) {
      player.masterGain = steppedGain(player.masterGain, action.stepDb);
    } else {
      player.masterGain = action.gain ?? dbToGain(action.gainDb!);
    }
    return `master ${formatGain(player.masterGain)}`;
  }

  #trackGain(action: Extract<Action, { type: "trackGain" }>): string {
    const track = this.track(action.track);
    if (!this.#initialGains.has(track)) this.#initialGains.set(track, track.gain);
    if (action.reset) {
      track.gain = this.#initialGains.get(track)!;
      return `${track.name} back to ${formatGain(track.gain)}`;
    }
    if (action.stepDb !== undefined) {
      const current = track.gain > 0 ? track.gainDb : MIN_STEP_GAIN_DB - Math.abs(action.stepDb);
      const next = Math.min(MAX_STEP_GAIN_DB, Math.round(current + action.stepDb));
      track.gain = next < MIN_STEP_GAIN_DB ? 0 : dbToGain(next);
    } else if (action.gainDb !== undefined) {
      track.gainDb = action.gainDb;
    } else {
      track.gain = action.gain!;
    }
    return `${track.name} ${formatGain(track.gain)}`;
  }
}

/** Sets a bus's own gain (e.g. the in-ears). */
function busGain(player: Player, action: Extract<Action, { type: "busGain" }>): string {
  const bus = resolveBus(player.buses, action.bus); // "BUS" naming the buses there are
  bus.gain = action.stepDb !== undefined
    ? steppedGain(bus.gain, action.stepDb)
    : action.gain ?? dbToGain(action.gainDb!);
  return `bus ${bus.name} ${formatGain(bus.gain)}`;
}

/**
 * Validates `action` and applies it to `player`, through the player's one `ControlSurface`.
 *
 * @returns what happened, in words for the operator
 * @throws {StemplayError} (the promise rejects) when the action is malformed or refused;
 *   nothing changed then
 */
export function dispatch(
  player: Player,
  action: unknown,
  options?: DispatchOptions,
): Promise<ActionResult> {
  return ControlSurface.for(player).dispatch(action, options);
}

/** What a remote shows about `player` (see `ControlStatus`). */
export function controlStatus(
  player: Player,
  options?: { outputPeaks?: boolean },
): ControlStatus {
  return ControlSurface.for(player).status(options);
}
