/**
 * Songs that cannot load, at the edges of a setlist (issue 23): a setlist whose first song
 * cannot load still opens, on the first song that can, with that song marked like any other;
 * and after a song ends, the line that says what space starts names a next song that cannot
 * load. Real files; the screen in a real terminal (tmux).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { CLI } from "./support/cli.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";
import { writeSineSong } from "./support/songs.ts";

/** A setlist of `songs` in `dir`; a name ending in "Broken" gets a stem renamed on disk. */
async function writeSetlist(dir: string, songs: string[]): Promise<string> {
  for (const name of songs) {
    if (name.endsWith("Broken")) {
      await writeSineSong(dir, name, ["10 Pads v2.wav"], ["10 Pads.wav"]);
    } else await writeSineSong(dir, name, ["tone.wav"]);
  }
  const path = join(dir, "setlist.json");
  await Deno.writeTextFile(path, JSON.stringify({ title: "Holes", songs }));
  return path;
}

Deno.test("unloadable first song: Player.loadSetlist opens on the first song that can load", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-first-" });
  try {
    const path = await writeSetlist(dir, ["Broken", "Second", "Third"]);
    await using player = await Player.open({ backend: "offline" });
    const state = await player.loadSetlist(path);
    assert.equal(state.index, 1);
    assert.equal(player.title, "Second");
    assert.equal(player.state, "stopped");
    // None can load: refused, naming the first song's error.
    const none = await writeSetlist(await Deno.makeTempDir({ dir }), ["Broken", "AlsoBroken"]);
    await assert.rejects(
      () => player.loadSetlist(none),
      /no song of the setlist can load.*10 Pads\.wav/,
    );
    assert.equal(player.title, "Second", "the setlist that was loaded stays");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const firstName = "unloadable first song: the show opens on song 2, song 1 marked on the screen";
Deno.test({
  name: firstName,
  ignore: ignoreWithout("tmux", firstName),
  async fn() {
    requireTool("tmux", firstName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-first-" });
    const pane = new Pane(80, 40);
    try {
      await writeSetlist(dir, ["Broken", "Second", "Third"]);
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null; echo "exit=$?"`,
        true,
      );
      const screen = await pane.waitFor(
        (s) => s.includes("[] STOPPED") || /exit=\d/.test(s),
        "the setlist, stopped",
      );
      assert.doesNotMatch(screen, /exit=/, "the setlist opens");
      const joined = screen.replace(/\n {2,}/g, " ");
      assert.match(joined, /1\. Broken {2}UNAVAILABLE: .*did you mean "10 Pads v2\.wav"\?\)/);
      assert.match(screen, /^ {2}now {3}2\. Second/m);
      assert.match(joined, /space plays song 2 "Second"; cannot load \(refused\): song 1/);
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const endName = "unloadable next song: after the end, the screen names it instead of promising it";
Deno.test({
  name: endName,
  ignore: ignoreWithout("tmux", endName),
  async fn() {
    requireTool("tmux", endName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-end-" });
    const pane = new Pane(80, 40);
    try {
      await writeSetlist(dir, ["First", "Broken"]);
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null --play; echo "exit=$?"`,
        true,
      );
      const screen = await pane.waitFor(
        (s) => s.includes("ended:") || /exit=\d/.test(s),
        "the end of song 1",
      );
      const joined = screen.replace(/\n {2,}/g, " ");
      assert.match(joined, /ended: song 2 "Broken" cannot load, so space starts nothing/);
      assert.doesNotMatch(joined, /space plays song 2/);
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
