/**
 * Buses and song picks on the play screen: a folder song's guessed buses are marked with a
 * `?`, the in-ears on a 2-output device are said to be muted on a loud line of their own
 * (the click is never folded into front of house), and in a setlist `g` then a number goes to
 * that song (asking first while one plays).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { writeStems } from "./support/songs.ts";
import { Pane } from "./support/tmux_pane.ts";
import { CLI } from "./support/cli.ts";

async function withPane(fn: (pane: Pane, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-tui-buses-" });
  const pane = new Pane(100, 30);
  try {
    await writeStems(join(dir, "Song A"), [
      { file: "01 Click.wav", channels: 1, seconds: 30 },
      { file: "02 Bass.wav", seconds: 30 },
    ]);
    await writeStems(join(dir, "Song B"), [{ file: "Keys.wav", seconds: 30 }]);
    await Deno.writeTextFile(
      join(dir, "setlist.json"),
      JSON.stringify({ title: "Sunday", songs: ["Song A", "Song B"] }),
    );
    await pane.start(dir);
    await fn(pane, dir);
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const missingName =
  "tui buses: in-ears without outputs are muted and said loudly; guesses show a ?";
Deno.test({
  name: missingName,
  ignore: ignoreWithout("tmux", missingName),
  async fn() {
    requireTool("tmux", missingName);
    await withPane(async (pane) => {
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play "Song A" --play --backend null --channels 2; echo "exit=$?"`,
        true,
      );
      const screen = await pane.waitFor((s) => s.includes("> PLAYING"), "playing");
      assert.match(
        screen,
        /!! BUS "in-ears" HAS NO OUTPUTS: it needs outputs 3-4, the device has 1-2\. MUTED: 01 Click/,
      );
      assert.match(screen, /1 {2}01 Click .* in-ears\? NONE/);
      assert.match(screen, /2 {2}02 Bass .* FOH\? 1\+2/);
      await pane.quit();
    });
  },
});

const pickName = "tui buses: g then a number picks a setlist song, asking first during playback";
Deno.test({
  name: pickName,
  ignore: ignoreWithout("tmux", pickName),
  async fn() {
    requireTool("tmux", pickName);
    await withPane(async (pane) => {
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null --channels 4; ` +
          `echo "exit=$?"`,
        true,
      );
      let screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "the setlist, stopped");
      assert.match(screen, /1 {2}01 Click .* in-ears\? 3\+4/);
      await pane.keys("Space");
      await pane.waitFor((s) => s.includes("> PLAYING"), "playing");
      await pane.keys("g");
      await pane.waitFor((s) => s.includes("song: press its number (1-2)"), "g asks for a number");
      await pane.keys("2");
      screen = await pane.waitFor((s) => s.includes("press g 2 again"), "the pick asks");
      assert.match(screen, /> go to 2\. Song B\? the song is playing: press g 2 again within 2 s/);
      await pane.pressAgain("g", "2");
      // The song and the setlist line change together with the switch; the stop shows once the
      // audio side has taken it (a screen drawn between the two reads PLAYING at 0:00).
      screen = await pane.waitFor(
        (s) => /^ {2}now {3}2\. Song B$/m.test(s) && s.includes("[] STOPPED"),
        "song 2 current, stopped",
      );
      assert.match(screen, /stemplay {2}Song B/);
      await pane.quit();
    });
  },
});
