/**
 * The console's audition controls: play from a time, loop one section (from a marker to the
 * next, or the song's end), solo-listen one stem and stop, through the real player that holds
 * the console's audition. Each is said in the operators' action vocabulary (actions.ts) and
 * dispatched as the remote's presses are (`source: "console"`): one ordered queue with every
 * other surface, the same checks, and every screen's message line names what the console did.
 * The console (console.ts) loads the song and refuses all of it while the show plays.
 *
 * @module
 */

import { resolve } from "node:path";
import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";
import { loadSongDescription } from "../songs/song.ts";
import { dispatch, type DispatchOptions } from "./surface.ts";

/** How the console's actions are sent: named on every screen, no confirmation (the console
 * refuses to touch the show instead, see console.ts). */
const AS_CONSOLE: DispatchOptions = { source: "console" };

/**
 * Plays the loaded audition from `at` seconds of the recording (the player runs at the song's
 * speed): a seek, then play, as actions.
 */
export async function playFrom(player: Player, at: unknown): Promise<void> {
  const to = Math.min(player.duration, Math.max(0, Number(at) || 0)); // song time
  await dispatch(player, { type: "seek", to }, AS_CONSOLE);
  await dispatch(player, { type: "play" }, AS_CONSOLE);
}

/** Stops the audition (the "stop" action), ready to be unloaded. */
export async function stopAudition(player: Player): Promise<void> {
  await dispatch(player, { type: "stop" }, AS_CONSOLE);
}

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
export async function loopSection(
  player: Player,
  section: unknown,
  name: unknown,
): Promise<void> {
  if (section === null) {
    if (player.loopRange) await dispatch(player, { type: "exitLoop", at: "now" }, AS_CONSOLE);
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
  // From the section's start: a locate to it (by number, as a screen counts), then vamp.
  await dispatch(player, { type: "seek", to: marker.at }, AS_CONSOLE);
  await dispatch(player, { type: "vamp", marker: (section as number) + 1 }, AS_CONSOLE);
}

/**
 * Solos the stem whose file is `file` (relative to the song's `folder`), so only it is heard;
 * `null` un-solos every stem (each back to its own mute).
 * @throws {StemplayError} "INVALID_ARGUMENT" when the auditioned song has no such stem
 */
export async function soloStem(player: Player, folder: string, file: unknown): Promise<void> {
  const tracks = player.tracks;
  const unsolo = async (except: number) => {
    for (const [i, track] of tracks.entries()) {
      if (i !== except && track.solo) {
        await dispatch(player, { type: "solo", track: i + 1, on: false }, AS_CONSOLE);
      }
    }
  };
  if (file === null) return await unsolo(-1);
  const path = typeof file === "string" ? resolve(folder, file) : "";
  const index = tracks.findIndex((track) => track.source?.path === path);
  if (index < 0) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the auditioned song has no stem ${JSON.stringify(file)}: reload the song`,
    );
  }
  // The new solo first, so no block plays with nothing soloed between the two.
  await dispatch(player, { type: "solo", track: index + 1, on: true }, AS_CONSOLE);
  await unsolo(index);
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
  const loop = player.loopRange; // song time: the recording's seconds
  return {
    loop,
    solo: soloed?.startsWith(prefix) ? soloed.slice(prefix.length) : soloed,
  };
}
