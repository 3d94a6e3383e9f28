/**
 * Messages are never cut (issue 23): at 80×24, every message longer than the screen's width goes
 * on as many lines as it takes, on the play screen and when a device is refused before it opens.
 * The PulseAudio channel-count refusal says how to get the channels. Real terminal (tmux), real
 * files, a private PulseAudio server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLI } from "./support/cli.ts";
import { withPulseServer } from "./support/pulse.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";
import { writeSineSong } from "./support/songs.ts";

const COLUMNS = 80;
const ROWS = 24;

/** The screen's lines joined where they were wrapped (a continuation starts with 2 spaces). */
const unwrapped = (screen: string) => screen.replace(/\n {2}(?=\S)/g, " ");

/** No line of the screen reaches the last column (nothing was cut at the edge). */
function assertFits(screen: string): void {
  for (const line of screen.split("\n")) {
    assert.ok(line.length < COLUMNS, `a line fills the width (cut?): "${line}"`);
  }
}

async function withPane(fn: (pane: Pane, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-messages-" });
  const pane = new Pane(COLUMNS, ROWS);
  try {
    await pane.start(dir);
    await fn(pane, dir);
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const screenName = "messages at 80x24: a refusal longer than the width wraps, whole";
Deno.test({
  name: screenName,
  ignore: ignoreWithout("tmux", screenName),
  async fn() {
    requireTool("tmux", screenName);
    await withPane(async (pane, dir) => {
      await writeSineSong(dir, "First", ["tone.wav"]);
      await writeSineSong(dir, "A Song With A Long Title", ["10 Pads v2.wav"], ["10 Pads.wav"]);
      await Deno.writeTextFile(
        join(dir, "setlist.json"),
        JSON.stringify({ title: "Narrow", songs: ["First", "A Song With A Long Title"] }),
      );
      await Deno.writeTextFile(join(dir, ".setlist.json.stemplay-resume"), "not json at all");
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null; echo "exit=$?"`,
        true,
      );
      let screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "the setlist, stopped");
      // The resume notice names the whole journal path.
      assert.match(
        unwrapped(screen),
        /resume: ignoring the resume journal \S+\/\.setlist\.json\.stemplay-resume: it is not valid JSON/,
      );
      assertFits(screen);
      await pane.keys("n");
      screen = await pane.waitFor((s) => s.includes("> refused: song 2"), "the refusal");
      assert.match(
        unwrapped(screen),
        /> refused: song 2 A Song With A Long Title cannot load: .*song\.json: tracks\[1\]\.file: no such file: .*10 Pads\.wav \(did you mean "10 Pads v2\.wav"\?\)/,
      );
      assertFits(screen);
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");
    });
  },
});

const pulseName = "messages at 80x24: PulseAudio's channel refusal is whole and says how to get 4";
Deno.test({
  name: pulseName,
  ignore: ignoreWithout("tmux", pulseName) || ignoreWithout("pulseaudio", pulseName),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("tmux", pulseName);
    requireTool("pulseaudio", pulseName);
    await withPulseServer(async (server) => {
      await withPane(async (pane, dir) => {
        await writeSineSong(dir, "Song", ["tone.wav"]);
        const env = Object.entries(server.env).map(([k, v]) => `${k}=${v}`).join(" ");
        await pane.type(
          `${env} ${Deno.execPath()} run -A ${CLI} play Song --backend pulseaudio ` +
            `--device pair --channels 4; echo "exit=$?"`,
          true,
        );
        const screen = await pane.waitFor((s) => /exit=\d/.test(s), "the refusal");
        // The terminal wraps the one line at the edge: join the pane's rows back.
        const text = screen.split("\n").map((l) => l.padEnd(COLUMNS).slice(0, COLUMNS)).join("")
          .replace(/ {2,}/g, " ");
        assert.match(text, /exit=1/);
        assert.match(
          text,
          /the device runs 2 channels at 48000 Hz, the engine needs 4 channels .* open the player with the device's own \(--channels 2/,
        );
        assert.match(text, /pactl load-module module-null-sink channels=4/);
        assert.match(text, /4-channel profile/);
        assert.match(text, /--backend jack/);
      });
    }, { extraSinks: [{ name: "pair", channels: 2 }] });
  },
});
