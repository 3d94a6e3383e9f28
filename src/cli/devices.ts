/**
 * `stemplay devices`: the playback devices of a backend, as a table.
 *
 * @module
 */

import { type DeviceInfo, listDevices } from "../engine/devices.ts";
import { BACKENDS, choiceFlag, parseFlags, UsageError } from "./args.ts";
import { HELP } from "./help.ts";

const COMMAND = "stemplay devices";

/** The device table: id, name, channels, default. */
export function deviceTable(devices: DeviceInfo[]): string {
  const rows = [
    ["id", "name", "channels", "default"],
    ...devices.map((device) => [
      String(device.id),
      device.name,
      device.channels === 0 ? "any" : String(device.channels),
      device.isDefault ? "yes" : "",
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row.map((cell, column) => column === 0 ? cell.padStart(widths[0]) : cell.padEnd(widths[column]))
      .join("  ").trimEnd()
  ).join("\n");
}

/** Runs `stemplay devices …` and returns the exit code. */
export async function devicesCommand(args: string[]): Promise<number> {
  const parsed = parseFlags(COMMAND, args, { backend: { type: "string" } });
  if (parsed.flags.help) {
    console.log(HELP.devices);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`${COMMAND}: takes no arguments, got "${parsed.positionals[0]}"`);
  }
  const backend = choiceFlag(COMMAND, parsed, "backend", BACKENDS) ?? "auto";
  const devices = await listDevices({ backend });
  if (devices.length === 0) {
    console.log(`no playback devices on the "${backend}" backend`);
  } else {
    console.log(deviceTable(devices));
  }
  if (backend === "auto" && !(await soundServerAnswers())) console.log(NO_SOUND_SERVER);
  return 0;
}

/** Said under the list when neither PulseAudio (or PipeWire's) nor JACK answers. */
export const NO_SOUND_SERVER =
  "note: no sound server is running (PulseAudio, PipeWire or JACK), so these are ALSA's " +
  "own devices and plugins, most of them not sound cards. Start one, e.g. " +
  "`pulseaudio --start` or `jackd -d alsa`, and run stemplay devices again.";

/** Whether PulseAudio (or PipeWire's PulseAudio service) or JACK is there to play through. */
async function soundServerAnswers(): Promise<boolean> {
  for (const backend of ["pulseaudio", "jack"]) {
    try {
      await listDevices({ backend });
      return true;
    } catch {
      // this one does not answer; try the next
    }
  }
  return false;
}
