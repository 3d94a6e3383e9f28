/**
 * The rate conversion is visible: `stemplay play` of a 44.1 kHz stem on a 48 kHz engine says
 * once which tracks were converted and from what, piped and on the live screen.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { frameLines } from "../src/cli/screen.ts";
import { PlaySession } from "../src/cli/session.ts";
import { runCli } from "./support/cli.ts";
import { tone } from "./support/fixtures.ts";

const NOTICE = "converted to 48 kHz at load: Bass (WAV, 44.1 kHz)";

async function writeSong(dir: string): Promise<void> {
  await Deno.writeFile(join(dir, "Bass.wav"), encodeWav(tone(110, 0.4, 44100, 2), 44100, "s16"));
  await Deno.writeFile(join(dir, "Click.wav"), encodeWav(tone(1000, 0.4, 48000, 1), 48000, "s16"));
}

Deno.test("rate notice: piped play prints the converted tracks once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-rate-" });
  try {
    await writeSong(dir);
    const { code, stdout, stderr } = await runCli([
      "play",
      dir,
      "--backend",
      "null",
      "--rate",
      "48000",
    ], dir);
    assert.equal(code, 0, stderr);
    const lines = stdout.split("\n").filter((line) => line.includes("converted"));
    assert.deepEqual(lines, [NOTICE]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rate notice: the play screen shows it, and nothing when no track was converted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-rate-" });
  try {
    await writeSong(dir);
    await using player = await Player.open({ backend: "offline", sampleRate: 48000 });
    await player.loadSong(dir);
    const screen = frameLines(new PlaySession(player, { title: "x", markers: [] }), 100);
    assert.equal(screen.filter((line) => line === NOTICE).length, 1, screen.join("\n"));
    await Deno.remove(join(dir, "Bass.wav"));
    await player.loadSong(dir);
    const plain = frameLines(new PlaySession(player, { title: "x", markers: [] }), 100);
    assert.ok(!plain.some((line) => line.includes("converted")), plain.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
