/**
 * MIDI learn on the play screen: `L`, then the key of an action (n, v, space, m …, as the
 * screen's keys do them), then press the pedal: the pedal is mapped to that action at once and
 * the mapping is saved into the settings file. Any other key cancels.
 *
 * @module
 */

import type { MidiInput } from "../control/midi.ts";
import { learnedEntry, saveMidiMap, withLearned } from "../control/midi_learn.ts";
import type { MidiAction } from "../control/midi_map.ts";
import { describeMidi } from "../control/midi_message.ts";
import type { Key } from "./key_input.ts";

/** What learn needs from the session. */
export interface LearnHost {
  message: string;
  /** The action a key stands for on the screen, if any. */
  actionFor(key: Key): MidiAction | undefined;
}

/** The learn mode of one session. */
export class MidiLearn {
  #input: MidiInput;
  #settingsPath: string;
  #host: LearnHost;
  #state: "off" | "action" | "pedal" = "off";
  /** The last save, for tests and the caller that wants to wait for it. */
  saved: Promise<void> = Promise.resolve();

  constructor(input: MidiInput, settingsPath: string, host: LearnHost) {
    this.#input = input;
    this.#settingsPath = settingsPath;
    this.#host = host;
  }

  /** Whether a key goes to the learn mode rather than to the show. */
  get active(): boolean {
    return this.#state !== "off";
  }

  /** `L`: asks for the action. */
  start(): void {
    this.#state = "action";
    this.#host.message = "MIDI learn: press the key of the action to map (any other key cancels)";
  }

  /** A key while learning: the action to map, or a cancel. */
  key(key: Key): void {
    if (this.#state === "pedal") {
      this.#cancel();
      return;
    }
    const action = this.#host.actionFor(key);
    if (!action) {
      this.#cancel();
      return;
    }
    this.#state = "pedal";
    this.#host.message = `MIDI learn: press the pedal for ${describeAction(action)} ` +
      `(on ${this.#input.port}; any key cancels)`;
    this.saved = this.#input.learn().then(async (message) => {
      if (this.#state !== "pedal") return;
      this.#state = "off";
      const entry = learnedEntry(message, action);
      const map = withLearned(this.#input.map, entry);
      try {
        this.#input.setMap(map);
        await saveMidiMap(this.#settingsPath, map);
        this.#host.message = `MIDI learn: ${describeMidi(message)} → ${describeAction(action)}, ` +
          `saved to ${this.#settingsPath}`;
      } catch (error) {
        this.#host.message = `MIDI learn failed: ${(error as Error).message}`;
      }
    });
  }

  #cancel(): void {
    this.#state = "off";
    this.#input.cancelLearn();
    this.#host.message = "MIDI learn cancelled";
  }
}

function describeAction(action: MidiAction): string {
  const rest = Object.entries(action).filter(([key]) => key !== "type")
    .map(([key, value]) => `${key} ${value}`);
  return rest.length ? `${action.type} (${rest.join(", ")})` : action.type;
}
