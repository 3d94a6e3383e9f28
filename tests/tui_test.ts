/**
 * The play screen driven for real: `stemplay play` runs in a tmux pane of a fixed size (a
 * real pseudo-terminal), keys are sent as a user types them, and the pane is captured and read.
 * Waits have generous limits and assert on what the screen shows, never on how fast.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { writeDemoSong } from "../src/cli/demo_song.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { childOf, Pane, PROMPT, shownPosition, trackRow } from "./support/tmux_pane.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const COLUMNS = 100;
const ROWS = 30;

async function withDemo(fn: (pane: Pane, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const pane = new Pane(COLUMNS, ROWS);
  try {
    await writeDemoSong(dir);
    await pane.start(dir);
    await fn(pane, dir);
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const playCommand = (extra = "") =>
  `stty -g > before.tty; ${Deno.execPath()} run -A ${CLI} play . --play --backend null ${extra}` +
  `; echo "exit=$?"; stty -g > after.tty`;

const keysName = "tui: keys change the screen, and q gives the terminal back";
Deno.test({
  name: keysName,
  ignore: ignoreWithout("tmux", keysName),
  async fn() {
    requireTool("tmux", keysName);
    await withDemo(async (pane, dir) => {
      await pane.type(playCommand(), true);
      let screen = await pane.waitFor((s) => s.includes("> PLAYING"), "the screen, playing");
      assert.equal(await pane.flag("alternate_on"), "1", "the screen is on the alternate buffer");
      assert.equal(await pane.flag("cursor_flag"), "0", "the cursor is hidden");
      assert.match(screen, /stemplay {2}stemplay demo/);
      for (const [number, name] of [[1, "Click"], [2, "Bass"], [3, "Pad"], [4, "Guide"]]) {
        assert.match(
          trackRow(screen, number as number),
          new RegExp(`${name} +-\\d\\.\\d dB +\\. \\.`),
        );
      }
      assert.match(
        screen,
        /device: NULL Playback Device \(Null\) {2}48000 Hz {2}2 ch {2}block \d+/,
      );
      assert.match(screen, /monitor: off/);
      // The position moves while playing.
      const first = shownPosition(screen);
      screen = await pane.waitFor((s) => shownPosition(s) > first, "the position to move");

      // space: paused, and the position holds still.
      await pane.keys("Space");
      screen = await pane.waitFor((s) => s.includes("|| PAUSED"), "the paused state");
      let paused = shownPosition(screen);
      screen = await pane.waitFor((s) => {
        const now = shownPosition(s);
        const settled = now === paused;
        paused = now;
        return settled;
      }, "the position to settle");
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(shownPosition(await pane.capture()), paused, "no movement while paused");

      // 2 then m: track 2 selected and muted; the others untouched.
      await pane.keys("2", "m");
      screen = await pane.waitFor((s) => /^ {2}> +2 {2}Bass .* M \. /m.test(s), "M on track 2");
      assert.match(trackRow(screen, 1), /^ {3,}1 {2}Click .* \. \. /);
      assert.match(screen, /> Bass muted/);

      // l: the monitor line appears with figures.
      await pane.keys("l");
      screen = await pane.waitFor((s) => /monitor: mean \d/.test(s), "the monitor line");
      assert.match(
        screen,
        /monitor: mean [\d.]+ ms {2}p99 [\d.]+ ms {2}load [\d.]+% {2}overruns \d+/,
      );

      // →: five seconds on, still paused.
      await pane.keys("Right");
      screen = await pane.waitFor(
        (s) => Math.abs(shownPosition(s) - (paused + 5)) < 0.01,
        `the position at ${paused + 5}`,
      );
      assert.match(screen, /\|\| PAUSED/);

      // q: the shell is back, on the normal screen, cursor shown, the tty as it was.
      await pane.keys("q");
      screen = await pane.waitFor((s) => s.includes("exit=0"), "the exit status");
      assert.doesNotMatch(screen, /space play\/pause/, "the screen is gone");
      assert.match(screen, /stemplay: left "stemplay demo" at \d:\d\d\.\d of 0:24\.0 \(paused\)/);
      await pane.waitFor((s) => s.trimEnd().endsWith(PROMPT.trim()), "the prompt");
      assert.equal(await pane.flag("alternate_on"), "0", "back on the normal screen");
      assert.equal(await pane.flag("cursor_flag"), "1", "the cursor is visible again");
      const before = await Deno.readTextFile(`${dir}/before.tty`);
      const after = await Deno.readTextFile(`${dir}/after.tty`);
      assert.equal(after, before, "the terminal settings are restored");
    });
  },
});

const signalName = "tui: Ctrl-C and SIGTERM also restore the terminal";
Deno.test({
  name: signalName,
  ignore: ignoreWithout("tmux", signalName),
  async fn() {
    requireTool("tmux", signalName);
    await withDemo(async (pane, dir) => {
      // Ctrl-C in raw mode arrives as a key: during playback it asks like q, and a second one
      // is an interrupt, exit 130 as documented, terminal restored first.
      await pane.type(playCommand("--start Chorus"), true);
      let screen = await pane.waitFor((s) => s.includes("marker: Chorus"), "the screen at Chorus");
      await pane.keys("C-c");
      await pane.waitFor((s) => s.includes("press Ctrl-C or q again"), "Ctrl-C asks");
      await pane.pressAgain("C-c");
      screen = await pane.waitFor((s) => /exit=\d/.test(s), "the exit status after Ctrl-C");
      assert.match(screen, /exit=130/);
      assert.match(screen, /stopped by SIGINT/);
      assert.equal(await pane.flag("alternate_on"), "0");
      assert.equal(await pane.flag("cursor_flag"), "1");
      assert.equal(
        await Deno.readTextFile(`${dir}/after.tty`),
        await Deno.readTextFile(`${dir}/before.tty`),
      );
      // SIGTERM from outside: exit 143, terminal restored.
      await pane.type("clear", true);
      await pane.type(playCommand(), true);
      await pane.waitFor((s) => s.includes("> PLAYING"), "the screen, playing");
      const player = await childOf(Number(await pane.flag("pane_pid")));
      Deno.kill(player, "SIGTERM");
      screen = await pane.waitFor((s) => /exit=\d/.test(s), "the exit status after SIGTERM");
      assert.match(screen, /exit=143/);
      assert.equal(await pane.flag("alternate_on"), "0");
      assert.equal(await pane.flag("cursor_flag"), "1");
      assert.equal(
        await Deno.readTextFile(`${dir}/after.tty`),
        await Deno.readTextFile(`${dir}/before.tty`),
      );
    });
  },
});

const markersName = "tui: Home, markers, solo and gain keys";
Deno.test({
  name: markersName,
  ignore: ignoreWithout("tmux", markersName),
  async fn() {
    requireTool("tmux", markersName);
    await withDemo(async (pane) => {
      await pane.type(playCommand(), true);
      await pane.waitFor((s) => s.includes("> PLAYING"), "the screen, playing");
      await pane.keys("Space");
      await pane.waitFor((s) => s.includes("|| PAUSED"), "the paused state");
      const at = (seconds: number) => (s: string) => Math.abs(shownPosition(s) - seconds) < 0.01;
      await pane.keys("Home");
      await pane.waitFor(at(0), "the start");
      await pane.keys("]");
      let screen = await pane.waitFor(at(8), "the Verse marker at 0:08.0");
      assert.match(screen, /marker: Verse/);
      await pane.keys("]");
      screen = await pane.waitFor(at(16), "the Chorus marker at 0:16.0");
      assert.match(screen, /marker: Chorus/);
      await pane.keys("[");
      screen = await pane.waitFor(at(8), "back to Verse (just past Chorus goes one further)");
      assert.match(screen, /marker: Verse/);

      await pane.keys("3", "s");
      screen = await pane.waitFor((s) => /^ {2}> +3 {2}Pad .* \. S /m.test(s), "S on track 3");
      await pane.keys("+");
      await pane.waitFor((s) => /Pad +-3\.0 dB/.test(s), "Pad up 1 dB to -3.0 dB");
      await pane.keys("-", "-");
      await pane.waitFor((s) => /Pad +-5\.0 dB/.test(s), "Pad down 2 dB to -5.0 dB");
      await pane.keys("0");
      screen = await pane.waitFor((s) => /Pad +-4\.0 dB/.test(s), "Pad back to its -4.0 dB");
      assert.match(screen, /> Pad back to -4\.0 dB/);
      assert.match(trackRow(screen, 2), /Bass +-3\.0 dB +\. \. /, "other tracks untouched");
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit status");
    });
  },
});

const safetyName =
  "tui: q asks during playback; . stops with the count-in armed; c counts in a single song";
Deno.test({
  name: safetyName,
  ignore: ignoreWithout("tmux", safetyName),
  async fn() {
    requireTool("tmux", safetyName);
    await withDemo(async (pane) => {
      await pane.type(playCommand("--start Chorus"), true);
      let screen = await pane.waitFor((s) => s.includes("> PLAYING"), "playing");

      // q while playing: a question, the song plays on.
      await pane.keys("q");
      screen = await pane.waitFor((s) => s.includes("press q again"), "q asks");
      assert.match(screen, /> quit\? the song is playing: press q again within 2 s/);
      assert.match(screen, /> PLAYING/);
      const before = shownPosition(screen);
      await pane.waitFor((s) => shownPosition(s) > before, "still playing");

      // c: count-in on; . : stopped at the start, armed; space: the count-in plays.
      await pane.keys("c");
      await pane.waitFor((s) => s.includes("count-in: 1 bar"), "count-in on");
      await pane.keys(".");
      await pane.waitFor((s) => s.includes("press . again"), ". asks while playing");
      await pane.pressAgain(".");
      screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "stopped");
      assert.match(screen, /> stopped at the start \(count-in: 1 bar armed\)/);
      assert.equal(shownPosition(screen), 0);
      await pane.keys("Space");
      // (The bus-problem line above may name "the count-in" too: wait for the message itself.)
      screen = await pane.waitFor(
        (s) => s.includes("> playing after a 1-bar count-in"),
        "counting in",
      );

      // q, q: quits.
      screen = await pane.quit();
      assert.match(screen, /exit=0/);
    });
  },
});
