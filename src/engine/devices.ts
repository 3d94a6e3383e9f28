/**
 * Playback devices as miniaudio enumerates them.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Native } from "../native/native.ts";
import { bufferString, loadNative, toCString, unwrap } from "../native/native.ts";

/** A playback device. */
export interface DeviceInfo {
  /** Index to pass as `device` to `Player.open()`. */
  id: number;
  /** The name the backend gives it. */
  name: string;
  /** Most output channels the device reports (0: any). */
  channels: number;
  /** True for the backend's default device. */
  isDefault: boolean;
}

/** Lists a backend's devices with an already loaded library. Enumerating can take up to the
 * device deadline (a hung backend), so it runs off the JS thread. */
export async function listDevicesWith(native: Native, backend = "auto"): Promise<DeviceInfo[]> {
  const text = new Uint8Array(1 << 16);
  const count = new Uint32Array(1);
  unwrap(
    native,
    await native.sp_devices_list(toCString(backend), text, text.length, count),
    `cannot list the devices of the "${backend}" backend`,
  );
  return bufferString(text).split("\n").filter((line) => line !== "").map((line) => {
    const [id, isDefault, channels, ...name] = line.split("\t");
    return {
      id: Number(id),
      name: name.join("\t"),
      channels: Number(channels),
      isDefault: isDefault === "1",
    };
  });
}

/** Lists the playback devices of a backend ("auto": miniaudio's default order). */
export async function listDevices(options: { backend?: string } = {}): Promise<DeviceInfo[]> {
  return await listDevicesWith(await loadNative(), options.backend ?? "auto");
}

/** Resolves a device given as an index or a name substring (case-insensitive). */
export async function findDevice(
  native: Native,
  backend: string,
  device: number | string,
): Promise<number> {
  const devices = await listDevicesWith(native, backend);
  if (typeof device === "number") {
    if (devices.some((d) => d.id === device)) return device;
    throw new StemplayError(
      "NO_SUCH_DEVICE",
      `no device ${device} on the "${backend}" backend (it has ${devices.length})`,
    );
  }
  return pickDevice(devices, backend, device);
}

/**
 * The device a name picks: the one whose name contains it (ignoring case), or the one named
 * exactly so when several contain it. Devices of the same name can only be told apart by
 * their id, and the message says which ids to give.
 *
 * @throws {StemplayError} "NO_SUCH_DEVICE"
 */
export function pickDevice(devices: DeviceInfo[], backend: string, device: string): number {
  const wanted = device.toLowerCase();
  const matches = devices.filter((d) => d.name.toLowerCase().includes(wanted));
  if (matches.length === 1) return matches[0].id;
  const exact = matches.filter((d) => d.name.toLowerCase() === wanted);
  if (exact.length === 1) return exact[0].id;
  const names = devices.map((d) => `${d.id}: ${d.name}`).join(", ");
  if (matches.length === 0) {
    throw new StemplayError(
      "NO_SUCH_DEVICE",
      `no device named like "${device}" on "${backend}" (devices: ${names || "none"})`,
    );
  }
  const same = matches.every((d) => d.name === matches[0].name);
  const ids = matches.map((d) => d.id);
  const listed = matches.map((d) => `${d.id}: ${d.name}`).join(", ");
  throw new StemplayError(
    "NO_SUCH_DEVICE",
    same
      ? `${matches.length} devices are named "${matches[0].name}" (ids ${ids.join(", ")}): ` +
        `give the id to pick one, e.g. --device ${ids[0]} ("device": ${ids[0]} in ` +
        `stemplay.json); stemplay devices lists them`
      : `"${device}" matches ${matches.length} devices (${listed}): give more of the name, or ` +
        `the id, e.g. --device ${ids[0]}`,
  );
}
