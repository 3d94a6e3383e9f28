/**
 * A missing stem (issue 23): the load error names the closest file in the folder (a stem renamed
 * after the manifest was written), and a setlist with a song that cannot load opens anyway, that
 * song marked unavailable with its error on the screen and refused on its own. Real files; the
 * screen in a real terminal (tmux).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSongDescription } from "../src/songs/song.ts";
import { StemplayError } from "../src/errors.ts";
import { CLI } from "./support/cli.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";
import { writeSineSong } from "./support/songs.ts";

Deno.test("missing stem: the error names the closest file in the folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-missing-" });
  try {
    const folder = await writeSineSong(
      dir,
      "Song",
      ["01 Click.wav", "10 Pads v2.wav", "11 Bass.wav"],
      ["01 Click.wav", "10 Pads.wav", "11 Bass.wav"],
    );
    await assert.rejects(loadSongDescription(folder), (error: unknown) => {
      assert.ok(error instanceof StemplayError, String(error));
      assert.match(
        error.message,
        /tracks\[2\]\.file: no such file: .*10 Pads\.wav \(did you mean "10 Pads v2\.wav"\?\)/,
      );
      return true;
    });
    // Nothing close: no guess.
    const other = await writeSineSong(dir, "Other", ["Bass.wav"], [
      "Bass.wav",
      "Strings and brass.wav",
    ]);
    await assert.rejects(loadSongDescription(other), (error: unknown) => {
      assert.doesNotMatch((error as Error).message, /did you mean/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const setlistName =
  "missing stem: a setlist opens with the broken song marked, and refuses only it";
Deno.test({
  name: setlistName,
  ignore: ignoreWithout("tmux", setlistName),
  async fn() {
    requireTool("tmux", setlistName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-missing-" });
    const pane = new Pane(80, 40);
    try {
      await writeSineSong(dir, "First", ["tone.wav"]);
      await writeSineSong(dir, "Broken", ["10 Pads v2.wav"], ["10 Pads.wav"]);
      await writeSineSong(dir, "Third", ["tone.wav"]);
      await Deno.writeTextFile(
        join(dir, "setlist.json"),
        JSON.stringify({ title: "Holes", songs: ["First", "Broken", "Third"] }),
      );
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null; echo "exit=$?"`,
        true,
      );
      let screen = await pane.waitFor(
        (s) => s.includes("[] STOPPED") || /exit=\d/.test(s),
        "the setlist, stopped",
      );
      assert.doesNotMatch(screen, /exit=/, "the setlist opens");
      const joined = (s: string) => s.replace(/\n {2,}/g, " ");
      assert.match(
        joined(screen),
        /next {2}2\. Broken {2}UNAVAILABLE: .*no such file: .*10 Pads\.wav \(did you mean "10 Pads v2\.wav"\?\)/,
      );
      assert.match(screen, /3\. Third/);
      assert.match(joined(screen), /cannot load \(refused\): song 2/);
      // n: refused with the song's error; song 1 stays.
      await pane.keys("n");
      screen = await pane.waitFor((s) => s.includes("> refused: song 2 Broken"), "the refusal");
      assert.match(
        joined(screen),
        /> refused: song 2 Broken cannot load: .*did you mean "10 Pads v2\.wav"\?\)/,
      );
      assert.match(screen, /^ {2}now {3}1\. First$/m);
      // Song 3 plays: only the broken song is refused.
      await pane.keys("g", "3");
      screen = await pane.waitFor((s) => /^ {2}now {3}3\. Third$/m.test(s), "song 3");
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
