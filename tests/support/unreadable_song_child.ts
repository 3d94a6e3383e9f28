/**
 * Run by tests/bad_input_test.ts as the `nobody` user (root can read a file of mode 000, so
 * the check needs another user): plays a song, tries to load the song folder given (which
 * holds a file nobody may read), and prints one JSON line: the error's code, path and message,
 * and whether the old song was left untouched.
 *
 * Usage: deno run -A unreadable_song_child.ts <unused> <song folder>
 *
 * @module
 */
import { StemplayError } from "../../src/errors.ts";
import { assertUntouched, playerPlayingOldSong, snapshot } from "./songs.ts";

const folder = Deno.args[1];
const scratch = await Deno.makeTempDir();
const player = await playerPlayingOldSong(scratch);
const before = snapshot(player);
const result: Record<string, unknown> = { uid: Deno.uid() };
try {
  await player.loadSong(folder);
  result.code = "LOADED";
} catch (error) {
  result.code = error instanceof StemplayError ? error.code : String(error);
  result.path = error instanceof StemplayError ? error.path : undefined;
  result.message = error instanceof Error ? error.message : String(error);
}
try {
  assertUntouched(player, before);
  result.untouched = true;
} catch (error) {
  result.untouched = false;
  result.untouchedError = String(error);
}
await player.close();
await Deno.remove(scratch, { recursive: true });
console.log(JSON.stringify(result));
