/**
 * `--osc PORT`, `--remote PORT`, `--pin PIN` and `--allow-host NAME` of `stemplay play`: the OSC
 * and web remote surfaces started beside the screen, listening on every interface of this
 * machine (a LAN: the library's default is loopback, the CLI chooses the LAN and says so, with
 * every address it listens on). Without `--pin` the remote makes a random 6-digit PIN; the URL
 * (with the PIN, for the QR code) and the PIN are shown on the screen, with the URL as a QR
 * code until a device logs in.
 *
 * @module
 */

// Pinned here, not in deno.json's import map: cli.ts may be run by URL, which does not see it.
// deno-lint-ignore no-import-prefix
import QRCode from "npm:qrcode@1.5.4";
import { type OscServer, serveOsc } from "../control/osc.ts";
import { type RemoteServer, serveRemote } from "../control/remote.ts";
import type { Player } from "../player/player.ts";
import { hostName } from "../control/host_check.ts";
import { MAX_PIN_DIGITS, MIN_PIN_DIGITS, validPin } from "../control/remote_auth.ts";
import {
  type FlagSpecs,
  integerFlag,
  listFlag,
  type ParsedArgs,
  stringFlag,
  UsageError,
} from "./args.ts";

/** Where `--remote` listens: every IPv4 interface, so phones on the LAN reach it. */
const LAN_LISTEN = "0.0.0.0";

/** The flags, by long name. */
export const REMOTE_FLAGS: FlagSpecs = {
  osc: { type: "string" },
  remote: { type: "string" },
  pin: { type: "string" },
  "allow-host": { type: "list" },
};

/** What the flags ask for. */
export interface RemoteFlags {
  osc?: number;
  remote?: number;
  pin?: string;
  /** Names of this machine the remote accepts in Host besides its own. */
  allowHosts?: string[];
}

/** Reads the flags. @throws {UsageError} for a bad port or PIN, or --pin without --remote */
export function remoteFlags(command: string, parsed: ParsedArgs): RemoteFlags {
  const osc = integerFlag(command, parsed, "osc", 1, 65535);
  const remote = integerFlag(command, parsed, "remote", 1, 65535);
  const pin = stringFlag(parsed, "pin");
  if (pin !== undefined && remote === undefined) {
    throw new UsageError(`${command}: --pin needs --remote PORT (the web remote it protects)`);
  }
  if (pin !== undefined && !validPin(pin)) {
    throw new UsageError(
      `${command}: --pin must be ${MIN_PIN_DIGITS} to ${MAX_PIN_DIGITS} digits, got "${pin}"`,
    );
  }
  const allowHosts = listFlag(parsed, "allow-host");
  if (allowHosts.length && remote === undefined) {
    throw new UsageError(`${command}: --allow-host needs --remote PORT (the web remote it opens)`);
  }
  for (const name of allowHosts) {
    if (hostName(name) === undefined || name.includes(":")) {
      throw new UsageError(
        `${command}: --allow-host must be a host name (e.g. stage.local), got "${name}"`,
      );
    }
  }
  if (osc !== undefined && osc === remote) {
    throw new UsageError(`${command}: --osc and --remote need different ports`);
  }
  return { osc, remote, pin, allowHosts };
}

/** This machine's address on the LAN (the first IPv4 address that is not loopback), so a
 * phone can reach it; 127.0.0.1 when there is none. */
export function lanAddress(): string {
  try {
    const found = Deno.networkInterfaces().find((net) =>
      net.family === "IPv4" && !net.address.startsWith("127.") &&
      !net.address.startsWith("169.254.")
    );
    return found?.address ?? "127.0.0.1";
  } catch {
    return "127.0.0.1";
  }
}

/** Every IPv4 address of this machine (loopback first), for the line saying where the remote
 * listens. */
export function ipv4Addresses(): string[] {
  const found = new Set(["127.0.0.1"]);
  try {
    for (const net of Deno.networkInterfaces()) {
      if (net.family === "IPv4") found.add(net.address);
    }
  } catch { /* no permission: loopback is still true */ }
  return [...found];
}

function pinPauseLine(seconds: number): string {
  return `remote: PIN checks paused ${seconds} s (too many PIN tries on the network)`;
}

/** Modules of light margin around the code (scanners need a quiet zone). */
const QUIET_ZONE = 2;

/**
 * `text` as a QR code in half-block characters, two module rows per line, drawn for a dark
 * terminal: the light modules (and the quiet zone) are the lit characters, so the code reads
 * dark-on-light as every phone scanner expects.
 */
export function qrLines(text: string): string[] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "L" });
  const size = modules.size;
  const light = (row: number, column: number) => {
    const r = row - QUIET_ZONE, c = column - QUIET_ZONE;
    return r < 0 || c < 0 || r >= size || c >= size || !modules.get(r, c);
  };
  const width = size + 2 * QUIET_ZONE;
  const lines: string[] = [];
  for (let row = 0; row < width; row += 2) {
    let line = "";
    for (let column = 0; column < width; column++) {
      const top = light(row, column);
      const bottom = row + 1 < width ? light(row + 1, column) : false;
      line += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    lines.push("  " + line);
  }
  return lines;
}

/** The running surfaces of one `play`. */
export class RemoteSurfaces {
  readonly osc?: OscServer;
  readonly web?: RemoteServer;
  /** The URL a phone opens, with the PIN (what the QR code holds). */
  readonly url?: string;
  readonly #qr: string[];
  readonly #addresses = ipv4Addresses(); // read once: the screen redraws many times a second
  #pauseWatch?: ReturnType<typeof setInterval>;

  private constructor(osc?: OscServer, web?: RemoteServer, url?: string, qr: string[] = []) {
    this.osc = osc;
    this.web = web;
    this.url = url;
    this.#qr = qr;
  }

  /** Tells `notice` once each time the remote's PIN checks pause (piped output has no screen
   * to show it on). */
  watchPinPause(notice: (line: string) => void): void {
    if (!this.web || this.#pauseWatch !== undefined) return;
    let told = false;
    this.#pauseWatch = setInterval(() => {
      const pause = this.web?.pinPauseSeconds ?? 0;
      if (pause > 0 && !told) notice(pinPauseLine(pause));
      told = pause > 0;
    }, 1000);
    Deno.unrefTimer(this.#pauseWatch);
  }

  /** Starts what `flags` ask for (nothing when they ask for nothing). */
  static async start(player: Player, flags: RemoteFlags): Promise<RemoteSurfaces> {
    let osc: OscServer | undefined;
    let web: RemoteServer | undefined;
    try {
      // --osc is a choice to be reached from the LAN (the library's default is this machine
      // only); where that is, is said in infoLines().
      if (flags.osc !== undefined) {
        osc = await serveOsc(player, { port: flags.osc, hostname: "0.0.0.0" });
      }
      if (flags.remote === undefined) return new RemoteSurfaces(osc);
      web = await serveRemote(player, {
        port: flags.remote,
        pin: flags.pin,
        hostname: LAN_LISTEN,
        allowHosts: flags.allowHosts,
      });
    } catch (error) {
      await osc?.close();
      throw error;
    }
    const url = `http://${lanAddress()}:${web.port}/?pin=${web.pin}`;
    const surfaces = new RemoteSurfaces(osc, web, url, qrLines(url));
    current.set(player, surfaces);
    return surfaces;
  }

  /** Where the surfaces listen and the PIN (one line each), then the QR code until the first
   * device has logged in. */
  lines(): string[] {
    return [...this.infoLines(), ...this.qrLines()];
  }

  /** Where the surfaces listen, with the PIN: one line each. `qrDrawn`: the screen draws the
   * QR code (it fits), so the line may say "(scan to open)"; otherwise the URL stands alone. */
  infoLines(qrDrawn = true): string[] {
    const lines: string[] = [];
    if (this.osc) {
      lines.push(
        `osc: udp ${this.osc.addresses.join(", ")}` +
          (this.osc.subscribers ? `  (${this.osc.subscribers} subscribed)` : "") +
          (this.osc.errors ? `  ${this.osc.errors} bad messages answered` : ""),
      );
    }
    if (this.web && this.url) {
      const devices = this.web.sessions;
      lines.push(
        `remote: ${this.url.replace(/\?pin=.*/, "")}  PIN ${this.web.pin}` +
          (devices
            ? `  (${devices} device${devices === 1 ? "" : "s"})`
            : qrDrawn && this.#qr.length > 0
            ? "  (scan to open)"
            : ""),
      );
      const port = this.web.port;
      lines.push(
        `remote listens on ${this.web.hostname}:${port}: ` +
          this.#addresses.map((address) => `http://${address}:${port}/`).join(", "),
      );
      const pause = this.web.pinPauseSeconds;
      if (pause > 0) {
        lines.push(pinPauseLine(pause));
      }
    }
    return lines;
  }

  /** The QR code of the URL with the PIN, until the first device has logged in. */
  qrLines(): string[] {
    return this.web && this.web.sessions === 0 ? this.#qr : [];
  }

  /** Stops both surfaces. */
  async close(): Promise<void> {
    clearInterval(this.#pauseWatch);
    for (const [player, surfaces] of current) if (surfaces === this) current.delete(player);
    await this.web?.close();
    await this.osc?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The surfaces running for each player, for the screen to show. */
const current = new Map<Player, RemoteSurfaces>();

/** The screen's lines about the surfaces of `player`: where they listen and the PIN (none
 * when it has none). `qrDrawn`: whether the screen draws the QR code (only then does the line
 * say "(scan to open)"). */
export function remoteLines(player: Player, qrDrawn = true): string[] {
  return current.get(player)?.infoLines(qrDrawn) ?? [];
}

/** The screen's QR code for the web remote of `player`, until a device has logged in. */
export function remoteQrLines(player: Player): string[] {
  return current.get(player)?.qrLines() ?? [];
}
