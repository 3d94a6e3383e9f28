/**
 * `stemplay init FOLDER`: writes a first song.json for a folder of exported stems (see
 * src/songs/song_draft.ts), validated and written as `saveSong` writes. An existing song.json
 * is kept unless --force.
 *
 * @module
 */

import { join } from "node:path";
import { StemplayError } from "../errors.ts";
import { saveSong } from "../songs/save_song.ts";
import { draftSong } from "../songs/song_draft.ts";
import { detectTempo } from "../sources/detect_tempo.ts";
import { MANIFEST_NAME } from "../songs/song.ts";
import { parseFlags, stringFlag, UsageError } from "./args.ts";
import { HELP } from "./help.ts";

const COMMAND = "stemplay init";

/** The flags of `stemplay init`. */
export const INIT_FLAGS = {
  force: { type: "boolean" },
  midi: { type: "string" },
  markers: { type: "string" },
} as const;

/** Runs `stemplay init …` and returns the exit code. */
export async function initCommand(args: string[]): Promise<number> {
  const parsed = parseFlags(COMMAND, args, INIT_FLAGS);
  if (parsed.flags.help) {
    console.log(HELP.init);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      parsed.positionals.length === 0
        ? `${COMMAND}: give the folder of stems (see ${COMMAND} --help)`
        : `${COMMAND}: takes one folder, got ${parsed.positionals.length}: ${
          parsed.positionals.join(" ")
        }`,
    );
  }
  const [folder] = parsed.positionals;
  const info = await Deno.stat(folder).catch(() => undefined);
  if (!info?.isDirectory) {
    throw new StemplayError("FILE_NOT_FOUND", `${folder} is not a folder of stems`, {
      path: folder,
    });
  }
  const manifest = join(folder, MANIFEST_NAME);
  if (!parsed.flags.force && await Deno.stat(manifest).then(() => true, () => false)) {
    throw new StemplayError(
      "FILE_EXISTS",
      `${manifest} already exists: it is kept (give --force to replace it)`,
      { path: manifest },
    );
  }
  const draft = await draftSong(folder, {
    midi: stringFlag(parsed, "midi"),
    markersFrom: stringFlag(parsed, "markers"),
    detectTempo,
  });
  await saveSong(manifest, draft.manifest);
  const tracks = draft.manifest.tracks as { file: string; bus: string }[];
  console.log(`wrote ${manifest}: ${tracks.length} tracks`);
  for (const track of tracks) console.log(`  ${track.file} -> ${track.bus} (guessed)`);
  for (const note of draft.notes) console.log(note);
  return 0;
}
