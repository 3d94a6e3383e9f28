/**
 * The key a client address is counted under by the remote's limits (wrong PINs, connections):
 * an IPv4 address as it is, an IPv6 address by its /64 network. One IPv6 host is usually given
 * a whole /64 and may pick any address in it, so counting single IPv6 addresses would count
 * nothing.
 *
 * @module
 */

/** The 16 bytes of an IPv6 address as eight 16-bit groups, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, ""); // a zone ("fe80::1%eth0") names no other network
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = text.slice(0, v4.index) +
      `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const part = (s: string) => (s === "" ? [] : s.split(":"));
  const head = part(halves[0]), tail = halves.length === 2 ? part(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const words = [...head, ...Array(missing).fill("0"), ...tail];
  if (!words.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return undefined;
  return words.map((w) => parseInt(w, 16));
}

/**
 * `address` as the key its limits count under: "203.0.113.7" for IPv4 (also when written as
 * an IPv4-mapped IPv6 address, "::ffff:203.0.113.7"), "2001:db8:1:2::/64" for IPv6, and the
 * text itself for anything else.
 */
export function addressKey(address: string): string {
  if (!address.includes(":")) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
  }
  return groups.slice(0, 4).map((g) => g.toString(16)).join(":") + "::/64";
}
