/**
 * Resume after a crash (issue 23): `stemplay play setlist.json` journals the show's place; after a
 * `kill -9`, `--resume` opens there (song, position, mutes and gains), stopped; without it the
 * screen offers the place on one key (R); a corrupt journal is ignored with a notice. Driven in a
 * real terminal (tmux) on real files. Positions are compared with the journaled one, never timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSongFolder } from "./support/songs.ts";
import { CLI, runCli } from "./support/cli.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { childOf, Pane, shownPosition, trackRow } from "./support/tmux_pane.ts";

const RATE = 48000;

async function writeSong(dir: string, name: string, seconds: number): Promise<void> {
  const stems = ([["tone.wav", 330, "Tone"], ["hum.wav", 110, "Hum"]] as const).map(
    ([file, hz, trackName]) => {
      const samples = new Float32Array(Math.round(seconds * RATE));
      for (let i = 0; i < samples.length; i++) {
        samples[i] = 0.1 * Math.sin(2 * Math.PI * hz * i / RATE);
      }
      return {
        file,
        pcm: [samples],
        rate: RATE,
        format: "s16" as const,
        track: { name: trackName },
      };
    },
  );
  await writeSongFolder(dir, name, stems);
}

interface Journal {
  show: string;
  song: number;
  position: number;
  tracks: { name: string; muted: boolean; gain: number }[];
}

async function readJournal(path: string): Promise<Journal | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

async function waitForJournal(path: string, test: (j: Journal) => boolean): Promise<Journal> {
  const deadline = Date.now() + 90_000;
  let last: Journal | undefined;
  while (Date.now() < deadline) {
    last = await readJournal(path);
    if (last && test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`waited for the journal; it was ${JSON.stringify(last)}`);
}

const play = (extra = "") =>
  `clear; ${Deno.execPath()} run -A ${CLI} play setlist.json --backend null ${extra}; ` +
  `echo "exit=$?"`;

const resumeName = "resume: kill -9 mid-show, then --resume (song, position, mutes, gains) and R";
Deno.test({
  name: resumeName,
  ignore: ignoreWithout("tmux", resumeName),
  async fn() {
    requireTool("tmux", resumeName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-resume-" });
    const pane = new Pane(100, 40);
    const journalPath = join(dir, ".setlist.json.stemplay-resume");
    try {
      await writeSong(dir, "One", 4);
      await writeSong(dir, "Two", 75);
      await Deno.writeTextFile(
        join(dir, "setlist.json"),
        JSON.stringify({ title: "Crash Show", songs: ["One", "Two"] }),
      );
      await pane.start(dir);
      await pane.type(play(), true);
      let screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "the setlist, stopped");
      assert.doesNotMatch(screen, /resume:/, "nothing to resume on a first run");

      // Song 2, then to 1:00 with →, one press at a time.
      await pane.keys("n");
      await pane.waitFor((s) => /^ {2}now {3}2\. Two$/m.test(s), "song 2");
      for (let step = 1; step <= 12; step++) {
        await pane.keys("Right");
        await pane.waitFor((s) => shownPosition(s) === step * 5, `0:${step * 5}`);
      }
      // Play; mute Hum (track 2), Tone (track 1) down 2 dB.
      await pane.keys("Space");
      await pane.waitFor((s) => s.includes("> PLAYING"), "playing");
      await pane.keys("2", "m", "1", "-", "-");
      screen = await pane.waitFor(
        (s) => /Tone +-2\.0 dB/.test(s) && /Hum .* M \. /.test(s),
        "Tone at -2 dB, Hum muted",
      );
      await waitForJournal(
        journalPath,
        (j) =>
          j.song === 1 && j.position > 61 && j.tracks.some((t) => t.name === "Hum" && t.muted) &&
          j.tracks.some((t) => t.name === "Tone" && Math.abs(t.gain - 10 ** (-2 / 20)) < 1e-6),
      );

      // kill -9: no chance to write anything at exit.
      const player = await childOf(Number(await pane.flag("pane_pid")));
      Deno.kill(player, "SIGKILL");
      await pane.waitFor((s) => s.includes("exit=137"), "the player killed");
      const journal = (await readJournal(journalPath))!;
      assert.equal(journal.song, 1);

      // --resume: song 2, at the journaled position, stopped, the mix as it was.
      await pane.keys("Escape"); // the shell's line is empty after the kill
      await pane.type("reset", true);
      await pane.type(play("--resume"), true);
      screen = await pane.waitFor(
        (s) => s.includes("[] STOPPED") || s.includes("|| PAUSED"),
        "the show, resumed",
      );
      screen = await pane.waitFor((s) => /> resumed song 2 "Two"/.test(s), "the resumed message");
      assert.match(screen, /^ {2}now {3}2\. Two$/m);
      // The seek reaches the audio side a block later: the shown position settles there.
      const atJournal = (s: string) => Math.abs(shownPosition(s) - journal.position) < 0.11;
      screen = await pane.waitFor(atJournal, `the journaled position ${journal.position}`);
      assert.match(trackRow(screen, 1), /Tone +-2\.0 dB +\. \./);
      assert.match(trackRow(screen, 2), /Hum +[-+]?\d+\.\d dB +M \./);
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");

      // Without --resume: one key offers it, and R goes there.
      await pane.type(play(), true);
      screen = await pane.waitFor((s) => s.includes("resume: R goes back"), "the offer");
      assert.match(screen, /resume: R goes back to song 2 "Two" at 1:\d\d\.\d/);
      assert.match(screen, /^ {2}now {3}1\. One$/m, "it opens at the start");
      await pane.keys("R");
      screen = await pane.waitFor((s) => /^ {2}now {3}2\. Two$/m.test(s), "R went to song 2");
      screen = await pane.waitFor((s) => /> resumed song 2/.test(s), "R's message");
      screen = await pane.waitFor(atJournal, `the journaled position ${journal.position}`);
      assert.match(trackRow(screen, 2), /Hum .* M \./);
      assert.doesNotMatch(screen, /resume: R goes back/, "the offer is gone once taken");
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");

      // A corrupt journal: a one-line notice, and the show opens.
      await Deno.writeTextFile(journalPath, "{ half a journ");
      await pane.type(play("--resume"), true);
      screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "the setlist, stopped");
      screen = await pane.waitFor((s) => s.includes("it is not valid JSON"), "the notice");
      assert.match(
        screen,
        /resume: ignoring the resume journal\s+\S+\.setlist\.json\.stemplay-resume: it is not valid JSON/,
      );
      assert.match(screen, /^ {2}now {3}1\. One$/m);
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("resume: when the setlist's folder cannot take the journal, the state folder does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-resume-" });
  const state = await Deno.makeTempDir({ prefix: "stemplay-state-" });
  try {
    await writeSong(dir, "One", 1);
    await writeSong(dir, "Two", 1);
    await Deno.writeTextFile(
      join(dir, "setlist.json"),
      JSON.stringify({ title: "Away", songs: ["One", "Two"] }),
    );
    // Something in the way where the journal would go: it cannot be written there.
    await Deno.mkdir(join(dir, ".setlist.json.stemplay-resume"));
    const env = { XDG_STATE_HOME: state };
    const run = await runCli(["play", "setlist.json", "--backend", "null"], dir, env);
    assert.equal(run.code, 0, run.stderr);
    const files = [...Deno.readDirSync(join(state, "stemplay"))].map((e) => e.name);
    assert.equal(files.length, 1, files.join(", "));
    assert.match(files[0], /^setlist\.json-[0-9a-f]{12}\.stemplay-resume$/);
    const journal = JSON.parse(await Deno.readTextFile(join(state, "stemplay", files[0])));
    assert.equal(journal.song, 1, "the show ended in song 2");
    // --resume finds it there: the show goes on from song 2.
    const again = await runCli(["play", "setlist.json", "--backend", "null", "--resume"], dir, env);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /resume/, again.stderr);
    const starts = again.stdout.split("\n").filter((line) => line.startsWith("song "));
    assert.deepEqual(starts, ['song 2 of 2: "Two"']);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});
