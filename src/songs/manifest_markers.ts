/**
 * A song.json's `markers`: each `{ name, at }`, where `at` is seconds (a number) or, once the
 * song has a tempo, bars and beats (`"17.1"`: bar 17, beat 1; see src/model/bar_beat.ts).
 * Markers come in time order.
 *
 * @module
 */

import { barBeatSeconds, parseBarBeat } from "../model/bar_beat.ts";
import type { Marker } from "../model/marker.ts";
import type { TempoSegment } from "../model/tempo.ts";
import { describe, type KeyPathChecker } from "../util/check.ts";

const MARKER_KEYS = ["name", "at"];

/**
 * The markers in seconds, or undefined when one is wrong (every problem recorded). `tempo` is
 * undefined when the tempo keys are wrong themselves: markers in bars are then not checked
 * further (the tempo's problem is already named).
 */
export function checkMarkerList(
  check: KeyPathChecker,
  value: unknown,
  tempo: TempoSegment[] | undefined,
): Marker[] | undefined {
  const entries = check.array("markers", value, 0);
  if (!entries) return undefined;
  const markers = entries.map((entry, index) => {
    const keyPath = `markers[${index + 1}]`;
    const marker = check.object(keyPath, entry, MARKER_KEYS);
    if (!marker) return undefined;
    const name = check.present(`${keyPath}.name`, marker.name)
      ? check.string(`${keyPath}.name`, marker.name)
      : undefined;
    const at = check.present(`${keyPath}.at`, marker.at)
      ? checkAt(check, `${keyPath}.at`, marker.at, tempo)
      : undefined;
    return name === undefined || at === undefined ? undefined : { name, at };
  });
  let previous: Marker | undefined;
  for (const [index, marker] of markers.entries()) {
    if (!marker) continue;
    if (previous && marker.at < previous.at) {
      const shown = typeof (entries[index] as { at: unknown }).at === "string"
        ? `"${(entries[index] as { at: string }).at}" (${marker.at.toFixed(3)} s)`
        : `${marker.at} s`;
      check.fail(`markers[${index + 1}].at`, `${shown} comes before the marker above it`);
    }
    previous = marker;
  }
  return markers.every((marker) => marker !== undefined) ? markers as Marker[] : undefined;
}

/** A marker's time: seconds, or `"bar.beat"` on the tempo map. */
function checkAt(
  check: KeyPathChecker,
  keyPath: string,
  value: unknown,
  tempo: TempoSegment[] | undefined,
): number | undefined {
  if (typeof value !== "string") {
    return check.number(keyPath, value, 0, Number.MAX_SAFE_INTEGER, " s");
  }
  const position = parseBarBeat(value);
  if (!position) {
    return check.fail(
      keyPath,
      `must be seconds (a number, e.g. 13.5) or a bar and beat ("17.1": bar 17, beat 1), ` +
        `got ${describe(value)}`,
    );
  }
  if (tempo === undefined) return undefined;
  const found = barBeatSeconds(tempo, position);
  if ("problem" in found) return check.fail(keyPath, found.problem);
  return found.seconds;
}
