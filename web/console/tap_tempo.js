// Tap tempo: the median interval of the last taps (a late or early tap moves it less than a
// mean would), forgotten after a pause, so a new tempo starts from fresh taps.

/** A pause longer than this starts the taps again. */
export const TAP_RESET_MS = 2000;
/** Taps kept: the last 8 (7 intervals). */
export const TAP_KEEP = 8;

/** A tapper: `tap(ms)` takes the time of a tap (performance.now()) and returns the tempo so
 * far, `{ bpm, taps }` (bpm to 0.1), or undefined after the first tap. */
export function createTapper() {
  let times = [];
  return {
    tap(now) {
      if (times.length && now - times[times.length - 1] > TAP_RESET_MS) times = [];
      times.push(now);
      if (times.length > TAP_KEEP) times.shift();
      if (times.length < 2) return undefined;
      const intervals = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
      const middle = intervals.length >> 1;
      const median = intervals.length % 2
        ? intervals[middle]
        : (intervals[middle - 1] + intervals[middle]) / 2;
      return { bpm: Math.round(600000 / median) / 10, taps: times.length };
    },
  };
}
