/**
 * `stemplay devices`: the playback devices of a backend, as a table.
 *
 * @module
 */

import { type DeviceInfo, listDevices } from "../devices.ts";
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
    return 0;
  }
  console.log(deviceTable(devices));
  return 0;
}
