/**
 * Picking a song by its number on the play screen when the setlist is longer than 9 songs:
 * `g`, the digits (shown as they are typed), then Enter; a number that can only mean one song
 * goes at once (and the Enter after it is the pick's, not "leave the loop"); Esc or x
 * cancels; a number past the end is said and changes nothing. Driven for real in a tmux pane.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { writeStems } from "./support/songs.ts";
import { Pane } from "./support/tmux_pane.ts";
import { CLI } from "./support/cli.ts";

const SONGS = 12;

/** A 12-song setlist ("Song 1" … "Song 12", one short stem each), its screen started. */
async function withSetlist(fn: (pane: Pane) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-tui-pick-" });
  const pane = new Pane(100, 40);
  try {
    const songs: string[] = [];
    for (let n = 1; n <= SONGS; n++) {
      await writeStems(join(dir, `Song ${n}`), [{ file: "Keys.wav", seconds: 20 }]);
      songs.push(`Song ${n}`);
    }
    await Deno.writeTextFile(join(dir, "setlist.json"), JSON.stringify({ title: "Long", songs }));
    await pane.start(dir);
    await pane.type(
      `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null; echo "exit=$?"`,
      true,
    );
    await pane.waitFor((s) => s.includes("[] STOPPED"), "the setlist, stopped");
    await fn(pane);
    await pane.quit();
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The song the setlist window marks as current. */
const current = (n: number) => (screen: string) =>
  new RegExp(`^ {2}now {3}${n}\\. Song ${n}$`, "m").test(screen) &&
  screen.includes(`(song ${n} of ${SONGS})`);

const goName = "tui song pick: g 1 1 Enter goes to song 11 of 12; g 1 Enter to song 1; g 3 at once";
Deno.test({
  name: goName,
  ignore: ignoreWithout("tmux", goName),
  async fn() {
    requireTool("tmux", goName);
    await withSetlist(async (pane) => {
      await pane.keys("g");
      await pane.waitFor((s) => s.includes("> go to song: _"), "g asks for the number");
      await pane.keys("1");
      let screen = await pane.waitFor((s) => s.includes("> go to song: 1_"), "the digit shown");
      assert.ok(current(1)(screen), `still song 1 while typing:\n${screen}`);
      await pane.keys("1", "Enter");
      screen = await pane.waitFor(
        (s) => current(11)(s) && /> (song 11 of 12|no loop to leave)/.test(s),
        "song 11 current, and what the Enter did",
      );
      // The Enter was the pick's: it did not go on to "leave the loop".
      assert.match(screen, /> song 11 of 12: Song 11 \(stopped; play starts it\)/);

      // "1" could be 1, 10, 11 or 12: Enter says it is 1.
      await pane.keys("g", "1");
      await pane.waitFor((s) => s.includes("> go to song: 1_"), "the digit shown");
      await pane.keys("Enter");
      await pane.waitFor(current(1), "song 1 current");

      // "3" can only be song 3 in a 12-song list: it goes without Enter.
      await pane.keys("g", "3");
      await pane.waitFor(current(3), "song 3 current, no Enter needed");
      // Only an Enter right after the number is the pick's: a later one does what it does.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await pane.keys("Enter");
      await pane.waitFor((s) => s.includes("> no loop to leave"), "a later Enter is its own");

      // During playback a pick asks first; the same keys again go.
      await pane.keys("Space");
      await pane.waitFor((s) => s.includes("> PLAYING"), "playing");
      await pane.keys("g", "1", "2", "Enter");
      screen = await pane.waitFor((s) => s.includes("press g 1 2 again"), "the pick asks");
      assert.match(screen, /> go to 12\. Song 12\? the song is playing: press g 1 2 again/);
      assert.ok(current(3)(screen), `still song 3 until the second press:\n${screen}`);
      await pane.pressAgain("g", "1", "2", "Enter");
      await pane.waitFor(current(12), "song 12 current");
    });
  },
});

const pastName =
  "tui song pick: a number past the end says so and changes nothing; Esc and x cancel";
Deno.test({
  name: pastName,
  ignore: ignoreWithout("tmux", pastName),
  async fn() {
    requireTool("tmux", pastName);
    await withSetlist(async (pane) => {
      await pane.keys("g", "1", "4", "Enter");
      let screen = await pane.waitFor(
        (s) => s.includes("no song 14"),
        "the number past the end refused",
      );
      assert.match(screen, /> no song 14: the setlist has 12$/m);
      assert.ok(current(1)(screen), `still song 1:\n${screen}`);

      await pane.keys("g", "1");
      await pane.waitFor((s) => s.includes("> go to song: 1_"), "the digit shown");
      await pane.keys("Escape");
      screen = await pane.waitFor((s) => s.includes("> song pick cancelled"), "Esc cancels");
      assert.ok(current(1)(screen), `still song 1:\n${screen}`);

      await pane.keys("g", "1");
      await pane.waitFor((s) => s.includes("> go to song: 1_"), "the digit shown");
      await pane.keys("x");
      screen = await pane.waitFor((s) => s.includes("> song pick cancelled"), "x cancels");
      assert.ok(current(1)(screen), `still song 1:\n${screen}`);
      assert.doesNotMatch(screen, /go to song: /, "no pick left open");
    });
  },
});
