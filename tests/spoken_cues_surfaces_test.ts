/**
 * Spoken cues and MIDI clock on the surfaces: OSC `/stemplay/spokencues` (liblo's oscsend)
 * turns the song's cues off, on, and toggles them, and a subscriber (liblo's oscdump) gets the
 * state on `/stemplay/spokencues` and `/stemplay/midiclock`; a song without cues says why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readStatus } from "../src/control/status.ts";
import { dispatch, serveOsc } from "../mod.ts";
import { OscDump, oscsend } from "./support/osc_tools.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { withShow } from "./support/show_rig.ts";
import { writeSpokenCueSong } from "./support/spoken_cue_song.ts";
import { waitFor } from "./support/wait.ts";

const name =
  "spoken cues on OSC: /stemplay/spokencues off, on, toggle; its status and MIDI clock's";
Deno.test({
  name,
  ignore: ignoreWithout("oscsend", name) || ignoreWithout("oscdump", name),
  async fn() {
    requireTool("oscsend", name);
    requireTool("oscdump", name);
    await withShow({ backend: "null" }, async (player, dir) => {
      const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
      const dump = await OscDump.start();
      try {
        // The show's first song has no cues: -1, and why; no MIDI out: -1.
        await oscsend(osc.port, "/stemplay/subscribe", "i", String(dump.port));
        await dump.waitFor(/^\/stemplay\/spokencues is -1 "this song has no spoken cues: give/);
        await dump.waitFor(/^\/stemplay\/midiclock iss -1 "" ""$/);
        assert.match(
          (await dispatch(player, { type: "spokenCues" })).message,
          /^this song has no spoken cues/,
        );

        // From before the load: the feed may send the change before loadSong resolves (a
        // renewal sends nothing new), so a count taken after it can miss the line.
        let from = dump.lines.length;
        await player.loadSong(await writeSpokenCueSong(dir));
        const cues = () => player.tracks.find((t) => t.name === "spoken cues")!;
        assert.ok(cues(), `tracks: ${player.tracks.map((t) => t.name)}`);
        assert.deepEqual(readStatus(player).spokenCues, { available: true, on: true });
        await oscsend(osc.port, "/stemplay/subscribe", "i", String(dump.port));
        await dump.waitFor(/^\/stemplay\/spokencues is 1 ""$/, from);

        from = dump.lines.length;
        await oscsend(osc.port, "/stemplay/spokencues", "i", "0");
        await waitFor("the cues off", () => cues().muted);
        await dump.waitFor(/^\/stemplay\/spokencues is 0 ""$/, from);
        assert.deepEqual(readStatus(player).spokenCues, { available: true, on: false });

        from = dump.lines.length;
        await oscsend(osc.port, "/stemplay/spokencues"); // no argument: toggles
        await waitFor("the cues on again", () => !cues().muted);
        await dump.waitFor(/^\/stemplay\/spokencues is 1 ""$/, from);

        await oscsend(osc.port, "/stemplay/spokencues", "i", "1"); // on stays on
        await oscsend(osc.port, "/stemplay/spokencues", "T");
        assert.equal(cues().muted, false);
        const off = await dispatch(player, { type: "spokenCues", on: false });
        assert.equal(off.message, "spoken cues off");
        assert.equal(cues().muted, true);
        assert.equal(osc.errors, 0);
      } finally {
        await dump.stop();
        await osc.close();
      }
    });
  },
});

Deno.test("spoken cues turned off stay off at the next song, until turned on", async () => {
  await withShow({ backend: "null" }, async (player, dir) => {
    const [first, second, third] = ["first", "second", "third"].map((name) => join(dir, name));
    for (const folder of [first, second, third]) await Deno.mkdir(folder);
    await player.loadSong(await writeSpokenCueSong(first));
    const off = await dispatch(player, { type: "spokenCues", on: false });
    assert.equal(off.message, "spoken cues off");
    await player.loadSong(await writeSpokenCueSong(second));
    assert.deepEqual(
      readStatus(player).spokenCues,
      { available: true, on: false },
      "the operator turned spoken cues off: the next song keeps them off",
    );
    await dispatch(player, { type: "spokenCues", on: true });
    await player.loadSong(await writeSpokenCueSong(third));
    assert.deepEqual(readStatus(player).spokenCues, { available: true, on: true });
  });
});
