/**
 * One rule for starting (issue 28): on the play screen nothing starts by surprise. A song opens
 * stopped like a setlist, and the screen says that space plays; `--play` starts at once. Piped
 * runs (nobody can press space) play as before. Driven in a real terminal (tmux).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { writeDemoSong } from "../src/cli/demo_song.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

async function withDemo(fn: (pane: Pane) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-start-rule-" });
  const pane = new Pane(100, 30);
  try {
    await writeDemoSong(dir);
    await pane.start(dir);
    await fn(pane);
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const play = (extra = "") =>
  `${Deno.execPath()} run -A ${CLI} play . --backend null ${extra}; echo "exit=$?"`;

const stoppedName = "start rule: a song opens stopped on the screen, and says space plays";
Deno.test({
  name: stoppedName,
  ignore: ignoreWithout("tmux", stoppedName),
  async fn() {
    requireTool("tmux", stoppedName);
    await withDemo(async (pane) => {
      await pane.type(play(), true);
      let screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "the song, stopped");
      assert.match(screen, /> stopped: space plays "stemplay demo" from 0:00\.0/);
      assert.match(screen, /0:00\.0 \//, "still at the start");
      await pane.keys("Space");
      screen = await pane.waitFor((s) => s.includes("> PLAYING"), "space plays");
      await pane.quit();
    });
  },
});

const startName = "start rule: with --start the song opens stopped at that marker, and says so";
Deno.test({
  name: startName,
  ignore: ignoreWithout("tmux", startName),
  async fn() {
    requireTool("tmux", startName);
    await withDemo(async (pane) => {
      await pane.type(play("--start Chorus"), true);
      const screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "stopped at Chorus");
      assert.match(screen, /> stopped: space plays "stemplay demo" from 0:16\.0/);
      await pane.quit();
    });
  },
});

const playName = "start rule: --play starts the song at once";
Deno.test({
  name: playName,
  ignore: ignoreWithout("tmux", playName),
  async fn() {
    requireTool("tmux", playName);
    await withDemo(async (pane) => {
      await pane.type(play("--play"), true);
      await pane.waitFor((s) => s.includes("> PLAYING"), "playing at once");
      const screen = await pane.quit();
      assert.match(screen, /exit=0/);
    });
  },
});
