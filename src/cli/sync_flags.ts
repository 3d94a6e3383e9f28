/**
 * `--sync-serve [HOST:]PORT`, `--follow HOST:PORT`, `--sync-key-file F`, `--standby` and
 * `--standby-bus NAME` of `stemplay play` (docs/two-rigs.md): the primary serves its transport,
 * the backup follows it, both with the shared key read from a file (never on the command line,
 * where `ps` shows it to every user of the machine).
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import { StemplayError } from "../errors.ts";
import { type FlagSpecs, listFlag, type ParsedArgs, stringFlag, UsageError } from "./args.ts";
import { serveSync, type SyncServer } from "../control/sync_serve.ts";
import { followSync, type SyncFollower } from "../control/sync_follow.ts";
import type { SyncHealth } from "../control/sync_registry.ts";

/** The flags, for `PLAY_FLAGS`. */
export const SYNC_FLAGS: FlagSpecs = {
  "sync-serve": { type: "string" },
  follow: { type: "string" },
  "sync-key-file": { type: "string" },
  standby: { type: "boolean" },
  "standby-bus": { type: "list" },
  heartbeat: { type: "string" },
};

/** What the flags ask for. */
export type SyncFlags =
  | { serve: { hostname: string; port: number }; keyFile: string }
  | {
    follow: { host: string; port: number };
    keyFile: string;
    standby: boolean;
    standbyBuses: string[];
  };

/** Where `--sync-serve` listens without a host: every IPv4 interface (a backup is on the LAN). */
const SERVE_EVERYWHERE = "0.0.0.0";

function hostPort(
  command: string,
  flag: string,
  value: string,
  needHost: boolean,
): { host?: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || !(port >= 1 && port <= 65535) || (needHost && !host)) {
    throw new UsageError(
      `${command}: --${flag} takes ${needHost ? "HOST:PORT" : "[HOST:]PORT"} ` +
        `(e.g. ${needHost ? "192.168.1.20:9900" : "9900"}), got "${value}"`,
    );
  }
  return { host: host || undefined, port };
}

/** `--heartbeat N`: the output (from 1) for the switcher's tone, if given.
 * @throws {UsageError} for anything but a whole number from 1 */
export function heartbeatFlag(command: string, parsed: ParsedArgs): number | undefined {
  const raw = stringFlag(parsed, "heartbeat");
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`${command}: --heartbeat takes an output number from 1, got "${raw}"`);
  }
  return Number(raw);
}

/** Reads the flags. @throws {UsageError} for a bad address, both roles at once, a missing key
 * file, or standby flags without `--follow` */
export function syncFlags(command: string, parsed: ParsedArgs): SyncFlags | undefined {
  const serve = stringFlag(parsed, "sync-serve");
  const follow = stringFlag(parsed, "follow");
  const keyFile = stringFlag(parsed, "sync-key-file");
  const standby = parsed.flags.standby === true;
  const standbyBuses = listFlag(parsed, "standby-bus");
  if (serve !== undefined && follow !== undefined) {
    throw new UsageError(`${command}: give --sync-serve (primary) or --follow (backup), not both`);
  }
  if ((standby || standbyBuses.length) && follow === undefined) {
    throw new UsageError(`${command}: --standby and --standby-bus need --follow HOST:PORT`);
  }
  if (serve === undefined && follow === undefined) {
    if (keyFile !== undefined) {
      throw new UsageError(`${command}: --sync-key-file needs --sync-serve or --follow`);
    }
    return undefined;
  }
  if (keyFile === undefined) {
    throw new UsageError(
      `${command}: --${serve !== undefined ? "sync-serve" : "follow"} needs --sync-key-file F ` +
        `(a file holding the shared key, at least 16 bytes, the same on both rigs)`,
    );
  }
  if (serve !== undefined) {
    const { host, port } = hostPort(command, "sync-serve", serve, false);
    return { serve: { hostname: host ?? SERVE_EVERYWHERE, port }, keyFile };
  }
  const { host, port } = hostPort(command, "follow", follow!, true);
  return {
    follow: { host: host!, port },
    keyFile,
    standby: standby || standbyBuses.length > 0,
    standbyBuses,
  };
}

/** Reads the key file: its text, without a trailing newline. */
async function readKey(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).replace(/\r?\n$/, "");
  } catch (error) {
    throw new StemplayError(
      "FILE",
      `cannot read the sync key file ${path}: ${(error as Error).message}`,
      { path, cause: error },
    );
  }
}

/** Starts serving or following; `notice` is told what the follower says. */
export async function startSync(
  player: Player,
  flags: SyncFlags | undefined,
  notice: (text: string) => void,
): Promise<(SyncServer | SyncFollower) & AsyncDisposable | undefined> {
  if (!flags) return undefined;
  const key = await readKey(flags.keyFile);
  const link: SyncServer | SyncFollower = "serve" in flags
    ? await serveSync(player, { ...flags.serve, key })
    : await followSync(player, {
      ...flags.follow,
      key,
      standby: flags.standby,
      standbyBuses: flags.standbyBuses,
      onNotice: (text) => notice(`sync: ${text}`),
    });
  return Object.assign(link, { [Symbol.asyncDispose]: () => link.close() });
}

/** One line for `health.sync`, for the screen. */
export function syncLine(sync: SyncHealth): string {
  if (sync.role === "primary") {
    return `sync: serving ${sync.followers ?? 0} follower(s)  rejected ${sync.rejected}`;
  }
  const loud = sync.state === "takenOver" || sync.state === "missing" || sync.state === "lost";
  return `${loud ? "!! " : ""}sync: ${sync.state}${sync.standby ? " (standby)" : ""}  ` +
    `offset ${sync.offsetMs.toFixed(1)} ms  drift ${sync.driftPpm.toFixed(0)} ppm  ` +
    `relocks ${sync.relocks}  rejected ${sync.rejected}` +
    (sync.problem ? `  ${sync.problem}` : "");
}
