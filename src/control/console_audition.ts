/**
 * The console's audition controls beyond "play from here": loop one section (from a marker to
 * the next, or the song's end) and solo-listen one stem, through the real player that holds
 * the console's audition. The console (console.ts) starts the audition and refuses all of it
 * while the show plays.
 *
 * @module
 */

import { resolve } from "node:path";
import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";
import { loadSongDescription } from "../songs/song.ts";

/** What the page shows of an audition after a change. */
export interface AuditionState {
  /** The loop playing, in seconds, if any. */
  loop?: { start: number; end: number };
  /** The soloed stem's file (as song.json names it), if any. */
  solo?: string;
}

/**
 * Loops the section of marker `section` (its index among the song's markers, in time order,
 * and its name, so an edit since the page read the song is not looped by mistake), from its
 * start; `null` leaves the loop at once (crossfaded).
 * @throws {StemplayError} "INVALID_ARGUMENT" when there is no such marker (reload the song)
 */
export function loopSection(player: Player, section: unknown, name: unknown): void {
  if (section === null) {
    if (player.loopRange) player.exitLoop({ at: "now" });
    return;
  }
  const markers = player.markers;
  const marker = Number.isInteger(section) ? markers[section as number] : undefined;
  if (!marker || marker.name !== name) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the auditioned song has no marker ${JSON.stringify(name)} at position ${section}: ` +
        "reload the song (it changed since the page read it)",
    );
  }
  player.seek(marker.at);
  player.loopSection(marker);
}

/**
 * Solos the stem whose file is `file` (relative to the song's `folder`), so only it is heard;
 * `null` un-solos every stem (each back to its own mute).
 * @throws {StemplayError} "INVALID_ARGUMENT" when the auditioned song has no such stem
 */
export function soloStem(player: Player, folder: string, file: unknown): void {
  const tracks = player.tracks;
  if (file === null) {
    for (const track of tracks) if (track.solo) track.solo = false;
    return;
  }
  const path = typeof file === "string" ? resolve(folder, file) : "";
  const index = tracks.findIndex((track) => track.source?.path === path);
  if (index < 0) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the auditioned song has no stem ${JSON.stringify(file)}: reload the song`,
    );
  }
  // The new solo first, so no block plays with nothing soloed between the two.
  tracks[index].solo = true;
  tracks.forEach((track, i) => {
    if (i !== index && track.solo) track.solo = false;
  });
}

/**
 * Checks a loop (`/api/loop`) or solo (`/api/solo`) request against the song in `folder` as
 * read from disk, before an audition of it starts: a refused request starts nothing.
 * @throws {StemplayError} "INVALID_ARGUMENT" as `loopSection` and `soloStem` do
 */
export async function checkAuditionRequest(
  folder: string,
  path: string,
  body: Record<string, unknown>,
): Promise<void> {
  const song = await loadSongDescription(folder);
  if (path === "/api/loop" && body.section !== null && body.section !== undefined) {
    const marker = Number.isInteger(body.section)
      ? song.markers[body.section as number]
      : undefined;
    if (!marker || marker.name !== body.name) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `the song has no marker ${JSON.stringify(body.name)} at position ${body.section}: ` +
          "reload the song (it changed since the page read it)",
      );
    }
  }
  if (path === "/api/solo" && body.file !== null && body.file !== undefined) {
    const file = typeof body.file === "string" ? resolve(folder, body.file) : "";
    if (!song.tracks.some((track) => resolve(track.file) === file)) {
      throw new StemplayError(
        "INVALID_ARGUMENT",
        `the song has no stem ${JSON.stringify(body.file)}: reload the song`,
      );
    }
  }
}

/** The audition's loop and solo now (`folder` resolves the soloed stem's file), the loop in
 * the recording's seconds, as the page shows them. */
export function auditionState(player: Player, folder: string): AuditionState {
  const soloed = player.tracks.find((track) => track.solo)?.source?.path;
  const prefix = `${folder}/`;
  const loop = player.loopRange;
  const speed = player.speed;
  return {
    loop: loop && { start: loop.start * speed, end: loop.end * speed },
    solo: soloed?.startsWith(prefix) ? soloed.slice(prefix.length) : soloed,
  };
}
