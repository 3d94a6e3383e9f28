/**
 * Run by tests/process_exit_test.ts: opens a null-backend player, plays a tone briefly, closes
 * it and lets the process exit, which unloads the library. Exit status 0 is the whole check.
 *
 * @module
 */
import { Player } from "../../mod.ts";

const player = await Player.open({ backend: "null", blockFrames: 256 });
const tone = new Float32Array(48000).map((_, i) => 0.1 * Math.sin(i / 10));
player.addTrack([tone, tone]);
player.play();
await new Promise((resolve) => setTimeout(resolve, 150));
await player.close();
