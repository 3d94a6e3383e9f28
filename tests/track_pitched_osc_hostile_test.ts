/**
 * Hostile packets to OSC `/stemplay/track/pitched` at transpose +2, where an accepted flag
 * prepares the song again (review of issue 24): wrong types, a flag other than 0/1, extra
 * arguments, no arguments, an unknown or 2,000-character track name, a track number out of
 * range, and the generated click (it keeps its key, fixed). Each must change nothing and
 * prepare nothing; a good packet after them (the surface's queue is ordered) is applied and
 * prepares the song once. A real offline player, Rubber Band and oscsend.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveOsc } from "../src/control/osc.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { oscsend } from "./support/osc_tools.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeManifest } from "./support/songs.ts";
import { clicks, harmonicTone } from "./support/stretch_signals.ts";
import { waitFor } from "./support/wait.ts";

const RATE = 48_000;
const NAME = "OSC /stemplay/track/pitched: hostile packets change and prepare nothing";

Deno.test({
  name: NAME,
  ignore: ignoreWithout("oscsend", NAME),
  async fn() {
    requireTool("oscsend", NAME);
    await withOfflinePlayer(RATE, async (player, dir) => {
      const folder = join(dir, "song");
      await Deno.mkdir(folder);
      await Deno.writeFile(
        join(folder, "keys.wav"),
        encodeWav([harmonicTone(220, 3)], RATE, "f32"),
      );
      await Deno.writeFile(
        join(folder, "perc.wav"),
        encodeWav([clicks(3, 0.25, 0.5)], RATE, "f32"),
      );
      await writeManifest(folder, {
        tempo: 120,
        generateClick: true,
        clickRoute: [3],
        tracks: [
          { file: "keys.wav", route: [1] },
          { file: "perc.wav", route: [2], pitched: false },
        ],
      });
      await player.loadSong(folder);
      player.transpose = 2;
      await waitFor("transpose +2 ready", () => !player.keyTempoPreparing, 60_000);
      let prepared = 0;
      player.addEventListener("songprepared", () => prepared++);
      const flags = () => Object.fromEntries(player.tracks.map((t) => [t.name, t.pitched]));
      const before = flags();
      const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1" });
      try {
        const hostile: [string, ...string[]][] = [
          ["sf", "keys", "0.5"],
          ["ss", "keys", "no"],
          ["sii", "keys", "0", "1"],
          ["si", "keys", "2"],
          ["s", "x".repeat(2000)],
          ["si", "x".repeat(2000), "0"],
          ["i", "99"],
          ["i", "-1"],
          ["f", "1.5"],
          ["si", "click", "1"],
          ["s", "click"],
          [""],
        ];
        for (const [types, ...args] of hostile) {
          await oscsend(osc.port, "/stemplay/track/pitched", types, ...args);
        }
        // One good packet after them: the queue is ordered, so the hostile ones were handled.
        await oscsend(osc.port, "/stemplay/track/pitched", "si", "perc", "1");
        await waitFor(
          "perc pitched",
          () => player.tracks.some((t) => t.name === "perc" && t.pitched),
        );
        await waitFor("perc prepared", () => !player.keyTempoPreparing, 60_000);
        console.log(`  before ${JSON.stringify(before)}, after ${JSON.stringify(flags())}`);
        assert.deepEqual(flags(), { ...before, perc: true });
        assert.equal(prepared, 1, "only the good packet prepared the song");
        assert.equal(player.transpose, 2);
      } finally {
        await osc.close();
      }
    });
  },
});
