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
  // The song's ticks as the audio thread numbers them (native/rt/midi_out_rt.c): tick t falls
  // in the last segment whose first tick is at or before t, so near a tempo change off the old
  // grid, the next tick is the new segment's first, not the old grid's.
  const segmentOf = (tick: number) => {
    let i = 0;
    while ((i + 1) * 3 < song.length && song[(i + 1) * 3 + 2] <= tick) i++;
    return i;
  };
  const secondsOf = (tick: number) => {
    const i = segmentOf(tick);
    return song[i * 3] + (tick - song[i * 3 + 2]) * song[i * 3 + 1];
  };
  // The song's first tick at or after fromFrame (rounded as the audio thread rounds).
  const frameOf = (tick: number) => Math.round(secondsOf(tick) * rate);
  let tick = song[s * 3 + 2] + Math.floor((from - at) / tickSeconds);
  while (frameOf(tick) < fromFrame) tick++;
  while (frameOf(tick - 1) >= fromFrame) tick--;
  // That tick is where the count-in's clock hands over, at its frame handOver: the count-in's
  // segment (at the tempo it counts in) starts there and counts from that tick, so every tick
  // it plays is before it (before the song's clock takes over), and none of them sends Start
  // (or SPP and Continue). Numbered from the song's first downbeat, like the map.
  const handOverSeconds = secondsOf(tick) + (handOver - fromFrame) / rate;
  return Float64Array.of(Math.max(0, handOverSeconds), tickSeconds, tick);
}
