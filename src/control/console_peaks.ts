/**
 * The console's limits on a waveform request: a page needs a few thousand points per lane, so
 * a request is capped (points per channel, and values over all stems and channels) and the
 * reply stays small enough to build and send at once.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";

/** The most points per channel one console request may ask for. */
export const MAX_CONSOLE_PEAK_POINTS = 65_536;
/** The most points one console request may ask for over every stem and channel. */
export const MAX_CONSOLE_PEAK_VALUES = 1 << 21;

/** The `points` of a peaks request (default 2000).
 * @throws {StemplayError} "INVALID_ARGUMENT" for anything but a whole number in range */
export function parsePeakPoints(text: string | null): number {
  const points = text === null ? 2000 : Number(text);
  if (!Number.isInteger(points) || points < 1 || points > MAX_CONSOLE_PEAK_POINTS) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `points must be a whole number from 1 to ${MAX_CONSOLE_PEAK_POINTS}, got ${text}`,
    );
  }
  return points;
}
