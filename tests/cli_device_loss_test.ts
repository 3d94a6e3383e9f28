/**
 * Device loss as a user meets it: `stemplay play` on a real PulseAudio server in a tmux pane,
 * the server killed mid-song, the screen saying it recovers, the player coming back by itself
 * once the server is back (the CLI's default recovery, in-time), and q after a second loss
 * exiting with code 1 and the terminal restored. Waits check what the screen shows.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeWav } from "../src/sources/wav.ts";
import { PulseServer } from "./support/pulse.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane, shownPosition } from "./support/tmux_pane.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const RATE = 48000;

const name = "cli: a lost device shows on screen, recovers by itself, q after a loss exits 1";
Deno.test({
  name,
  ignore: ignoreWithout("tmux", name) || ignoreWithout("pulseaudio", name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("tmux", name);
    requireTool("pulseaudio", name);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-loss-" });
    const server = await PulseServer.start();
    const pane = new Pane(100, 30);
    try {
      const tone = new Float32Array(60 * RATE).map((_, i) => 0.1 * Math.sin(i / 20));
      await Deno.writeFile(join(dir, "tone.wav"), encodeWav([tone], RATE, "s16"));
      await pane.start(dir);
      const env = Object.entries(server.env).map(([key, value]) => `${key}=${value}`).join(" ");
      await pane.type(
        `env ${env} ${Deno.execPath()} run -A ${CLI} play tone.wav --play --backend pulseaudio ` +
          `--channels 4 --rate ${RATE} --block 1024; echo "exit=$?"`,
        true,
      );
      await pane.waitFor((s) => s.includes("> PLAYING") && shownPosition(s) >= 1, "playing");

      await server.kill();
      let screen = await pane.waitFor(
        (s) =>
          s.includes("!! DEVICE LOST") && /DEVICE LOST — recovering \(retry in \d+ s\)/.test(s),
        "the loss shown",
      );
      const lostAt = shownPosition(screen);

      await server.restart();
      screen = await pane.waitFor(
        (s) => s.includes("> PLAYING") && s.includes("health: ok  losses 1  recoveries 1"),
        "the device back by itself",
      );
      screen = await pane.waitFor((s) => shownPosition(s) > lostAt + 1, "playing on");
      assert.ok(shownPosition(screen) < lostAt + 30, "it resumed near where it stopped");
      await pane.keys("r");
      await pane.waitFor((s) => s.includes("> the device is fine"), "r with a working device");

      await server.kill();
      await pane.waitFor((s) => s.includes("!! DEVICE LOST"), "the second loss shown");
      await pane.keys("q");
      screen = await pane.waitFor((s) => /exit=\d+/.test(s), "the exit");
      assert.match(screen, /exit=1/);
      assert.match(screen, /the audio device .* was lost/);
      assert.equal(await pane.flag("alternate_on"), "0", "the normal screen is back");
    } finally {
      await pane.close();
      await server.stop().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
