/**
 * A key or tempo change while playing a streamed song, paused while it waits (review of the
 * streamed change): its rings start 0.15 s ahead of the playhead and the switch waits for the
 * playhead to get there. Paused before it does, the playhead never gets there: the change
 * waited for ever, `keyTempoReady()` never resolved and `play()` was refused ("BUSY", being
 * prepared) for the rest of the show. Now a pause (or a stop, or the song's end) while it
 * waits prepares it again where the playhead stands, as a change made while paused. Private
 * PulseAudio server (an offline engine starts its rings at the playhead). Nothing timed is
 * asserted: the limit only turns a hang into a failure.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { SINK_CHANNELS, withPulseServer } from "./support/pulse.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { sleep, waitFor, within } from "./support/wait.ts";
import { writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48000;

const name =
  "key and tempo: paused while a change of a streamed song waits for the playhead, the change is made where it stands (it waited for ever)";
Deno.test({
  name,
  ignore: ignoreWithout("pulseaudio", name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("pulseaudio", name);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-streamed-pause-" });
    try {
      await withPulseServer(async () => {
        await using player = await Player.open({
          backend: "pulseaudio",
          channels: SINK_CHANNELS,
          sampleRate: RATE,
          blockFrames: 512,
        });
        // At +2 the song is decoded whole; back at 0 it streams, started ahead of the playhead.
        await player.loadSong(await writeToneSong(dir, { transpose: 2 }, "song", 30));
        player.play();
        await waitFor("1 s of playback", () => player.positionFrames >= RATE);
        let preparedAt = -1;
        const prepared = new Promise<void>((resolve) =>
          player.addEventListener("songprepared", () => {
            preparedAt = player.positionFrames;
            resolve();
          }, { once: true })
        );
        player.transpose = 0;
        await prepared; // its rings were started ahead of the playhead
        await sleep(20); // the change now waits for the playhead to get there
        player.pause();
        await waitFor("the pause", () => player.state === "paused");
        const pausedAt = player.positionFrames;
        console.log(`  prepared at frame ${preparedAt}, paused at ${pausedAt}`);
        await within("the change", player.keyTempoReady(), 20000);
        console.log(`  after the change: ${player.state} at ${player.positionFrames}`);
        assert.equal(player.transpose, 0);
        assert.equal(player.keyTempoPreparing, false);
        assert.ok(
          Math.abs(player.positionFrames - pausedAt) < RATE / 10,
          `stands where it was paused: ${player.positionFrames}, paused at ${pausedAt}`,
        );
        player.play(); // not refused
        await waitFor("playing on", () => player.positionFrames > pausedAt + RATE / 2);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
