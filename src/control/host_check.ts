/**
 * The Host check against DNS rebinding: a page on evil.example whose name is made to point at
 * this machine would otherwise talk to the remote as its own origin (its Origin and Host agree).
 * Only this machine's own names pass: localhost, loopback addresses, the addresses of its
 * network interfaces, its hostname and `<hostname>.local`, and the names a user allows.
 *
 * @module
 */

/** How often (at most) the interface list is read again after an unknown Host, in ms: an
 * address that changed (DHCP) is learnt, a flood of bad Hosts costs little. */
const REFRESH_MS = 5000;

/** The name part of a Host header, lower case, without port, brackets or trailing dot;
 * undefined when it is malformed. */
export function hostName(host: string): string | undefined {
  const text = host.trim().toLowerCase();
  let name: string;
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end < 0 || !/^(:\d{1,5})?$/.test(text.slice(end + 1))) return undefined;
    name = text.slice(1, end);
  } else {
    const match = /^([^:]+)(:\d{1,5})?$/.exec(text);
    if (!match) return undefined;
    name = match[1];
  }
  name = name.replace(/\.$/, "");
  return /^[a-z0-9._:%-]+$/.test(name) ? name : undefined;
}

/** This machine's names and addresses, as the Host check accepts them. */
function ownNames(): Set<string> {
  const names = new Set(["localhost", "::1"]);
  try {
    for (const net of Deno.networkInterfaces()) names.add(net.address.toLowerCase());
  } catch { /* no permission to list them: loopback and the given names still work */ }
  try {
    const host = Deno.hostname().toLowerCase();
    names.add(host);
    names.add(`${host}.local`);
  } catch { /* likewise */ }
  return names;
}

/** Whether a Host names this machine. */
export class HostCheck {
  readonly #allowed: Set<string>;
  #own: Set<string>;
  #readAt: number;

  /** @param allowHosts more names to accept (e.g. a DNS name of this machine on the LAN) */
  constructor(allowHosts: readonly string[] = []) {
    this.#allowed = new Set(allowHosts.map((name) => hostName(name) ?? name.toLowerCase()));
    this.#own = ownNames();
    this.#readAt = Date.now();
  }

  /** Whether the Host header `host` names this machine (a missing one does not). */
  allows(host: string | null | undefined): boolean {
    if (!host) return false;
    const name = hostName(host);
    if (name === undefined) return false;
    if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true; // all of 127/8 is loopback
    if (this.#allowed.has(name) || this.#own.has(name)) return true;
    if (Date.now() - this.#readAt < REFRESH_MS) return false;
    this.#own = ownNames();
    this.#readAt = Date.now();
    return this.#own.has(name);
  }
}
