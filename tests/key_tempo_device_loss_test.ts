/**
 * A key change while the device is lost mid-song: the show is still on (the state reads
 * "error" and the recovery resumes it), so the change is taken as one while playing (a
 * crossfade the callback takes when it runs again), never a stopped switch, which would stop
 * the show (a review found it did). Private PulseAudio server, killed and started again.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { SINK_CHANNELS, withPulseServer } from "./support/pulse.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { waitFor } from "./support/wait.ts";
import { writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48000;
const name =
  "key and tempo: a key change while the device is lost mid-song is taken while playing (the show plays on after recovery, at the new key)";
Deno.test({
  name,
  ignore: ignoreWithout("pulseaudio", name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("pulseaudio", name);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-attack-loss-" });
    try {
      await withPulseServer(async (server) => {
        let player: Player | undefined;
        try {
          player = await Player.open({
            backend: "pulseaudio",
            channels: SINK_CHANNELS,
            sampleRate: RATE,
            blockFrames: 512,
            recovery: "where-lost",
          });
          await player.loadSong(await writeToneSong(dir, {}, "song", 30));
          player.play();
          await waitFor("1 s of playback", () => player!.positionFrames >= RATE);
          await server.kill();
          await waitFor("the loss", () => player!.state === "error", 5000);
          let refused: unknown;
          try {
            player.transpose = 2; // the operator, during the loss
          } catch (error) {
            refused = error;
          }
          const accepted = refused === undefined;
          if (accepted) await player.keyTempoReady().catch(() => {});
          await server.restart();
          await waitFor("the recovery", () => player!.health.status === "ok", 20000);
          await new Promise((resolve) => setTimeout(resolve, 500));
          console.log(
            `  set during the loss: ${accepted ? "accepted" : `refused (${refused})`}; ` +
              `after recovery: ${player.state} at ${player.positionFrames}`,
          );
          assert.ok(accepted, `refused: ${refused}`);
          assert.equal(player.state, "playing", "the show plays on");
          assert.equal(player.transpose, 2);
          assert.ok(player.positionFrames > RATE, "from where it was, not stopped at the top");
        } finally {
          if (player && !player.closed) await player.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
