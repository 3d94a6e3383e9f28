/**
 * Where a server bound to an address can be reached, in words: a wildcard address (0.0.0.0,
 * ::) listens on every interface, so "where it listens" is each interface's address. A server
 * says these so that nobody opens a LAN port without seeing it.
 *
 * @module
 */

/** `address:port`, with IPv6 addresses in brackets. */
function withPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The addresses (`host:port`) a server bound to `hostname`:`port` listens on: the address
 * itself, or for a wildcard every interface address of its family (every family for `::`,
 * which also takes IPv4 on Linux by default). Link-local IPv6 addresses are left out (they
 * need a zone to be reached).
 */
export function listeningAddresses(hostname: string, port: number): string[] {
  const wildcard = hostname === "0.0.0.0" || hostname === "::" || hostname === "";
  if (!wildcard) return [withPort(hostname, port)];
  let interfaces: Deno.NetworkInterfaceInfo[] = [];
  try {
    interfaces = Deno.networkInterfaces();
  } catch {
    // Without --allow-sys the interfaces cannot be listed: name the wildcard itself.
    return [withPort(hostname || "0.0.0.0", port)];
  }
  const addresses = interfaces
    .filter((net) => hostname === "0.0.0.0" ? net.family === "IPv4" : true)
    .filter((net) => !net.address.toLowerCase().startsWith("fe80:"))
    .map((net) => withPort(net.address, port));
  return [...new Set(addresses)];
}
