/**
 * Songs for the song tests: small tone stems written into a folder, a player already playing
 * a song, and a check that a failed load left that song exactly as it was.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../../src/player/player.ts";
import { encodeWav, type WavFormat } from "../../src/sources/wav.ts";
import { tone } from "./fixtures.ts";

/** One stem to write: a tone of `frequency` Hz. */
export interface StemSpec {
  file: string;
  frequency?: number;
  seconds?: number;
  channels?: number;
  sampleRate?: number;
  format?: WavFormat;
}

/** Writes WAV stems into `dir` (created if needed). @returns `dir` */
export async function writeStems(dir: string, stems: StemSpec[]): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const stem of stems) {
    const rate = stem.sampleRate ?? 48000;
    const pcm = tone(stem.frequency ?? 440, stem.seconds ?? 0.5, rate, stem.channels ?? 2);
    await Deno.writeFile(join(dir, stem.file), encodeWav(pcm, rate, stem.format ?? "s16"));
  }
  return dir;
}

/** Writes a song.json into `dir`. @returns its path */
export async function writeManifest(dir: string, manifest: unknown): Promise<string> {
  const path = join(dir, "song.json");
  await Deno.writeTextFile(path, JSON.stringify(manifest, null, 2));
  return path;
}

/** What must not change when a load fails. */
export interface SongSnapshot {
  title: string;
  names: string[];
  slots: number[];
  memoryBytes: number;
  state: string;
  positionFrames: number;
  group: number;
  durationFrames: number;
}

/** Everything observable about the current song. */
export function snapshot(player: Player): SongSnapshot {
  return {
    title: player.title,
    names: player.tracks.map((track) => track.name),
    slots: player.tracks.map((track) => track.slot),
    memoryBytes: player.memoryBytes,
    state: player.state,
    positionFrames: player.positionFrames,
    group: player.currentGroup,
    durationFrames: player.durationFrames,
  };
}

/** An offline 4-output player playing a two-stem song ("Old song": bass.wav, keys.wav, 1 s),
 * 4096 frames in. Close it when done. */
export async function playerPlayingOldSong(dir: string): Promise<Player> {
  const folder = await writeStems(join(dir, "old"), [
    { file: "bass.wav", frequency: 110, seconds: 1 },
    { file: "keys.wav", frequency: 660, seconds: 1, channels: 1 },
  ]);
  await writeManifest(folder, {
    title: "Old song",
    tracks: [{ file: "bass.wav" }, { file: "keys.wav", route: [1, 2] }],
  });
  const player = await Player.open({ backend: "offline", channels: 4, trackCapacity: 8 });
  await player.loadSong(folder);
  player.play();
  player.render(4096);
  assert.equal(player.state, "playing");
  return player;
}

/** Asserts the failed load changed nothing, and that the old song still sounds. */
export function assertUntouched(player: Player, before: SongSnapshot): void {
  assert.deepEqual(snapshot(player), before);
  for (const track of player.tracks) assert.equal(track.removed, false);
  const out = player.render(1024);
  const peak = out[0].reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
  assert.ok(peak > 0.05, `the old song went silent (peak ${peak})`);
}

/** A song folder `dir/name` of 2 s sine stems named `files`, whose song.json lists
 * `manifestFiles` (default: the same files; give others to make a stem go missing). */
export async function writeSineSong(
  dir: string,
  name: string,
  files: string[],
  manifestFiles = files,
): Promise<string> {
  const rate = 48000;
  const folder = join(dir, name);
  await Deno.mkdir(folder, { recursive: true });
  const samples = new Float32Array(2 * rate).map((_, i) => 0.1 * Math.sin(i / 30));
  for (const file of files) {
    await Deno.writeFile(join(folder, file), encodeWav([samples], rate, "s16"));
  }
  const tracks = manifestFiles.map((file) => ({ file }));
  await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify({ title: name, tracks }));
  return folder;
}

/** One stem of a song written by {@link writeSongFolder}: its samples, and its manifest keys. */
export interface SongStem {
  /** The file name in the song folder. */
  file: string;
  /** Planar samples, one array per channel. */
  pcm: Float32Array[];
  /** The file's sample rate. */
  rate: number;
  /** The WAV sample format (default "f32"). */
  format?: WavFormat;
  /** Keys of its entry in `tracks` besides `file` (name, route, gain, ...). */
  track?: Record<string, unknown>;
}

/** Writes a song folder `dir/name`: each stem as a WAV file, and a song.json titled `name`
 * listing them in order, with `manifest`'s keys added. @returns the folder */
export async function writeSongFolder(
  dir: string,
  name: string,
  stems: SongStem[],
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const folder = join(dir, name);
  await Deno.mkdir(folder, { recursive: true });
  for (const stem of stems) {
    await Deno.writeFile(
      join(folder, stem.file),
      encodeWav(stem.pcm, stem.rate, stem.format ?? "f32"),
    );
  }
  const tracks = stems.map((stem) => ({ file: stem.file, ...stem.track }));
  await writeManifest(folder, { title: name, tracks, ...manifest });
  return folder;
}

/** A song at 120 bpm (2 s a bar): one stereo tone stem "bass.wav" of `seconds` on outputs
 * 1-2, titled `name`, with `extra` manifest keys. @returns the folder */
export async function writeTempoSong(
  dir: string,
  name: string,
  seconds: number,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const folder = join(dir, name);
  await writeStems(folder, [{ file: "bass.wav", seconds }]);
  await writeManifest(folder, {
    title: name,
    tempo: 120,
    tracks: [{ file: "bass.wav", route: [1, 2] }],
    ...extra,
  });
  return folder;
}

/** One mono stem of {@linkcode writeRoutedSong}: its file name, samples and `pitched` key. */
export interface RoutedStem {
  file: string;
  samples: Float32Array;
  pitched: boolean;
}

/** A song folder `dir/song` at 120 bpm: each stem a mono float WAV at `rate` on its own output
 * (the first on output 1, …), with its `pitched` key. @returns the folder */
export async function writeRoutedSong(
  dir: string,
  rate: number,
  stems: RoutedStem[],
): Promise<string> {
  const folder = join(dir, "song");
  await Deno.mkdir(folder, { recursive: true });
  for (const { file, samples } of stems) {
    await Deno.writeFile(join(folder, file), encodeWav([samples], rate, "f32"));
  }
  await writeManifest(folder, {
    tempo: 120,
    tracks: stems.map(({ file, pitched }, index) => ({ file, route: [index + 1], pitched })),
  });
  return folder;
}
