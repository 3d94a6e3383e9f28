/**
 * MIDI clock through a count-in: the count-in plays as its own short engine group, so MIDI out
 * gets a one-segment clock map for it, at the song's tempo where the song is handed over, placed
 * so that the count-in's ticks run on into the song's own without a seam, numbered as the
 * song's: its first tick is the song's tick at the hand-over. Ticks without Start: a device
 * locks its tempo, and Start comes on the song's first downbeat (song position 0); a count-in
 * into mid-song (from a marker) sends a Song Position Pointer and Continue where it hands over
 * instead, so the device never starts from bar 1 (native/midi_out.h).
 *
 * @module
 */

/** The count-in's clock segment {at, seconds per tick, first tick}, from the song's segments
 * (`clockSegments`), for a count-in whose frame `handOver` is the song's frame `fromFrame`. */
export function countInClock(
  song: Float64Array,
  fromFrame: number,
  handOver: number,
  rate: number,
): Float64Array {
  const from = fromFrame / rate;
  let s = 0;
  while ((s + 1) * 3 < song.length && song[(s + 1) * 3] <= from) s++;
  const at = song[s * 3], tickSeconds = song[s * 3 + 1];
  // The song's first tick at or after fromFrame (rounded as the audio thread rounds).
  const frameOf = (k: number) => Math.round((at + k * tickSeconds) * rate);
  let k = Math.floor((from - at) / tickSeconds);
  while (frameOf(k) < fromFrame) k++;
  while (frameOf(k - 1) >= fromFrame) k--;
  // That tick is where the count-in's clock hands over, at its frame handOver: the count-in's
  // segment starts there and counts from tick k, so every tick it plays is before k (before
  // the song's clock takes over), and none of them sends Start (or SPP and Continue).
  const handOverSeconds = at + k * tickSeconds + (handOver - fromFrame) / rate;
  // k counts from the segment's start; the map counts from the song's first downbeat.
  return Float64Array.of(Math.max(0, handOverSeconds), tickSeconds, song[s * 3 + 2] + k);
}
