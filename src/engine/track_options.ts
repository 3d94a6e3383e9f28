/**
 * How a track starts out: its options, shared by the track, the buses and the track table.
 *
 * @module
 */

/** How a track starts out. Every field is optional. */
export interface TrackOptions {
  /** Shown in UIs and used to find the track; defaults to "track N" or the file's name. */
  name?: string;
  /** Linear gain, 0 .. MAX_GAIN (3.981, +12 dB; 1 = unity). */
  gain?: number;
  /** Gain in dB, at most +12 (MAX_GAIN_DB); wins over `gain` when both are given. */
  gainDb?: number;
  /** -1 (left) .. 1 (right); see the routing rules in src/engine/routing.ts. */
  pan?: number;
  /** Start muted. */
  muted?: boolean;
  /** Start soloed: while any track is soloed, only soloed tracks are heard. */
  solo?: boolean;
  /** Output numbers from 1, e.g. `[3]` for a click on output 3, `[1, 2]` for a stereo pad. */
  route?: number[];
  /** Explicit gains, one row per track channel, one gain per device output, each within
   * ±MAX_GAIN (+12 dB; negative inverts polarity). */
  routeGains?: number[][];
  /** The bus it plays on (see src/engine/buses.ts), e.g. "in-ears": its outputs, unless `route`
   * (within the bus) says otherwise. */
  bus?: string;
  /** The bus was guessed from the file name (a folder song): a profile without that bus
   * takes its first protected (for in-ears) or unprotected (for FOH) bus. */
  busGuessed?: boolean;
}
