/**
 * What a phone may do through the web remote: its actions (each through the command layer,
 * destructive ones confirmed by a second tap, src/control/confirm.ts), the stage lock, and the
 * buttons the page shows, labelled here so the page keeps no vocabulary of its own.
 *
 * The stage lock is held by the server per session: while a phone is locked, every action but
 * Play/Pause, a jump at the bar, Vamp and Exit loop is refused (`LOCKED`), whatever the page
 * sends. Unlocking takes the PIN, checked and counted like a login (per address and toward
 * the 100-a-minute limit of all addresses together).
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";
import type { Action } from "./actions.ts";
import type { RemoteGate } from "./remote_auth.ts";
import { ControlSurface } from "./surface.ts";

/** Action types a stage-locked phone may still send (a `jump` only at the bar). */
export const STAGE_LOCK_ACTIONS: readonly Action["type"][] = [
  "play",
  "pause",
  "togglePlay",
  "jump",
  "vamp",
  "exitLoop",
];

/** One button of the page: its label (and a symbol), the action it sends. */
export interface RemoteButton {
  /** The words on it. */
  label: string;
  /** A symbol before the words (decoration, hidden from screen readers). */
  icon?: string;
  /** The action it sends. */
  action: Action;
  /** An id or class for the page's style. */
  id?: string;
}

/** The page's fixed buttons, by the section they sit in. */
export const REMOTE_BUTTONS: Readonly<
  Record<"transport" | "show" | "levels" | "keyTempo", RemoteButton[]>
> = {
  transport: [
    { label: "Play", icon: "▶", action: { type: "play" }, id: "play" },
    { label: "Pause", icon: "❚❚", action: { type: "pause" }, id: "pause" },
    { label: "Stop", icon: "■", action: { type: "stop" }, id: "stop" },
    { label: "Previous", icon: "◀◀", action: { type: "previous" }, id: "previous" },
    { label: "Next", icon: "▶▶", action: { type: "next" }, id: "next" },
  ],
  show: [
    { label: "Vamp", icon: "↻", action: { type: "vamp" }, id: "vamp" },
    { label: "Exit loop", icon: "↦", action: { type: "exitLoop" }, id: "exit-loop" },
    { label: "Cancel jump", icon: "✕", action: { type: "cancelJump" }, id: "cancel-jump" },
    { label: "Count-in", action: { type: "countIn" }, id: "count-in" },
    { label: "Fade out", icon: "◢", action: { type: "fadeOut" }, id: "fade-out" },
    { label: "MIDI clock", action: { type: "midiClock" }, id: "midi-clock" },
    { label: "Spoken cues", action: { type: "spokenCues" }, id: "spoken-cues" },
    // Two rigs (docs/two-rigs.md): a backup that took over mutes again; asks twice.
    { label: "Failback", action: { type: "failback" }, id: "failback" },
  ],
  levels: [
    { label: "−1 dB", action: { type: "masterGain", stepDb: -1 }, id: "master-down" },
    { label: "+1 dB", action: { type: "masterGain", stepDb: 1 }, id: "master-up" },
  ],
  // Key and tempo (docs/key_tempo.md): stopped or paused only; the song is prepared again.
  keyTempo: [
    { label: "Key −1", action: { type: "transpose", by: -1 }, id: "key-down" },
    { label: "Key +1", action: { type: "transpose", by: 1 }, id: "key-up" },
    { label: "Tempo −1%", action: { type: "speed", by: -0.01 }, id: "tempo-down" },
    { label: "Tempo +1%", action: { type: "speed", by: 0.01 }, id: "tempo-up" },
  ],
};

/** A −1 dB / +1 dB pair for each bus of the rig profile, after the master's. */
function busButtons(player: Player): RemoteButton[] {
  return player.buses.flatMap((bus, index) =>
    ([-1, 1] as const).map((stepDb) => ({
      label: `${bus.name} ${stepDb < 0 ? "−" : "+"}1 dB`,
      action: { type: "busGain", bus: bus.name, stepDb } as const,
      id: `bus-${index + 1}-${stepDb < 0 ? "down" : "up"}`,
    }))
  );
}

/** What the page gets on connect and when its lock changes. */
export interface SessionMessage {
  type: "session";
  /** This phone is stage-locked. */
  locked: boolean;
  /** Action types a locked phone may send. */
  whenLocked: readonly string[];
  /** The page's buttons. */
  buttons: typeof REMOTE_BUTTONS;
}

/** An answer's status and JSON body. */
export interface ActionReply {
  status: number;
  value: Record<string, unknown>;
}

function allowedWhenLocked(action: unknown): boolean {
  if (typeof action !== "object" || action === null) return false;
  const { type, at } = action as { type?: unknown; at?: unknown };
  if (type === "jump") return at === undefined || at === "bar";
  return (STAGE_LOCK_ACTIONS as readonly unknown[]).includes(type);
}

/** The remote's actions and stage locks, per session. */
export class RemoteActions {
  readonly #player: Player;
  readonly #gate: RemoteGate;
  readonly #locked = new Set<string>();

  constructor(player: Player, gate: RemoteGate) {
    this.#player = player;
    this.#gate = gate;
  }

  /** The message the session's pages get. */
  session(token: string): SessionMessage {
    return {
      type: "session",
      locked: this.#locked.has(token),
      whenLocked: STAGE_LOCK_ACTIONS,
      buttons: {
        ...REMOTE_BUTTONS,
        levels: [...REMOTE_BUTTONS.levels, ...busButtons(this.#player)],
      },
    };
  }

  /** Forgets a session that ended. */
  forget(token: string): void {
    this.#locked.delete(token);
    ControlSurface.for(this.#player).forgetPresser(token);
  }

  /** `POST /action`: one action from the session's page. */
  async action(token: string, action: unknown): Promise<ActionReply> {
    if (this.#locked.has(token) && !allowedWhenLocked(action)) {
      return {
        status: 423,
        value: {
          ok: false,
          code: "LOCKED",
          error: "the remote is stage-locked: only Play, Pause, a jump at the bar, Vamp and " +
            "Exit loop work until it is unlocked with the PIN",
        },
      };
    }
    try {
      const result = await ControlSurface.for(this.#player).dispatch(action, {
        source: "phone",
        confirmBy: token,
      });
      return {
        status: 200,
        value: { ok: true, message: result.message, ...(result.pending ? { pending: true } : {}) },
      };
    } catch (error) {
      const code = error instanceof StemplayError ? error.code : "ERROR";
      const message = error instanceof Error ? error.message : String(error);
      return { status: 400, value: { ok: false, code, error: message } };
    }
  }

  /** `POST /lock`: the session's phone keeps only the stage's actions. */
  lock(token: string): ActionReply {
    this.#locked.add(token);
    return { status: 200, value: { ok: true, locked: true, message: "stage lock on" } };
  }

  /** `POST /unlock` with `{ "pin": "…" }`: the PIN, checked and counted like a login's. */
  unlock(token: string, address: string, body: unknown): ActionReply {
    const pin = typeof body === "object" && body !== null
      ? (body as { pin?: unknown }).pin
      : undefined;
    if (typeof pin !== "string") {
      return { status: 400, value: { ok: false, code: "PIN", error: 'send { "pin": "…" }' } };
    }
    const refused = this.#gate.checkPin(address, pin.trim());
    if (refused?.reason === "locked") {
      return {
        status: 429,
        value: {
          ok: false,
          code: "PIN",
          error: `too many PIN tries: wait ${refused.retryAfterSeconds} s`,
          retryAfter: refused.retryAfterSeconds,
        },
      };
    }
    if (refused) {
      return {
        status: 401,
        value: { ok: false, code: "PIN", error: `wrong PIN (${refused.triesLeft} tries left)` },
      };
    }
    this.#locked.delete(token);
    return { status: 200, value: { ok: true, locked: false, message: "unlocked" } };
  }
}
