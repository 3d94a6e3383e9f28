/**
 * LTC offsets: `ltc.offsetMs` moves the timecode against the audio. Each render is decoded by
 * libltc (native/tests/ltc_decode.c) and every timecode word must start exactly the offset (in
 * samples, ±0) later than the same word in a render with offset 0.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { writeSongFolder } from "./support/songs.ts";
import { sine } from "./support/align.ts";
import { decodeLtc, labelOf } from "./support/ltc.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

const RATE = 48000;
const BLOCK = 256;

/** Where each timecode word starts (sample), by its label, for one render with `offsetMs`. */
async function ltcStarts(offsetMs: number): Promise<Map<string, number>> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-ltc-offset-" });
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    blockFrames: BLOCK,
    ltc: { fps: 25, output: 2, offsetMs },
  });
  try {
    const music = {
      file: "music.wav",
      pcm: [sine(220, RATE, 4 * RATE, 0.3)],
      rate: RATE,
      track: { route: [1] },
    };
    await player.loadSong(await writeSongFolder(dir, "song", [music]));
    player.play();
    const out = player.render(3 * RATE);
    const decoded = await decodeLtc(out[1], RATE, 25);
    return new Map(decoded.map((frame) => [labelOf(frame), frame.start]));
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

{
  const name = "LTC offsetMs: every timecode word moves by exactly the offset, early or late";
  Deno.test({
    name,
    ignore: ignoreWithout("cc", name),
    async fn() {
      requireTool("cc", name);
      const base = await ltcStarts(0);
      assert.ok(base.size >= 70, `only ${base.size} frames decoded at offset 0`);
      for (const offsetMs of [120, -120, 7.5, -333]) {
        const shifted = await ltcStarts(offsetMs);
        const expected = Math.round(offsetMs * RATE / 1000);
        const moves = new Map<number, number>();
        for (const [label, start] of base) {
          const moved = shifted.get(label);
          if (moved === undefined) continue;
          const move = moved - start;
          moves.set(move, (moves.get(move) ?? 0) + 1);
        }
        console.log(`offsetMs ${offsetMs}: moves (samples → words)`, Object.fromEntries(moves));
        assert.deepEqual([...moves.keys()], [expected], `offsetMs ${offsetMs}`);
        assert.ok(moves.get(expected)! >= 60, `offsetMs ${offsetMs}: too few words compared`);
        // Early: 01:00:00:00 was due before the song started, so the first word read is later.
        // Late: the words before the song's first frame are the hour before, counting into it.
        if (offsetMs <= -40) assert.ok(!shifted.has("01:00:00:00"));
        if (offsetMs >= 120) assert.ok(shifted.has("00:59:59:24"), "no pre-roll word");
      }
    },
  });
}

Deno.test("LTC offsetMs is checked: a number of ms from -1000 to 1000", async () => {
  const player = await Player.open({ backend: "offline", channels: 2 });
  try {
    for (const bad of [1001, -1000.5, Number.NaN, "5"]) {
      assert.throws(
        () => (player.ltc = { fps: 25, output: 2, offsetMs: bad as number }),
        /ltc\.offsetMs.*-1000 to 1000/,
      );
    }
    assert.equal(player.ltc, undefined, "a refused setting leaves none");
    player.ltc = { fps: 25, output: 2, offsetMs: -1000 };
    assert.deepEqual(player.ltc, { fps: 25, output: 2, levelDb: -12, offsetMs: -1000 });
    player.ltc = { fps: 25, output: 2 };
    assert.deepEqual(player.ltc, { fps: 25, output: 2, levelDb: -12 }, "no offset: none shown");
  } finally {
    await player.close();
  }
});
