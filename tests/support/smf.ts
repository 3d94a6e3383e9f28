/**
 * Standard MIDI Files written by hand for tests: format 0, one track at 120 bpm.
 *
 * @module
 */

/** Ticks a quarter note; at 120 bpm a tick is 50 frames at 48 kHz. */
export const DIVISION = 480;

function be(bytes: number, value: number): number[] {
  return Array.from({ length: bytes }, (_, k) => (value >> (8 * (bytes - 1 - k))) & 0xff);
}

function vlq(value: number): number[] {
  const out = [value & 127];
  for (value >>= 7; value > 0; value >>= 7) out.unshift((value & 127) | 128);
  return out;
}

/** A format-0 SMF at 120 bpm: [tick, bytes] events, absolute ticks in order. */
export function smf(events: [number, number[]][], division = DIVISION): Uint8Array {
  const body: number[] = [0, 0xff, 0x51, 3, ...be(3, 500_000)];
  let last = 0;
  for (const [tick, bytes] of events) {
    body.push(...vlq(tick - last), ...bytes);
    last = tick;
  }
  body.push(0, 0xff, 0x2f, 0);
  const chunk = (id: string, data: number[]) => [
    ...new TextEncoder().encode(id),
    ...be(4, data.length),
    ...data,
  ];
  return new Uint8Array([
    ...chunk("MThd", [...be(2, 0), ...be(2, 1), ...be(2, division)]),
    ...chunk("MTrk", body),
  ]);
}

/** Ticks of `seconds` at 120 bpm (2 beats a second). */
export const beats = (seconds: number): number => seconds * 2 * DIVISION;
