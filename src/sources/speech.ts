/**
 * Cue words as audio: a word from a folder of recordings when the user has one, else spoken by
 * the `espeak-ng` program (optional, like ffmpeg: found on PATH, or `$STEMPLAY_ESPEAK_NG`).
 * Either way the word is decoded and resampled like any stem (decode.ts), mixed to mono and
 * trimmed of its silence, so that it ends on its last audible sample.
 *
 * A recording is found by its name: the word in any case, with spaces, `-` or `_` between its
 * parts, with any extension stemplay plays (`Verse 2` is `verse-2.wav`, `Verse_2.flac` or
 * `VERSE 2.mp3`).
 *
 * @module
 */

import { extname, join } from "node:path";
import type { Native } from "../native/native.ts";
import { decodeFile } from "./decode.ts";

/** How to get espeak-ng, for messages. */
export const INSTALL_ESPEAK =
  "install espeak-ng (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew install espeak-ng), " +
  "or set STEMPLAY_ESPEAK_NG to its path, or give recorded words (spokenCues.folder)";

/** Below this (about -60 dBFS) a cue word's edge is silence. */
const SILENCE = 0.001;

/** A word's audio, or why there is none. */
export type SpokenWord = { samples: Float32Array } | { unavailable: string };

/** The words of a cue folder: normalised name → file. */
export type WordFolder = Map<string, string>;

/** "Verse 2", "verse-2", "VERSE_2" → "verse 2". */
export function wordKey(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, " ").trim();
}

/** The audio files of a cue folder by their word (empty when the folder cannot be read). */
export async function readWordFolder(folder: string): Promise<WordFolder> {
  const words: WordFolder = new Map();
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (!entry.isFile || entry.name.startsWith(".")) continue;
      const extension = extname(entry.name);
      if (!extension) continue;
      words.set(wordKey(entry.name.slice(0, -extension.length)), join(folder, entry.name));
    }
  } catch {
    // A missing folder has no words: the voice speaks them, and the screen says so.
  }
  return words;
}

/** The espeak-ng to run: `$STEMPLAY_ESPEAK_NG`, else `espeak-ng` on PATH. */
function espeakProgram(): string {
  try {
    return Deno.env.get("STEMPLAY_ESPEAK_NG") || "espeak-ng";
  } catch {
    return "espeak-ng";
  }
}

/** Decoded mono samples of `path` at `rate`, trimmed of silence at both ends. */
async function decodeWord(native: Native, path: string, rate: number): Promise<Float32Array> {
  const decoded = await decodeFile(native, path, rate);
  const mono = new Float32Array(decoded.frames);
  try {
    const channel = new Float32Array(decoded.frames);
    for (let c = 0; c < decoded.channels; c++) {
      native.sp_pcm_read_channel(decoded.pcm, c, 0n, BigInt(decoded.frames), channel);
      for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / decoded.channels;
    }
  } finally {
    native.sp_pcm_free(decoded.pcm);
  }
  let start = 0;
  let end = mono.length;
  while (start < end && Math.abs(mono[start]) < SILENCE) start++;
  while (end > start && Math.abs(mono[end - 1]) < SILENCE) end--;
  return mono.slice(start, end);
}

/**
 * One cue word at `rate`: the folder's recording of it, else espeak-ng's voice.
 *
 * @param voice an espeak-ng voice ("en", "en-us", "de" …)
 */
export async function speakWord(
  native: Native,
  text: string,
  rate: number,
  voice: string,
  folder?: WordFolder,
): Promise<SpokenWord> {
  const recorded = folder?.get(wordKey(text));
  if (recorded) return { samples: await decodeWord(native, recorded, rate) };
  const file = await Deno.makeTempFile({ prefix: "stemplay-cue-", suffix: ".wav" });
  try {
    const program = espeakProgram();
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command(program, {
        args: ["-v", voice, "-w", file, "--", text],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return { unavailable: `${program} was not found on PATH` };
      }
      if (error instanceof Deno.errors.NotCapable) {
        return { unavailable: `running ${program} needs --allow-run` };
      }
      return { unavailable: `${program} could not be started (${error})` };
    }
    if (!output.success) {
      const said = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
      return { unavailable: `${program} failed for "${text}" (voice "${voice}"): ${said}` };
    }
    return { samples: await decodeWord(native, file, rate) };
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}
