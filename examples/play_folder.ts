/**
 * Plays a folder of stems (or a song.json) on the default audio device, all tracks locked.
 *
 * `deno run --allow-ffi --allow-read --allow-write --allow-run --allow-env examples/play_folder.ts <folder>`
 *
 * @module
 */
import { Player, StemplayError } from "../mod.ts";

const folder = Deno.args[0];
if (!folder) throw new Error("usage: play_folder.ts <folder of audio files, or a song.json>");

let player: Player;
try {
  player = await Player.open(); // the default device of the default backend
} catch (error) {
  if (!(error instanceof StemplayError) || error.code !== "DEVICE") throw error;
  console.error("no audio device here: playing to the null device (silent) instead");
  player = await Player.open({ backend: "null" });
}
const song = await player.loadSong(folder);
console.log(`${song.title}: ${song.tracks.length} tracks, ${player.duration.toFixed(1)} s`);
player.play();
await player.finished;
await player.close();
