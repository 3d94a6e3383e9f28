/**
 * The play screen hears every surface (issue 23): an action from OSC shows on the TUI's message
 * line with the surface named, and `<`/`>` step the master gain by 1 dB. Driven in a real
 * terminal (tmux) with liblo's oscsend.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { writeDemoSong } from "../src/cli/demo_song.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { freeUdpPort, oscsend } from "./support/osc_tools.ts";
import { Pane } from "./support/tmux_pane.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

const name = "tui: an OSC action shows as 'osc: …'; < and > step the master gain";
Deno.test({
  name,
  ignore: ignoreWithout("tmux", name) || ignoreWithout("oscsend", name),
  async fn() {
    requireTool("tmux", name);
    requireTool("oscsend", name);
    const dir = await Deno.makeTempDir();
    const pane = new Pane(110, 32);
    try {
      await writeDemoSong(dir);
      const port = await freeUdpPort();
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play . --backend null --osc ${port}; echo "exit=$?"`,
        true,
      );
      await pane.waitFor((s) => s.includes("> STOPPED") || s.includes("STOPPED"), "open");
      await oscsend(port, "/stemplay/track/mute", "si", "Bass", "1");
      const screen = await pane.waitFor((s) => s.includes("osc: Bass muted"), "the OSC action");
      assert.match(screen, /> osc: Bass muted/);
      await pane.keys(">");
      await pane.waitFor((s) => s.includes("> master +1.0 dB"), "> steps up");
      await pane.keys("<", "<");
      await pane.waitFor((s) => s.includes("> master -1.0 dB"), "< steps down");
      await oscsend(port, "/stemplay/master/gaindb", "f", "20");
      await pane.waitFor(
        (s) => /osc: masterGain: "gainDb" must be a number at most \+12 dB/.test(s),
        "a refusal named",
      );
      await pane.quit();
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
