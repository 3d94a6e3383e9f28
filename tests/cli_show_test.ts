/**
 * `stemplay play setlist.json`: the show screen driven for real in a tmux pane (setlist, next
 * and previous song, vamp and leaving it, count-in, bar-quantised marker jumps, songs without
 * a tempo), and a setlist played through when piped. Waits have generous limits and assert on
 * what the screen shows, never on how fast.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSongFolder } from "./support/songs.ts";
import { CLI, runCli } from "./support/cli.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane, PROMPT, shownPosition } from "./support/tmux_pane.ts";

const RATE = 48000;

/** A song folder: one quiet tone track and a manifest with `manifest`'s keys. */
async function writeSong(
  dir: string,
  name: string,
  seconds: number,
  manifest: Record<string, unknown>,
): Promise<void> {
  const samples = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < samples.length; i++) {
    samples[i] = 0.1 * Math.sin(2 * Math.PI * 330 * i / RATE);
  }
  const tone = { file: "tone.wav", pcm: [samples], rate: RATE, format: "s16" as const };
  await writeSongFolder(dir, name, [{ ...tone, track: { name: "Tone" } }], manifest);
}

/** "One": 8 s at 120 bpm in 4/4 (a bar is 2 s), a marker on every bar.
 * "Two": 6 s at 90 bpm in 3/4 (a bar is 2 s), marker B at 3 s, which is bar 2 beat 2. */
async function writeShow(dir: string): Promise<string> {
  await writeSong(dir, "One", 8, {
    tempo: 120,
    timeSignature: [4, 4],
    markers: [
      { name: "Intro", at: 0 },
      { name: "Verse", at: 2 },
      { name: "Chorus", at: 4 },
      { name: "Outro", at: 6 },
    ],
  });
  await writeSong(dir, "Two", 6, {
    tempo: 90,
    timeSignature: [3, 4],
    markers: [{ name: "A", at: 0 }, { name: "B", at: 3 }],
  });
  const path = join(dir, "setlist.json");
  await Deno.writeTextFile(path, JSON.stringify({ title: "Test Show", songs: ["One", "Two"] }));
  return path;
}

async function withPane(
  write: (dir: string) => Promise<unknown>,
  fn: (pane: Pane, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-show-" });
  const pane = new Pane(100, 40);
  try {
    await write(dir);
    await pane.start(dir);
    await fn(pane, dir);
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const playSetlist = () =>
  `stty -g > before.tty; ${Deno.execPath()} run -A ${CLI} play setlist.json --backend null` +
  `; echo "exit=$?"; stty -g > after.tty`;

const showName = "cli show: setlist screen; n, p, c, v, Enter and j then a number at the next bar";
Deno.test({
  name: showName,
  ignore: ignoreWithout("tmux", showName),
  async fn() {
    requireTool("tmux", showName);
    await withPane(writeShow, async (pane, dir) => {
      await pane.type(playSetlist(), true);
      // A setlist opens stopped; space plays.
      let screen = await pane.waitFor(
        (s) => s.includes("[] STOPPED") && s.includes("next  2. Two  (ready)"),
        "the first song stopped, the second one preloaded",
      );
      assert.match(screen, /> setlist loaded, stopped: space plays the first song/);
      await pane.keys("Space");
      screen = await pane.waitFor((s) => s.includes("> PLAYING"), "the first song playing");
      assert.match(screen, /setlist: Test Show {2}\(song 1 of 2\)/);
      assert.match(screen, /^ {2}now {3}1\. One$/m);
      assert.match(
        screen,
        /markers: 1 Intro 1\.1 {2}2 Verse 2\.1 {2}3 Chorus 3\.1 {2}4 Outro 4\.1/,
      );
      assert.match(screen, /tempo 120 bpm 4\/4 {3}count-in: off/);
      assert.match(
        screen,
        /0:0\d\.\d \/ 0:08\.0 {3}bar \d\.\d/,
        "the bar and beat of the position",
      );

      // n during playback asks for a second press; the second n goes to the second song,
      // stopped at its start; it is the last one.
      await pane.keys("n");
      screen = await pane.waitFor((s) => s.includes("press n again within 2 s"), "n asks");
      assert.match(screen, /> next song\? the song is playing: press n again within 2 s/);
      assert.match(screen, /^ {2}now {3}1\. One$/m, "still song 1");
      await pane.pressAgain("n");
      screen = await pane.waitFor((s) => /^ {2}now {3}2\. Two$/m.test(s), "song 2 current");
      assert.match(screen, /setlist: Test Show {2}\(song 2 of 2\)/);
      screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "song 2 stopped");
      assert.match(screen, /0:00\.0 \/ 0:06\.0/);
      assert.match(
        screen,
        /markers: 1 A 1\.1 {2}2 B 2\.2/,
        "B at 3 s is bar 2 beat 2 in 3/4 at 90",
      );
      assert.match(screen, /tempo 90 bpm 3\/4/);
      assert.doesNotMatch(screen, /next {2}\d\./, "no song after the last");
      assert.match(screen, /> song 2 of 2: Two/);

      // p: back to the first song, with the second one preloaded again.
      await pane.keys("p");
      screen = await pane.waitFor(
        (s) => /^ {2}now {3}1\. One$/m.test(s) && s.includes("next  2. Two  (ready)"),
        "song 1 current again, song 2 ready",
      );
      assert.match(screen, /0:00\.0 \/ 0:08\.0/);

      // c: count-in on (one bar), c again: off.
      await pane.keys("c");
      screen = await pane.waitFor((s) => s.includes("count-in: 1 bar"), "count-in on");
      assert.match(screen, /> count-in on: 1 bar/);
      await pane.keys("c");
      await pane.waitFor((s) => s.includes("count-in: off"), "count-in off");

      // To Chorus (4 s) with ] ], still stopped.
      const at = (seconds: number) => (s: string) => Math.abs(shownPosition(s) - seconds) < 0.01;
      await pane.keys("Home");
      await pane.waitFor(at(0), "the start");
      await pane.keys("]");
      await pane.waitFor(at(2), "Verse at 0:02.0");
      await pane.keys("]");
      screen = await pane.waitFor(at(4), "Chorus at 0:04.0");
      assert.match(screen, /bar 3\.1 {3}marker: Chorus/);

      // v: the Chorus section (4 s to the next marker at 6 s) loops; Enter leaves it.
      await pane.keys("v");
      screen = await pane.waitFor((s) => s.includes("loop: 0:04.0-0:06.0 Chorus"), "the loop");
      assert.match(
        screen,
        /> vamp: looping 3 Chorus 0:04\.0-0:06\.0 \(exit loop leaves at its end\)/,
      );
      await pane.keys("Enter");
      // The loop shows until it really ends: this is its last pass.
      screen = await pane.waitFor(
        (s) => s.includes("loop: 0:04.0-0:06.0 Chorus (last pass)"),
        "the loop's last pass",
      );
      assert.match(screen, /LOOP 0:04\.0-0:06\.0: last pass/);
      assert.match(screen, /> leaving the loop at its end/);

      // j 2: a jump to Verse armed for the next bar line (bar 4, at 6 s), then play: the
      // position passes 4..6 and lands back on Verse (2 s), which only a jump can do.
      await pane.keys("j");
      screen = await pane.waitFor((s) => s.includes("jump: press a marker number"), "j asks");
      await pane.keys("2");
      screen = await pane.waitFor((s) => s.includes("> jump to 2 Verse at bar 4"), "jump armed");
      assert.match(screen, /JUMP to 2 Verse at 0:06\.0 \(x cancels\)/, "the cancel hint");
      await pane.keys("Space");
      // First the song plays on in Chorus (an immediate jump would never show this) …
      await pane.waitFor(
        (s) => s.includes("> PLAYING") && shownPosition(s) > 4 && s.includes("marker: Chorus"),
        "playing on in Chorus until the bar line",
      );
      // … then lands on Verse.
      screen = await pane.waitFor((s) => {
        const position = shownPosition(s);
        return position >= 2 && position < 4 && s.includes("marker: Verse");
      }, "the position back in Verse after the jump");
      assert.match(screen, /bar 2\.\d {3}marker: Verse/);

      // q: a clean exit, the terminal as it was.
      await pane.quit();
      screen = await pane.waitFor((s) => s.includes("exit=0"), "the exit status");
      assert.match(screen, /stemplay: left "One" \(song 1 of 2 of "Test Show"\) at /);
      await pane.waitFor((s) => s.trimEnd().endsWith(PROMPT.trim()), "the prompt");
      assert.equal(await pane.flag("alternate_on"), "0", "back on the normal screen");
      assert.equal(await pane.flag("cursor_flag"), "1", "the cursor is visible again");
      assert.equal(
        await Deno.readTextFile(`${dir}/after.tty`),
        await Deno.readTextFile(`${dir}/before.tty`),
      );
    });
  },
});

const noTempoName = "cli show: a song without tempo refuses count-in and jumps at once";
Deno.test({
  name: noTempoName,
  ignore: ignoreWithout("tmux", noTempoName),
  async fn() {
    requireTool("tmux", noTempoName);
    const write = async (dir: string) => {
      await writeSong(dir, "Free", 8, {
        markers: [{ name: "Top", at: 0 }, { name: "Late", at: 5 }],
      });
      await Deno.writeTextFile(
        join(dir, "setlist.json"),
        JSON.stringify({ title: "Loose", songs: ["Free"] }),
      );
    };
    await withPane(write, async (pane) => {
      await pane.type(playSetlist(), true);
      let screen = await pane.waitFor((s) => s.includes("[] STOPPED"), "stopped");
      await pane.keys("Space");
      screen = await pane.waitFor((s) => s.includes("> PLAYING"), "playing");
      assert.match(screen, /markers: 1 Top 0:00\.0 {2}2 Late 0:05\.0/);
      assert.match(screen, /tempo: none {3}count-in: off/);
      await pane.keys("Space");
      await pane.waitFor((s) => s.includes("|| PAUSED"), "paused");
      await pane.keys("Home");
      await pane.waitFor((s) => shownPosition(s) === 0, "the start");

      // c: refused on the status line, the screen still up.
      await pane.keys("c");
      screen = await pane.waitFor((s) => s.includes("> refused: "), "the refusal");
      assert.match(screen, /> refused: a count-in needs the song's tempo/);
      assert.match(screen, /count-in: off/);

      // j 2: no bars to wait for, so at once, and it says so.
      await pane.keys("j", "2");
      screen = await pane.waitFor((s) => s.includes("> jumped to 2 Late at once"), "the jump");
      assert.match(screen, /no tempo/);
      // Paused, "at once" is a seek: the position is exactly on Late.
      screen = await pane.waitFor((s) => s.includes("marker: Late"), "the position at Late");
      assert.equal(shownPosition(screen), 5, screen);
      assert.match(screen, /\[\] STOPPED/, "Home from a pause stops (count-in armed)");

      // j then a number with no marker: a message, nothing moves; f: a fade-out message.
      await pane.keys("j", "7");
      screen = await pane.waitFor((s) => s.includes("> refused: no marker 7"), "no marker 7");
      assert.equal(shownPosition(screen), 5, "nothing moved");
      await pane.keys("j", "y");
      await pane.waitFor((s) => s.includes("> jump cancelled"), "j cancelled by another key");
      await pane.keys("f");
      await pane.waitFor((s) => s.includes("> fading out over 4 s"), "the fade message");
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit status");
    });
  },
});

Deno.test("cli show: piped, a setlist plays through both songs and the summary lists both", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-show-" });
  try {
    await writeSong(dir, "First", 1.5, { markers: [{ name: "Top", at: 0 }] });
    await writeSong(dir, "Second", 1.5, { tempo: 100 });
    await Deno.writeTextFile(
      join(dir, "setlist.json"),
      JSON.stringify({ title: "Piped Show", songs: ["First", "Second"] }),
    );
    const { code, stdout, stderr } = await runCli(
      ["play", "setlist.json", "--backend", "null"],
      dir,
    );
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split("\n");
    const starts = lines.filter((line) => line.startsWith("song "));
    assert.deepEqual(starts, ['song 1 of 2: "First"', 'song 2 of 2: "Second"']);
    for (const line of lines.filter((l) => /^\[\d\/2 /.test(l))) {
      assert.match(line, /^\[[12]\/2 (First|Second)\] \d:\d\d\.\d \/ 0:01\.5 {2}\w+/);
    }
    const summary = lines.slice(lines.findIndex((l) => l.startsWith("ended: setlist")));
    assert.match(
      summary[0],
      /^ended: setlist "Piped Show", 2 of 2 songs played in \d:\d\d\.\d on NULL Playback Device/,
    );
    assert.deepEqual(summary.slice(1, 3), ["  1. First", "  2. Second"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const besideName = "cli show: stemplay.json beside the setlist is used, and the screen names it";
Deno.test({
  name: besideName,
  ignore: ignoreWithout("tmux", besideName),
  async fn() {
    requireTool("tmux", besideName);
    const write = async (dir: string) => {
      const show = join(dir, "show");
      await writeSong(show, "Routed", 4, {});
      // The song sends its track to output 3: only the show's own rig profile has it.
      const manifest = join(show, "Routed", "song.json");
      const song = JSON.parse(await Deno.readTextFile(manifest));
      song.tracks[0].route = [3];
      await Deno.writeTextFile(manifest, JSON.stringify(song));
      await Deno.writeTextFile(
        join(show, "setlist.json"),
        JSON.stringify({ title: "Away", songs: ["Routed"] }),
      );
      await Deno.writeTextFile(
        join(show, "stemplay.json"),
        JSON.stringify({ audio: { channels: 4 } }),
      );
    };
    await withPane(write, async (pane) => {
      // Started from the folder above the show's: no stemplay.json here.
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play show/setlist.json --backend null; echo "exit=$?"`,
        true,
      );
      const screen = await pane.waitFor(
        (s) => s.includes("[] STOPPED") || /exit=\d/.test(s),
        "the setlist, stopped",
      );
      assert.doesNotMatch(screen, /exit=/, "the show opens");
      assert.match(screen, /^settings: show\/stemplay\.json$/m);
      assert.match(screen, /48000 Hz {2}4 ch/);
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit status");
    });
  },
});
