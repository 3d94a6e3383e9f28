/**
 * The play screen at the sizes operators use (120×40, 80×24, 50×12) with a real-size song:
 * 14 stems with long names, click and guide on the in-ears. Every line fits; names use the
 * width there is; "+N more" marks the tracks that do not fit, and up/down/Tab reach them; the
 * key help wraps, or pages with ?; the header lines up with its rows; the look-ahead line,
 * the bus column and the output meters show. Set SHOW_SCREENS=1 to print each screen.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { BIG_SONG_STEMS, writeBigSong } from "./support/big_song.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

const play = () =>
  `${Deno.execPath()} run -A ${CLI} play song.json --play --backend null --channels 4; echo "exit=$?"`;

/** The rows of the screen that are track rows ("  > 12  name ..."), by track number. */
function trackRows(screen: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const line of screen.split("\n")) {
    const match = /^ {2}[> ] +(\d+) {2}/.exec(line);
    if (match) rows.set(Number(match[1]), line);
  }
  return rows;
}

async function withBigSong(columns: number, rows: number, fn: (pane: Pane) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-sizes-" });
  const pane = new Pane(columns, rows);
  try {
    await writeBigSong(dir);
    await pane.start(dir);
    await pane.type(play(), true);
    await pane.waitFor((s) => s.includes("> PLAYING"), "playing");
    await fn(pane);
    await pane.quit();
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function show(label: string, screen: string) {
  if (Deno.env.get("SHOW_SCREENS")) console.log(`----- ${label}\n${screen}-----`);
}

function assertFits(screen: string, columns: number) {
  for (const line of screen.split("\n")) {
    assert.ok(line.length < columns, `a line as wide as the screen (${line.length}): ${line}`);
  }
}

/** The header's "track" starts in the column where the names start. */
function assertAligned(screen: string) {
  const lines = screen.split("\n");
  const header = lines.find((line) => /^ +# {2}track /.test(line));
  assert.ok(header, `no table header:\n${screen}`);
  const row = [...trackRows(screen).values()][0];
  const nameColumn = /^ {2}[> ] +\d+ {2}/.exec(row)![0].length;
  assert.equal(header.indexOf("track"), nameColumn, `header:\n${header}\nrow:\n${row}`);
  assert.equal(header.indexOf("gain"), row.search(/[-+]\d+\.\d dB|-inf dB/), "gain column");
}

const name120 = "tui sizes: 120x40 shows all 14 tracks, full names, buses, meters and all keys";
Deno.test({
  name: name120,
  ignore: ignoreWithout("tmux", name120),
  async fn() {
    requireTool("tmux", name120);
    await withBigSong(120, 40, async (pane) => {
      const screen = await pane.waitFor((s) => s.includes("outputs: "), "the output meters");
      show("120x40", screen);
      assertFits(screen, 120);
      assertAligned(screen);
      const rows = trackRows(screen);
      assert.equal(rows.size, 14, "every track has a row");
      for (const [number, stem] of BIG_SONG_STEMS.entries()) {
        assert.ok(rows.get(number + 1)!.includes(stem), `the full name ${stem}`);
      }
      assert.match(rows.get(1)!, /in-ears 3\+4/);
      assert.match(rows.get(7)!, /FOH 1\+2/);
      assert.match(screen, /outputs: FOH 1 [|.!]+ {2}2 [|.!]+ {2}in-ears 3 [|.!]+ {2}4 [|.!]+/);
      assert.match(screen, /-\d:\d\d\.\d left/, "time remaining");
      assert.match(screen, /next: (Verse|Chorus|Outro) in \d+ bars?/, "bars to the next section");
      assert.match(screen, /q quit/, "the whole key help");
      assert.doesNotMatch(screen, /more \(/);
    });
  },
});

const name80 = "tui sizes: 80x24 windows the tracks with +N more; down and Tab reach track 14";
Deno.test({
  name: name80,
  ignore: ignoreWithout("tmux", name80),
  async fn() {
    requireTool("tmux", name80);
    await withBigSong(80, 24, async (pane) => {
      let screen = await pane.waitFor((s) => s.includes("more ("), "the +N more mark");
      show("80x24", screen);
      assertFits(screen, 80);
      assertAligned(screen);
      assert.match(screen, /\+\d+ more \(0 above, \d+ below: up\/down or Tab\)/);
      assert.ok(screen.trimEnd().split("\n").length <= 24);
      assert.match(screen, /q quit|\(\? \d+\/\d+\)/, "the key help, whole or paged");
      // Down 13 times: track 14 selected, on screen, and m mutes it.
      for (let i = 0; i < 13; i++) await pane.keys("Down");
      screen = await pane.waitFor((s) => /^ {2}> 14 {2}/m.test(s), "track 14 selected");
      await pane.keys("m");
      screen = await pane.waitFor((s) => /^ {2}> 14 {2}14 Percussion.* M \. /m.test(s), "14 muted");
      assert.match(screen, /> 14 Percussion Loop muted/);
      assert.match(screen, /\+\d+ more \(\d+ above, 0 below/);
      // Tab wraps to track 1.
      await pane.keys("Tab");
      await pane.waitFor((s) => /^ {2}> +1 {2}01 Click/m.test(s), "Tab wraps to track 1");
    });
  },
});

const name50 = "tui sizes: 50x12 keeps state, tracks with +N more, the message and a help page";
Deno.test({
  name: name50,
  ignore: ignoreWithout("tmux", name50),
  async fn() {
    requireTool("tmux", name50);
    await withBigSong(50, 12, async (pane) => {
      let screen = await pane.waitFor((s) => s.includes("more ("), "the +N more mark");
      show("50x12", screen);
      assertFits(screen, 50);
      assertAligned(screen);
      assert.match(screen, /> PLAYING/);
      assert.match(screen, /\+\d+ more/);
      const page = /\(\? (\d+)\/(\d+)\)/.exec(screen);
      assert.ok(page, `a paged key help:\n${screen}`);
      await pane.keys("?");
      screen = await pane.waitFor(
        (s) => s.includes(`(? ${Number(page[1]) + 1}/${page[2]})`),
        "the next help page",
      );
      show("50x12, help page 2", screen);
    });
  },
});
