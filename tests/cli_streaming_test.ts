/**
 * Streaming in the command-line player: stemplay.json's `"streaming"` section reaches
 * `stemplay play` (a bad key stops it before anything plays, named by its path), and the play
 * screen keeps starved track-blocks in sight however few rows the terminal has.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { frameLines } from "../src/cli/screen.ts";
import { PlaySession } from "../src/cli/session.ts";
import { parseFlags } from "../src/cli/args.ts";
import { resolveAudioOptions } from "../src/cli/audio_flags.ts";
import { PLAY_FLAGS } from "../src/cli/play.ts";
import { runCli } from "./support/cli.ts";
import { freezeReader } from "./support/offline_player.ts";
import { tone } from "./support/fixtures.ts";

async function writeSong(dir: string, seconds: number): Promise<void> {
  for (const [name, frequency] of [["Bass", 110], ["Keys", 440]] as const) {
    const samples = tone(frequency, seconds, 48000, 2);
    await Deno.writeFile(join(dir, `${name}.wav`), encodeWav(samples, 48000, "s16"));
  }
}

Deno.test("cli streaming: play accepts stemplay.json's streaming section; a bad look-ahead stops it, named by its path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-stream-" });
  try {
    await writeSong(dir, 0.5);
    const settings = join(dir, "stemplay.json");
    const play = () => runCli(["play", dir, "--backend", "null"], dir);

    for (const streaming of [false, { lookAheadSeconds: 0.5, headSeconds: 0.25 }]) {
      await Deno.writeTextFile(settings, JSON.stringify({ streaming }));
      const run = await play();
      assert.equal(run.code, 0, `${JSON.stringify(streaming)}: ${run.stderr}`);
      assert.match(run.stdout, /^ended: "stemplay-cli-stream-\w+", 2 tracks/m);
    }

    await Deno.writeTextFile(settings, JSON.stringify({ streaming: { lookAheadSeconds: 0 } }));
    const bad = await play();
    // A bad settings file is a runtime failure (exit 1), like every other bad key of the file.
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(
      bad.stderr,
      /^stemplay: .*stemplay\.json: streaming\.lookAheadSeconds: must be a number of seconds from 0\.05 to 60, got 0$/m,
    );
    assert.ok(!bad.stdout.includes("ended"), `nothing played: ${bad.stdout}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli streaming: play opens its player with stemplay.json's streaming, next to the flags", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-stream-" });
  try {
    const config = join(dir, "rig.json");
    const options = async (streaming: unknown) => {
      await Deno.writeTextFile(config, JSON.stringify({ streaming }));
      const args = ["song", "--config", config, "--block", "256"];
      return await resolveAudioOptions(
        "stemplay play",
        parseFlags("stemplay play", args, PLAY_FLAGS),
      );
    };
    assert.equal((await options(false)).streaming, false);
    const streamed = await options({ lookAheadSeconds: 4 });
    assert.deepEqual(streamed.streaming, { lookAheadSeconds: 4 });
    assert.equal(streamed.blockFrames, 256, "the flags still apply");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli streaming: starved track-blocks are on the play screen's top lines, even on a short terminal", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-stream-" });
  try {
    await writeSong(dir, 4);
    await using player = await Player.open({
      backend: "offline",
      sampleRate: 48000,
      channels: 2,
      blockFrames: 256,
      // Small rings and heads, so that a stopped reader soon leaves them empty.
      streaming: { lookAheadSeconds: 0.05, headSeconds: 0.05 },
      library: "test",
    });
    const session = new PlaySession(player, { title: "x", markers: [] });
    await player.loadSong(dir);
    const starvedLines = (rows: number) =>
      frameLines(session, 80, rows).filter((line) => /starved [1-9]/.test(line));
    player.play();
    player.render(4096);
    assert.equal(player.health.starved, 0);
    assert.deepEqual(starvedLines(12), [], "nothing to say while nothing starved");

    // The reader stops: once the rings and heads run out, the tracks starve.
    const freeze = (on: boolean) => freezeReader(player, on);
    freeze(true);
    try {
      player.render(48000 * 2);
    } finally {
      freeze(false);
    }
    const starved = player.health.starved;
    assert.ok(starved > 0, "the frozen reader starved the tracks");
    for (const rows of [12, 24, 40]) {
      const shown = starvedLines(rows);
      assert.ok(shown.length >= 1, `${rows} rows:\n${frameLines(session, 80, rows).join("\n")}`);
      assert.ok(shown.some((line) => line.includes(`starved ${starved}`)), shown.join("\n"));
    }
    // Loud, in the lines that are never dropped: right after the title.
    assert.match(frameLines(session, 80, 12)[1], new RegExp(`^!! starved ${starved} `));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
