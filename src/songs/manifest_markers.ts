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
import { describe, isObject, KeyPathChecker } from "../util/check.ts";
import { checkTempoFields, withTempoUnit } from "./manifest_tempo.ts";

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

/**
 * The seconds of every marker a song.json (as parsed, right or wrong) writes in bars and beats,
 * by its text (`{ "3.3": 5 }`), on the file's own tempo map: for the console, which draws and
 * orders markers by their seconds. One that names no beat on it, or any when the tempo is
 * wrong or missing, is left out (loading the song says why).
 */
export function barBeatMarkerSeconds(json: unknown): Record<string, number> {
  const seconds: Record<string, number> = {};
  if (!isObject(json) || !Array.isArray(json.markers)) return seconds;
  const check = new KeyPathChecker();
  const tempo = withTempoUnit(check, json, checkTempoFields(check, json));
  if (!tempo || !check.ok) return seconds;
  for (const marker of json.markers) {
    const text = isObject(marker) ? marker.at : undefined;
    const position = typeof text === "string" ? parseBarBeat(text) : undefined;
    const found = position && barBeatSeconds(tempo, position);
    if (found && "seconds" in found) seconds[text as string] = found.seconds;
  }
  return seconds;
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
