/**
 * A small show for the remote surfaces' tests: a setlist of two songs, each a folder with a
 * song.json (tempo 120 in 4/4, so a bar is 2 s; markers Intro 0 s, Verse 4 s, Chorus 8 s,
 * Bridge 12 s) and five tone stems, loaded on a fresh player.
 *
 * @module
 */

import { join } from "node:path";
import { Player, type PlayerOptions } from "../../src/player/player.ts";
import { writeManifest, writeStems } from "./songs.ts";
import { type OscServer, serveOsc } from "../../src/control/osc.ts";

/** The songs of the setlist, in order. */
export const SONG_TITLES = ["Amazing Grace", "Way Maker"];
/** The tracks of each song, in order (numbers from 1 on the screen). */
export const TRACK_NAMES = ["Click", "Guide", "Bass", "Keys", "Pad"];
/** The markers of each song, with their times in seconds. */
export const MARKERS = [
  { name: "Intro", at: 0 },
  { name: "Verse", at: 4 },
  { name: "Chorus", at: 8 },
  { name: "Bridge", at: 12 },
];
/** Each song's length in seconds. */
export const SONG_SECONDS = 20;

/** Writes the setlist and its songs into `dir`. @returns the setlist's path */
export async function writeShow(dir: string): Promise<string> {
  const entries: string[] = [];
  for (const [index, title] of SONG_TITLES.entries()) {
    const folder = join(dir, `song${index + 1}`);
    await writeStems(
      folder,
      TRACK_NAMES.map((name, track) => ({
        file: `${name.toLowerCase()}.wav`,
        seconds: SONG_SECONDS,
        channels: 1,
        frequency: 110 * (track + 1) * (index + 1),
      })),
    );
    await writeManifest(folder, {
      title,
      tempo: 120,
      markers: MARKERS,
      tracks: TRACK_NAMES.map((name) => ({ file: `${name.toLowerCase()}.wav`, name })),
    });
    entries.push(`song${index + 1}`);
  }
  const path = join(dir, "setlist.json");
  await Deno.writeTextFile(path, JSON.stringify({ title: "Sunday morning", songs: entries }));
  return path;
}

/**
 * Runs `fn` with a player that has the show's setlist loaded (song 1, stopped), then closes
 * the player and removes the files.
 */
export async function withShow(
  options: PlayerOptions,
  fn: (player: Player, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-show-" });
  const player = await Player.open({
    sampleRate: 48000,
    channels: 2,
    blockFrames: 256,
    ...options,
  });
  try {
    await player.loadSetlist(await writeShow(dir));
    await fn(player, dir);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A null-device player with the show and an OSC server on loopback. */
export async function withOsc(
  fn: (player: Player, osc: OscServer) => Promise<void>,
): Promise<void> {
  await withShow({ backend: "null" }, async (player) => {
    const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
    try {
      await fn(player, osc);
    } finally {
      await osc.close();
    }
  });
}

/** An offline 4-output player at `sampleRate` and a temporary folder, both gone afterwards. */
export async function withOfflinePlayer(
  sampleRate: number,
  fn: (player: Player, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-offline-" });
  const player = await Player.open({ backend: "offline", sampleRate, channels: 4 });
  try {
    await fn(player, dir);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}
