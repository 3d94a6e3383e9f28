/**
 * The operator's key and tempo on every surface (issue 24): the `transpose` and `speed`
 * actions through the command layer (INVALID_ACTION on bad values, refusals passed on), the
 * status every remote reads, a MIDI map's actions, and the play screen's header and keys in a
 * real terminal (tmux). OSC is in tests/osc_test.ts, the web remote in tests/remote_test.ts.
 * Real Rubber Band; nothing timed.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ControlSurface, StemplayError, validateAction } from "../mod.ts";
import { checkMidiMap } from "../src/control/midi_map.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { writeToneSong } from "./support/stretch_signals.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

Deno.test("key and tempo actions: bad values are INVALID_ACTION, naming the field", () => {
  const bad: [unknown, RegExp][] = [
    [{ type: "transpose", semitones: 13 }, /transpose: "semitones" 13 is out of range/],
    [{ type: "transpose", semitones: "2" }, /transpose: "semitones" must be a number/],
    [{ type: "transpose", semitones: null }, /transpose: "semitones" must be a number/],
    [{ type: "transpose" }, /transpose needs exactly one of "semitones", "by"/],
    [{ type: "transpose", semitones: 1, by: 1 }, /exactly one of/],
    [{ type: "transpose", by: 30 }, /transpose: "by" must be a number from -24 to 24/],
    [{ type: "transpose", cents: 5 }, /transpose: unknown field "cents"/],
    [{ type: "speed", ratio: 0.4 }, /speed: "ratio" 0.4 is out of range/],
    [{ type: "speed", ratio: Infinity }, /speed: "ratio" must be a tempo ratio/],
    [{ type: "speed", by: "fast" }, /speed: "by" must be a number/],
  ];
  for (const [action, message] of bad) {
    assert.throws(() => validateAction(action), (error: unknown) => {
      assert.ok(error instanceof StemplayError, JSON.stringify(action));
      assert.equal(error.code, "INVALID_ACTION");
      assert.match(error.message, message);
      return true;
    });
  }
  assert.deepEqual(validateAction({ type: "speed", ratio: 0.9 }), { type: "speed", ratio: 0.9 });
});

Deno.test("key and tempo actions: through the command layer, steps stop at the range, the status carries them", async () => {
  await withOfflinePlayer(48_000, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, { tempo: 120 }, "song", 2));
    const surface = ControlSurface.for(player);
    const status = () => surface.status();
    assert.deepEqual([status().transpose, status().speed, status().keyTempo], [0, 1, ""]);

    const set = await surface.dispatch({ type: "transpose", semitones: 2 });
    assert.match(set.message, /^key \+2: preparing the song at it/);
    assert.equal(status().transpose, 2);
    assert.equal(status().keyTempo, "key +2  (preparing)");
    await player.keyTempoReady();
    assert.equal(status().keyTempo, "key +2");

    await surface.dispatch({ type: "speed", by: -0.1 });
    assert.equal(player.speed, 0.9);
    await player.keyTempoReady();
    assert.equal(status().speed, 0.9);
    assert.equal(status().keyTempo, "key +2  tempo 108 bpm (90%)");

    await surface.dispatch({ type: "transpose", semitones: 11.5 });
    await surface.dispatch({ type: "transpose", by: 1 });
    assert.equal(player.transpose, 12, "a step stops at +12");
    const again = await surface.dispatch({ type: "transpose", by: 1 });
    assert.equal(again.message, "key +12 already");
    await player.keyTempoReady();

    // While playing, the action is taken: the old key plays on until the new one is ready.
    player.play();
    player.render(4800);
    const live = await surface.dispatch({ type: "speed", ratio: 1 });
    assert.match(live.message ?? "", /the old key plays until it is ready/);
    await player.keyTempoReady();
    player.render(4800);
    assert.equal(player.speed, 1);
    assert.equal(player.state, "playing");
  });
});

Deno.test("MIDI map: key and tempo actions are mapped like any other, and checked", () => {
  const map = checkMidiMap([
    { note: 60, action: { type: "transpose", by: 1 } },
    { cc: 20, action: { type: "speed", ratio: 0.9 } },
  ]);
  assert.equal(map.length, 2);
  assert.throws(
    () => checkMidiMap([{ note: 61, action: { type: "transpose", semitones: 20 } }]),
    (error: unknown) =>
      error instanceof StemplayError && error.code === "MIDI_MAP" &&
      /semitones/.test(error.message),
  );
});

const screenName =
  "tui: the header shows key and tempo, k/K and t/T change them, P keeps a track's key";
Deno.test({
  name: screenName,
  ignore: ignoreWithout("tmux", screenName),
  async fn() {
    requireTool("tmux", screenName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-keytempo-tui-" });
    const pane = new Pane(110, 34);
    try {
      await writeToneSong(dir, { title: "Tone", tempo: 120 }, "song", 2);
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play song --backend null; echo "exit=$?"`,
        true,
      );
      let screen = await pane.waitFor((s) => s.includes("stemplay  Tone"), "the screen");
      const header = () => screen.split("\n").find((line) => line.startsWith("stemplay  "))!;
      assert.doesNotMatch(header(), /key|tempo/, "nothing as recorded");
      // One key at a time, each waited for: the screen is read, not timed.
      const steps: [string, RegExp][] = [
        ["K", /^stemplay {2}Tone {3}key \+1$/m],
        ["K", /^stemplay {2}Tone {3}key \+2$/m],
        ["t", /^stemplay {2}Tone {3}key \+2 {2}tempo 118\.8 bpm \(99%\)$/m],
        ["k", /^stemplay {2}Tone {3}key \+1 {2}tempo 118\.8 bpm \(99%\)$/m],
        ["k", /^stemplay {2}Tone {3}tempo 118\.8 bpm \(99%\)$/m],
        ["T", /^stemplay {2}Tone$/m],
      ];
      for (const [key, shown] of steps) {
        await pane.keys(key);
        screen = await pane.waitFor((s) => shown.test(s), `${key}: ${shown}`);
        console.log(`  ${key}: ${header().trim()}`);
      }
      // P: the selected track (the first) keeps its key, then follows it again.
      await pane.keys("P");
      screen = await pane.waitFor((s) => /keys \(keeps key\)/.test(s), "P: keys (keeps key)");
      await pane.keys("P");
      await pane.waitFor((s) => !/\(keeps key/.test(s) && /\bkeys\b/.test(s), "P again: keys");
      await pane.quit();
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
