/**
 * Name and number resolution for operator actions, in one place: a marker, track or song given
 * by its number on the screen (from 1) or by its name (exact, then ignoring case), and a bus by
 * its name, become the resolved value once, here. The Player and the show flow then take that
 * value (an index, a Marker, a Track, a Bus) and look nothing up again. A name that is not
 * there is refused naming what there is, and the closest name when one is near ("did you
 * mean").
 *
 * @module
 */

import { StemplayError, type StemplayErrorCode } from "../errors.ts";
import { editDistance } from "../util/did_you_mean.ts";
import type { Marker } from "../model/marker.ts";
import type { Track } from "../engine/track.ts";
import type { Bus } from "../engine/buses.ts";
import type { MarkerRef, TrackRef } from "./actions.ts";

/** A song of the setlist by its number (from 1) or its title. */
export type SongRef = number | string;

function fail(code: StemplayErrorCode, message: string): never {
  throw new StemplayError(code, message);
}

/** The index of `ref` in `names`: a number from 1, else the exact name, else the name
 * ignoring case; -1 when there is none. */
function indexOf(names: readonly string[], ref: number | string): number {
  if (typeof ref === "number") {
    return Number.isInteger(ref) && ref >= 1 && ref <= names.length ? ref - 1 : -1;
  }
  const exact = names.indexOf(ref);
  if (exact >= 0) return exact;
  const lower = ref.toLowerCase();
  return names.findIndex((name) => name.toLowerCase() === lower);
}

/** ` (did you mean "Chorus"?)` for the name closest to `asked` (ignoring case), when it is
 * close enough to be a slip: at most half the name's length in edits (at least 2); else "". */
export function suggestion(names: readonly string[], asked: string): string {
  const wanted = asked.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(wanted.length / 2))
    ? ` (did you mean "${best}"?)`
    : "";
}

/** A marker of the song and its index (from 0).
 * @throws {StemplayError} "MARKER" naming the markers there are */
export function resolveMarker(
  markers: readonly Marker[],
  ref: MarkerRef,
): { index: number; marker: Marker } {
  const names = markers.map((m) => m.name);
  const index = indexOf(names, ref);
  if (index < 0) {
    const list = markers.map((m, i) => `${i + 1} ${m.name}`).join(", ") || "none";
    fail(
      "MARKER",
      `no marker ${typeof ref === "number" ? ref : `"${ref}"`} (markers: ${list})` +
        (typeof ref === "string" ? suggestion(names, ref) : ""),
    );
  }
  return { index, marker: markers[index] };
}

/** A track of the song and its index (from 0).
 * @throws {StemplayError} "TRACK" naming the tracks there are */
export function resolveTrack(
  tracks: readonly Track[],
  ref: TrackRef,
): { index: number; track: Track } {
  const names = tracks.map((t) => t.name);
  const index = indexOf(names, ref);
  if (index < 0) {
    fail(
      "TRACK",
      typeof ref === "number"
        ? `no track ${ref} (this song has ${
          tracks.length === 0 ? "none" : `1 to ${tracks.length}`
        })`
        : `no track named "${ref}" (tracks: ${names.join(", ") || "none"})${
          suggestion(names, ref)
        }`,
    );
  }
  return { index, track: tracks[index] };
}

/** The index (from 0) of a setlist's song by number (from 1) or title.
 * @throws {StemplayError} "SETLIST" naming the songs there are */
export function resolveSong(songs: readonly { title: string }[], ref: SongRef): number {
  const titles = songs.map((s) => s.title);
  const index = indexOf(titles, ref);
  if (index < 0) {
    fail(
      "SETLIST",
      typeof ref === "number"
        ? `no song ${ref} in the setlist (it has songs 1 to ${songs.length})`
        : `no song titled "${ref}" (songs: ${titles.join(", ")})${suggestion(titles, ref)}`,
    );
  }
  return index;
}

/** A bus of the rig profile by name (exact, then ignoring case).
 * @throws {StemplayError} "BUS" naming the buses there are */
export function resolveBus(buses: readonly Bus[], name: string): Bus {
  const names = buses.map((b) => b.name);
  const index = indexOf(names, name);
  if (index < 0) {
    fail(
      "BUS",
      `no bus named "${name}" (buses: ${names.map((n) => `"${n}"`).join(", ") || "none"})` +
        suggestion(names, name),
    );
  }
  return buses[index];
}
