/**
 * Which song the console may not edit now: the one the player plays (or holds paused), so a
 * save never changes what is heard mid-show. The song is matched by its folder and by the
 * files the player plays (a song whose stems are in a sibling folder counts). The lock says
 * whose song it is: the show's, or the console's own audition (stopped with Stop audition).
 *
 * @module
 */

import { resolve } from "node:path";
import type { Player } from "../player/player.ts";
import { songFolderOf } from "./console_guard.ts";

/** Why a song is locked for editing: the show plays it, or the console's audition does. */
export type PlayingLock = "show" | "audition";

/** The folder of the song the player holds (its real path), if any. */
export function loadedFolder(player: Player): string | undefined {
  const path = player.songPath;
  return path ? realPathOf(songFolderOf(path)) : undefined;
}

/** `path` as the library names it: its real path (the show may have reached it through a
 * symlink, or relative to the working folder), or its absolute path when it is gone. */
function realPathOf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Whether the player plays (or was just told to, or holds paused) the song of `folder`, or a
 * file of that folder. */
export function playsSong(player: Player, folder: string): boolean {
  if (!(player.playingOrAsked || player.state === "paused")) return false;
  if (loadedFolder(player) === folder) return true;
  return player.tracks.some((track) => {
    const file = track.source?.path;
    return file !== undefined && realPathOf(file).startsWith(`${folder}/`);
  });
}

/** The lock on the song of `folder` now (undefined: it may be edited); `auditioning` says
 * whether what the player holds is the console's own audition. */
export function playingLock(
  player: Player,
  folder: string,
  auditioning: boolean,
): PlayingLock | undefined {
  if (!playsSong(player, folder)) return undefined;
  return auditioning ? "audition" : "show";
}

/** The refusal of a save while the song is locked (HTTP 423), in words for the page. */
export function lockedMessage(lock: PlayingLock): string {
  return lock === "show"
    ? "this song is playing in the show: edits are refused until it stops, so nothing heard " +
      "changes mid-show (nothing was written)"
    : "this song is playing in your audition: press Stop audition to edit it (nothing was written)";
}

/**
 * Why the console may not stop and unload what the player holds (undefined: it may), unless it
 * is the console's `own` (its audition, or its test signal): the show's song, playing, paused,
 * or standing stopped before the show or between two songs of its setlist.
 */
export function showStopRefusal(player: Player, own: boolean): string | undefined {
  if (own) return undefined;
  if (player.playingOrAsked) return "the show is playing: stop it from the show";
  if (player.tracks.length === 0 && !player.setlist) return undefined;
  return "the show's song is loaded (stopped): the console stops only its own audition and " +
    "test signal, so nothing was stopped";
}

/** Why the console may not start an audition now (undefined: it may): another browser's is
 * loaded and about to play (`starting`), or the player plays (`showHolds`: the show holds it,
 * also paused). */
export function auditionRefusal(
  player: Player,
  starting: boolean,
  showHolds: boolean,
): string | undefined {
  if (starting) return "another browser's audition is starting: stop it first";
  if (player.playingOrAsked || showHolds) {
    return "the show is playing: auditions wait until it stops";
  }
  return undefined;
}
