/**
 * Run by tests/process_exit_test.ts: reopens a null-backend player's device twice at once, 40
 * times (a double tap on the remote's reopen). Exit status 0 is the whole check.
 *
 * @module
 */
import { Player } from "../../mod.ts";

const player = await Player.open({ backend: "null", blockFrames: 256 });
const tone = new Float32Array(48000).map((_, i) => 0.1 * Math.sin(i / 10));
player.addTrack([tone, tone]);
player.play();
for (let i = 0; i < 40; i++) {
  await Promise.all([player.reopen({ backend: "null" }), player.reopen({ backend: "null" })]);
}
await player.close();
