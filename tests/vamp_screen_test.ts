/**
 * A vamp on the play screen says what it is: "looping Bridge: Enter to leave", and no
 * countdown (no "next: Outro in 3 bars", no "-0:22 left"), since a vamp does not end by
 * itself. After Enter (the last pass) the countdown comes back. Driven for real in tmux;
 * asserts what the screen shows, never how fast.
 */
import assert from "node:assert/strict";
import { CLI } from "./support/cli.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { writeManifest, writeStems } from "./support/songs.ts";
import { Pane } from "./support/tmux_pane.ts";

const COUNTDOWN = /next: Outro in \d+ bars?|-\d+:\d\d\.\d left/;

const name =
  "vamp screen: v shows 'looping Bridge: Enter to leave' and no countdown; Enter brings it back";
Deno.test({
  name,
  ignore: ignoreWithout("tmux", name),
  async fn() {
    requireTool("tmux", name);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-vamp-" });
    const pane = new Pane(100, 40);
    try {
      // Two minutes, so the song is still in its first section when v is pressed.
      await writeStems(dir, [{ file: "tone.wav", seconds: 120, channels: 1, sampleRate: 24000 }]);
      await writeManifest(dir, {
        title: "Vamp",
        tempo: 120,
        timeSignature: [4, 4],
        tracks: [{ file: "tone.wav", name: "Tone" }],
        markers: [{ name: "Bridge", at: 0 }, { name: "Outro", at: 60 }],
      });
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play song.json --play --backend null; echo "exit=$?"`,
        true,
      );
      let screen = await pane.waitFor(
        (s) => s.includes("> PLAYING") && /next: Outro in \d+ bars?/.test(s),
        "playing, with the countdown to Outro",
      );
      assert.match(screen, /-\d+:\d\d\.\d left/);

      await pane.keys("v");
      screen = await pane.waitFor((s) => s.includes("looping Bridge"), "the vamp");
      assert.match(screen, /looping Bridge: Enter to leave/);
      assert.doesNotMatch(screen, COUNTDOWN, `no countdown during a vamp:\n${screen}`);

      await pane.keys("Enter");
      screen = await pane.waitFor((s) => s.includes("last pass"), "the loop's last pass");
      assert.doesNotMatch(screen, /looping Bridge: Enter to leave/);
      assert.match(screen, /next: Outro in \d+ bars?/, "the countdown is back");
      assert.match(screen, /-\d+:\d\d\.\d left/);
      await pane.quit();
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
