/**
 * Stage safety on the keys (issue 23): while a song plays, every key that ends or moves the music
 * (`.` stop, Home, Ctrl-C, q) asks for a second press, and only a second press 150 ms to 2 s after
 * the first confirms, so a bounce or a held key never does. `[`/`]` move on the bar like `j`. The
 * selection starts on the first music stem, never the click. Driven in a real terminal (tmux).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { encodeWav } from "../src/sources/wav.ts";
import { writeDemoSong } from "../src/cli/demo_song.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";
import { controlStatus, ControlSurface, Player } from "../mod.ts";
import { PlaySession } from "../src/cli/session.ts";
import { handleKey } from "../src/cli/keys.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

async function withDemo(fn: (pane: Pane) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const pane = new Pane(100, 30);
  try {
    await writeDemoSong(dir);
    await pane.start(dir);
    await pane.type(
      `${Deno.execPath()} run -A ${CLI} play . --play --backend null; echo "exit=$?"`,
      true,
    );
    await pane.waitFor((s) => s.includes("> PLAYING"), "playing");
    await fn(pane);
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stopName = "tui stage keys: . and Home ask while playing; a bounce never confirms";
Deno.test({
  name: stopName,
  ignore: ignoreWithout("tmux", stopName),
  async fn() {
    requireTool("tmux", stopName);
    await withDemo(async (pane) => {
      // The selection starts on the first music stem (Bass), not on the click.
      let screen = await pane.capture();
      assert.match(screen, /^ {2}> +2 +Bass/m, `selection not on Bass:\n${screen}`);

      // Two dots in one burst (a bounce): a question, never a stop.
      await pane.keys(".", ".");
      screen = await pane.waitFor((s) => s.includes("press . again"), ". asks");
      assert.match(screen, /> stop\? the song is playing: press \. again within 2 s/);
      await sleep(400);
      assert.match(await pane.capture(), /> PLAYING/, "a bounce stopped the song");
      // The question expires with its window: its line goes.
      await pane.waitFor((s) => !s.includes("press . again"), "the question to expire");
      await pane.keys("Home");
      screen = await pane.waitFor((s) => s.includes("press Home again"), "Home asks");
      assert.match(screen, /> PLAYING/);
      await sleep(300);
      await pane.keys("Home");
      await pane.waitFor((s) => /> to start/.test(s), "Home confirmed");
      await pane.keys(".");
      await pane.waitFor((s) => s.includes("press . again"), ". asks");
      await sleep(300);
      await pane.keys(".");
      await pane.waitFor((s) => s.includes("[] STOPPED"), "stopped after the second press");
      // Not playing, . acts at once.
      await pane.keys("Space");
      await pane.waitFor((s) => s.includes("> PLAYING"), "playing again");
      await pane.quit();
    });
  },
});

const interruptName = "tui stage keys: one Ctrl-C asks and plays on; a second one exits 130";
Deno.test({
  name: interruptName,
  ignore: ignoreWithout("tmux", interruptName),
  async fn() {
    requireTool("tmux", interruptName);
    await withDemo(async (pane) => {
      await pane.keys("C-c");
      let screen = await pane.waitFor((s) => s.includes("again within 2 s"), "Ctrl-C asks");
      assert.match(screen, /> quit\? the song is playing: press Ctrl-C or q again within 2 s/);
      assert.match(screen, /> PLAYING/);
      await sleep(300);
      await pane.keys("C-c");
      screen = await pane.waitFor((s) => /exit=\d+/.test(s), "the exit");
      assert.match(screen, /exit=130/);
    });
  },
});

const barName = "tui stage keys: ] schedules the next marker on the bar, like j";
Deno.test({
  name: barName,
  ignore: ignoreWithout("tmux", barName),
  async fn() {
    requireTool("tmux", barName);
    await withDemo(async (pane) => {
      await pane.keys("]");
      const screen = await pane.waitFor((s) => /> jump to 2 Verse at bar/.test(s), "] on the bar");
      assert.match(screen, /> PLAYING/);
      await pane.quit();
    });
  },
});

const burstName = "tui stage keys: a burst of five <- moves 25 s (every press counts)";
Deno.test({
  name: burstName,
  ignore: ignoreWithout("tmux", burstName),
  async fn() {
    requireTool("tmux", burstName);
    const dir = await Deno.makeTempDir();
    const pane = new Pane(100, 30);
    try {
      const rate = 48000;
      const samples = new Float32Array(40 * rate);
      for (let i = 0; i < samples.length; i++) samples[i] = 0.1 * Math.sin(i / 20);
      await Deno.writeFile(join(dir, "tone.wav"), encodeWav([samples], rate, "s16"));
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play tone.wav --start 30 --backend null; echo "exit=$?"`,
        true,
      );
      const position = (s: string) => {
        const match = /(\d+):(\d\d\.\d) \/ 0:40\.0/.exec(s);
        return match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
      };
      await pane.waitFor((s) => s.includes("[] STOPPED") && position(s) === 30, "stopped at 30 s");
      // Five presses in one burst, then a key that only says it was read after them.
      await pane.keys("Left", "Left", "Left", "Left", "Left");
      await pane.keys("Tab");
      await pane.waitFor((s) => s.includes("> track 1 tone selected"), "the burst read");
      let last = NaN;
      const screen = await pane.waitFor((s) => {
        const now = position(s);
        const settled = now === last;
        last = now;
        return settled;
      }, "the position to settle");
      assert.equal(position(screen), 5, `five presses of <- from 0:30 land on 0:05:\n${screen}`);
      await pane.quit();
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("keys: a question asked at the keys is every screen's notice (one confirm rule)", async () => {
  await using player = await Player.open({ backend: "null", sampleRate: 48000, blockFrames: 256 });
  player.addTrack([new Float32Array(20 * 48000).map((_, i) => 0.1 * Math.sin(i / 20))]);
  const session = new PlaySession(player, { title: "tone", markers: [] });
  try {
    player.play();
    while (player.state !== "playing" || player.position <= 0) await sleep(5);
    await handleKey(session, ".");
    const question = "stop? the song is playing: press . again within 2 s";
    assert.equal(session.message, question);
    assert.equal(controlStatus(player).notice, `keys: ${question}`);
    assert.equal(player.state, "playing");
    await sleep(300);
    await handleKey(session, ".");
    while ((player.state as string) !== "stopped") await sleep(5);
    assert.equal(controlStatus(player).notice, undefined);
  } finally {
    session.close();
  }
});

Deno.test("keys: a closed play session stops hearing the other surfaces (no listener left)", async () => {
  await using player = await Player.open({ backend: "null", sampleRate: 48000, blockFrames: 256 });
  const surface = ControlSurface.for(player);
  const before = surface.listenerCount;
  for (let i = 0; i < 3; i++) {
    const session = new PlaySession(player, { title: "tone", markers: [] });
    assert.equal(surface.listenerCount, before + 1);
    session.close();
    session.close(); // idempotent
    assert.equal(surface.listenerCount, before);
  }
});
