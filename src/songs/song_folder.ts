/**
 * Song folders without a manifest: every audio file is a track, named after the file, on a
 * guessed bus; other files are ignored, unless their first bytes are audio (an error).
 *
 * @module
 */

import { basename, extname, join, resolve } from "node:path";
import { StemplayError } from "../errors.ts";
import { guessBus } from "../engine/buses.ts";
import {
  AUDIO_EXTENSIONS,
  byName,
  MANIFEST_NAME,
  message,
  type SongDescription,
  type SongTrack,
  stem,
} from "./song_types.ts";

/** What audio looks like in its first bytes, whatever the file is called. */
function looksLikeAudio(head: Uint8Array): boolean {
  const text = String.fromCharCode(...head.subarray(0, 12));
  return /^(RIFF|RF64)....WAVE/s.test(text) || /^FORM....AIF[FC]/s.test(text) ||
    /^(fLaC|OggS|caff|ID3)/.test(text) || /^....ftypM4A/s.test(text);
}

async function readHead(path: string): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true }).catch(() => undefined);
  if (!file) return new Uint8Array(0);
  try {
    const head = new Uint8Array(12);
    const got = await file.read(head);
    return head.subarray(0, got ?? 0);
  } finally {
    file.close();
  }
}

/**
 * The audio files of a folder by name (numeric order), hidden files left out.
 *
 * @throws {StemplayError} `PERMISSION` when the folder cannot be listed; `UNKNOWN_EXTENSION`
 *   for a file that holds audio under a name stemplay does not take
 */
export async function audioFileNames(folder: string): Promise<string[]> {
  const names: string[] = [];
  const others: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      // Hidden files include macOS's "._click.wav" resource forks, which are not audio.
      if (entry.name.startsWith(".")) continue;
      if (AUDIO_EXTENSIONS.includes(extname(entry.name).toLowerCase())) names.push(entry.name);
      else if (entry.isFile) others.push(entry.name);
    }
  } catch (error) {
    throw new StemplayError("PERMISSION", `cannot list ${folder}: ${message(error)}`, {
      path: folder,
      cause: error,
    });
  }
  // A file ignored for its name must not be audio: a band would play without it.
  for (const name of others.sort(byName)) {
    if (looksLikeAudio(await readHead(join(folder, name)))) {
      throw new StemplayError(
        "UNKNOWN_EXTENSION",
        `${join(folder, name)} holds audio, but "${extname(name) || "no extension"}" is not an ` +
          `audio file name stemplay takes (${AUDIO_EXTENSIONS.join(" ")}): rename it (e.g. to ` +
          `${stem(name)}.wav for a WAV file) so it plays as a track, or move it out of the folder`,
        { path: join(folder, name) },
      );
    }
  }
  return names.sort(byName);
}

/**
 * Reads a folder without a manifest: its audio files ({@linkcode AUDIO_EXTENSIONS}) each become
 * a track named after the file, sorted by name, on a guessed bus.
 *
 * @throws {StemplayError} `PERMISSION`, `UNKNOWN_EXTENSION`, `EMPTY`, `IS_DIRECTORY`,
 *   `DUPLICATE_NAME`
 */
export async function readFolder(folder: string): Promise<SongDescription> {
  const names = await audioFileNames(folder);
  if (names.length === 0) {
    throw new StemplayError(
      "EMPTY",
      `${folder} holds no audio files (${AUDIO_EXTENSIONS.join(" ")}) and no ${MANIFEST_NAME}`,
      { path: folder },
    );
  }
  const tracks: SongTrack[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(folder, name);
    if ((await Deno.stat(file)).isDirectory) {
      throw new StemplayError("IS_DIRECTORY", `${file} is a folder, not an audio file`, {
        path: file,
      });
    }
    const trackName = stem(name);
    const other = seen.get(trackName.toLowerCase());
    if (other !== undefined) {
      throw new StemplayError(
        "DUPLICATE_NAME",
        `${name} and ${other} in ${folder} would both be the track "${trackName}": ` +
          `rename one, or write a ${MANIFEST_NAME}`,
        { path: file },
      );
    }
    seen.set(trackName.toLowerCase(), name);
    // The folder guess: click, guide, cue or count in the name → in-ears, else FOH.
    tracks.push({
      file,
      keyPath: name,
      options: { name: trackName, bus: guessBus(name), busGuessed: true },
    });
  }
  return {
    path: folder,
    kind: "folder",
    title: basename(resolve(folder)),
    tracks,
    markers: [],
    tempo: [],
    generateClick: false,
  };
}
