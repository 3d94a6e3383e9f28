/**
 * Run by tests/process_exit_test.ts: opens a null-backend player that streams, plays a streamed
 * song briefly and lets the process exit, closing the player first or not (`--no-close`). The
 * reader thread must be gone before the process unloads the library (a player left playing keeps
 * the process alive until its song ends, a second here). Exit status 0 is the check.
 *
 * @module
 */
import { join } from "node:path";
import { Player } from "../../mod.ts";
import { encodeWav } from "../../src/sources/wav.ts";

const dir = await Deno.makeTempDir({ prefix: "stemplay-exit-" });
const tone = new Float32Array(48000).map((_, i) => 0.1 * Math.sin(i / 10));
await Deno.writeFile(join(dir, "tone.wav"), encodeWav([tone, tone], 48000, "f32"));
await Deno.writeTextFile(
  join(dir, "song.json"),
  JSON.stringify({ title: "exit", tracks: [{ file: "tone.wav" }] }),
);
const player = await Player.open({ backend: "null", blockFrames: 256, streaming: true });
await player.loadSong(join(dir, "song.json"));
player.play();
await new Promise((resolve) => setTimeout(resolve, 150));
if (!Deno.args.includes("--no-close")) await player.close();
await Deno.remove(dir, { recursive: true });
