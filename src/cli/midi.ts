/**
 * MIDI foot control for the command-line player: when stemplay.json has a `midi` section, the
 * player listens on its input for the whole session, and `L` on the play screen learns a new
 * mapping (see docs/midi.md).
 *
 * @module
 */

import { type MidiInput, serveMidi } from "../control/midi.ts";
import { type MidiOutput, serveMidiOut } from "../control/midi_out.ts";
import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";
import { loadSettings } from "./settings.ts";

/**
 * Starts MIDI input from the settings file (`--config`, else stemplay.json), or returns
 * undefined when it has no `midi` section.
 *
 * @param say receives one line naming the port it listens on
 */
export async function startMidiFromSettings(
  player: Player,
  configPath: string | undefined,
  say: (line: string) => void,
): Promise<MidiInput | undefined> {
  const { midi } = await loadSettings(configPath);
  if (midi.input === undefined && midi.map === undefined) return undefined;
  const input = await serveMidi(player, {
    input: midi.input,
    map: midi.map ?? [],
    confirm: midi.confirm,
  });
  say(
    `MIDI: ${input.map.length} mapped messages on ${
      input.transport === "jack" ? input.port : `the ALSA sequencer (${input.port})`
    }${midi.input && !["jack", "alsa"].includes(midi.input) ? `, from ${midi.input}` : ""}`,
  );
  return input;
}

/**
 * Starts MIDI out from the settings file's `midiOut` section, or returns undefined when it has
 * none. It needs the JACK backend: elsewhere it says why and plays on without it.
 *
 * @param say receives one line naming the port it sends on, or why it does not
 */
export async function startMidiOutFromSettings(
  player: Player,
  configPath: string | undefined,
  say: (line: string) => void,
): Promise<MidiOutput | undefined> {
  const { midiOut } = await loadSettings(configPath);
  if (midiOut === undefined) return undefined;
  try {
    const output = await serveMidiOut(player, midiOut);
    say(`MIDI out: ${output.port}${output.clock ? " with clock" : ""}`);
    return output;
  } catch (error) {
    if (!(error instanceof StemplayError) || error.code === "INVALID_ARGUMENT") throw error;
    say(`MIDI out: off (${error.message})`);
    return undefined;
  }
}
