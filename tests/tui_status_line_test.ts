/**
 * The play screen's status lines (issue 23): after a song ends the screen says what space will
 * start (the next setlist song, or this song again, from the top), and a MIDI light lights for
 * a moment after any MIDI message arrives. The end is driven in a real terminal (tmux); the light
 * with a fake message counter (a real MIDI input needs a JACK server: tests/midi_jack_test.ts).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { PlaySession } from "../src/cli/session.ts";
import { frameLines } from "../src/cli/screen.ts";
import { ActivityLight } from "../src/cli/activity_light.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";
import { writeShow } from "./support/show_rig.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

async function afterEnd(args: (dir: string) => Promise<string>, expect: RegExp): Promise<void> {
  const dir = await Deno.makeTempDir();
  const pane = new Pane(110, 34);
  try {
    const what = await args(dir);
    await pane.start(dir);
    await pane.type(`${Deno.execPath()} run -A ${CLI} play ${what}; echo "exit=$?"`, true);
    const screen = await pane.waitFor((s) => s.includes("[] ENDED"), "the end");
    await pane.waitFor((s) => expect.test(s), `${expect} after the end:\n${screen}`);
    await pane.quit();
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const setlistName = "tui after the end: a setlist song says space plays the next song";
Deno.test({
  name: setlistName,
  ignore: ignoreWithout("tmux", setlistName),
  async fn() {
    requireTool("tmux", setlistName);
    await afterEnd(
      async (dir) => `${await writeShow(dir)} --start 0:19 --play --backend null`,
      /ended: space plays song 2 "Way Maker" from the top/,
    );
  },
});

const songName = "tui after the end: a single song says space plays it again";
Deno.test({
  name: songName,
  ignore: ignoreWithout("tmux", songName),
  async fn() {
    requireTool("tmux", songName);
    await afterEnd(async (dir) => {
      const rate = 48000;
      const samples = new Float32Array(rate).map((_, i) => 0.1 * Math.sin(i / 20));
      await Deno.writeFile(join(dir, "tone.wav"), encodeWav([samples], rate, "s16"));
      return "tone.wav --play --backend null";
    }, /ended: space plays this song again from the top/);
  },
});

Deno.test("tui status line: the MIDI light lights for a moment after a message", async () => {
  await using player = await Player.open({ backend: "null", sampleRate: 48000, blockFrames: 256 });
  const session = new PlaySession(player, { title: "tone", markers: [] });
  try {
    const stateLine = () => frameLines(session, 100).find((line) => line.includes("[] STOPPED"))!;
    assert.doesNotMatch(stateLine(), /MIDI/, "no MIDI input, no light");
    let received = 0;
    let now = 1000;
    session.midiLight = new ActivityLight(() => received, () => now);
    assert.match(stateLine(), /MIDI -/);
    received = 3; // messages arrive
    assert.match(stateLine(), /MIDI \*/);
    now += 200;
    assert.match(stateLine(), /MIDI \*/, "still lit");
    now += 200;
    assert.match(stateLine(), /MIDI -/, "out after ~300 ms");
  } finally {
    session.close();
  }
});
