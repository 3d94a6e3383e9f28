/**
 * Counting the messages of an OSC packet from its bytes, before decoding it: a 64 KB bundle of
 * thousands of messages is refused for the price of walking its element sizes, not of
 * decoding every message into objects first.
 *
 * @module
 */

const BUNDLE_TAG = [0x23, 0x62, 0x75, 0x6e, 0x64, 0x6c, 0x65, 0x00]; // "#bundle\0"

/** Bundles inside bundles, at most: a layout nests one or two; 3,000 (a 64 KB packet of
 * nothing but bundle headers) takes the decoder tens of milliseconds and nears the stack's end. */
export const MAX_BUNDLE_DEPTH = 8;

function isBundle(bytes: Uint8Array, at: number, end: number): boolean {
  if (end - at < 16) return false;
  return BUNDLE_TAG.every((byte, index) => bytes[at + index] === byte);
}

/**
 * The messages in `packet` (bundles counted through), stopping as soon as there are more than
 * `max`. Bytes that are not a well-formed packet count as one message: the decoder then says
 * what is wrong with them. A zero-size element counts as one and the walk goes on (it must not
 * hide the elements after it).
 *
 * @returns the count, or `max + 1` when there are more than `max`; `Infinity` when bundles
 *   nest deeper than {@link MAX_BUNDLE_DEPTH}
 */
export function countMessages(packet: Uint8Array, max: number): number {
  let count = 0;
  let tooDeep = false;
  const walk = (at: number, end: number, depth: number): boolean => {
    if (!isBundle(packet, at, end)) {
      count++;
      return count <= max;
    }
    if (depth >= MAX_BUNDLE_DEPTH) {
      tooDeep = true;
      return false;
    }
    const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    let position = at + 16; // the tag and the time tag
    while (position + 4 <= end) {
      const size = view.getInt32(position);
      position += 4;
      if (size === 0) {
        count++;
        if (count > max) return false;
        continue;
      }
      if (size < 0 || position + size > end) {
        count++;
        return count <= max;
      }
      if (!walk(position, position + size, depth + 1)) return false;
      position += size;
    }
    return true;
  };
  walk(0, packet.length, 0);
  return tooDeep ? Infinity : Math.min(count, max + 1);
}

/**
 * The most arguments any message of `packet` has, read from the type tag strings (bundles
 * walked through as `countMessages` does), without decoding: no address takes more than two,
 * and 60,000 tags in one 64 KB message take the decoder 20-180 ms to turn into objects. Stops
 * counting at `max + 1`. Bytes that are not well-formed count as no arguments (the decoder
 * then says what is wrong with them).
 */
export function mostArguments(packet: Uint8Array, max: number): number {
  let most = 0;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const walk = (at: number, end: number, depth: number): void => {
    if (!isBundle(packet, at, end)) {
      most = Math.max(most, tagsOf(packet, at, end, max));
      return;
    }
    if (depth >= MAX_BUNDLE_DEPTH) return;
    let position = at + 16;
    while (position + 4 <= end && most <= max) {
      const size = view.getInt32(position);
      position += 4;
      if (size < 0 || position + size > end) return;
      walk(position, position + size, depth + 1);
      position += size;
    }
  };
  walk(0, packet.length, 0);
  return Math.min(most, max + 1);
}

/** The type tags of the message in bytes [at, end) (",sf" is 2), at most `max + 1`. */
function tagsOf(bytes: Uint8Array, at: number, end: number, max: number): number {
  let position = at;
  while (position < end && bytes[position] !== 0) position++; // the address
  position = position + 4 - ((position - at) % 4); // its NUL and padding
  if (position >= end || bytes[position] !== 0x2c) return 0; // no "," : no type tags
  let tags = 0;
  for (position++; position < end && bytes[position] !== 0; position++) {
    if (++tags > max) break;
  }
  return tags;
}
