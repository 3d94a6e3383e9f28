/**
 * A song played at its song.json's (or setlist entry's) key and tempo (issue 24): the stems
 * rendered through Rubber Band before the song is attached, the generated click on the new
 * tempo's grid, markers (bar jumps) at the new tempo, and transpose 0 / speed 1 untouched.
 * Real Rubber Band, offline engine; nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Player, StemplayError } from "../mod.ts";
import { estimateFrequency } from "./support/fixtures.ts";
import { assertUntouched, playerPlayingOldSong, snapshot } from "./support/songs.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";
import { cents, middle, writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;

/** Output channel `channel` of `frames` frames played from the start. */
function play(player: Player, frames: number, channel = 0): Float32Array {
  player.seekFrames(0);
  player.play();
  const out = new Float32Array(frames);
  for (let at = 0; at < frames; at += 4800) {
    out.set(player.render(Math.min(4800, frames - at))[channel], at);
  }
  player.pause();
  player.render(4800);
  return out;
}

/** Where a jump to `marker` leaves the playhead after the same renders (less the landing on a
 * marker at 0 s, it is the marker's frame). */
function landing(player: Player, marker: string): number {
  player.seekFrames(0);
  player.play();
  player.render(4096);
  player.jump(marker, { at: "now" });
  player.render(4096);
  player.pause();
  player.render(4096);
  return player.positionFrames;
}

Deno.test("song.json transpose +2: the stem plays on the new key within 2 cents", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, { transpose: 2 }));
    const out = play(player, 3 * RATE);
    const expected = 220 * Math.pow(2, 2 / 12);
    const error = cents(estimateFrequency(middle(out, 1), RATE), expected);
    console.log(`  transpose +2: ${error.toFixed(3)} cents off`);
    assert.ok(Math.abs(error) < 2, `${error} cents`);
  });
});

Deno.test("transpose 0 and speed 1 in song.json play the files untouched, bit for bit", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}));
    const plain = play(player, RATE);
    await player.loadSong(await writeToneSong(dir, { transpose: 0, speed: 1 }));
    assert.deepEqual(play(player, RATE), plain);
  });
});

for (const speed of [0.9, 1.1]) {
  Deno.test(`speed ${speed}: the generated click is on the new tempo's grid, a bar marker on the bar`, async () => {
    await withOfflinePlayer(RATE, async (player, dir) => {
      await player.loadSong(
        await writeToneSong(dir, {
          speed,
          tempo: 120,
          generateClick: true,
          clickRoute: [3],
          markers: [{ name: "Zero", at: 0 }, { name: "Bar 2", at: "2.1" }],
        }),
      );
      const seconds = 4 / speed;
      // Song time (the recording's 4 s) whatever the speed: docs/key_tempo.md.
      assert.ok(
        Math.abs(player.durationFrames - 4 * RATE) <= 1,
        `duration ${player.durationFrames}`,
      );
      const click = play(player, Math.floor(3.5 * RATE), 2);
      const beat = (60 / (120 * speed)) * RATE;
      for (let k = 0; k * beat < 3.4 * RATE; k++) {
        const expected = Math.round(k * beat);
        let onset = expected - 200;
        while (onset < expected + 200 && Math.abs(click[onset] ?? 0) < 1e-6) onset++;
        assert.ok(Math.abs(onset - expected) <= 1, `beat ${k}: onset ${onset}, grid ${expected}`);
      }
      const marker = player.markers.find((m) => m.name === "Bar 2")!;
      assert.equal(marker.at, 2); // bar 2 of the recording, in song time
      // The playhead lands on the bar: in song frames, bar 2 of the recording (within the
      // rounding of one timeline frame), heard at 2 / speed s of real time.
      const landed = landing(player, "Bar 2") - landing(player, "Zero");
      console.log(`  speed ${speed}: ${seconds.toFixed(3)} s long, bar 2 at song frame ${landed}`);
      assert.ok(Math.abs(landed - 2 * RATE) <= 1, `landed ${landed}`);
    });
  });
}

Deno.test("a setlist entry's transpose applies when its song starts", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const song = await writeToneSong(dir, {});
    const setlist = join(dir, "show.json");
    await Deno.writeTextFile(
      setlist,
      JSON.stringify({ songs: [song, { song, transpose: -3 }] }),
    );
    await player.loadSetlist(setlist);
    const measure = () => estimateFrequency(middle(play(player, 3 * RATE), 1), RATE);
    const first = cents(measure(), 220);
    await player.next();
    const second = cents(measure(), 220 * Math.pow(2, -3 / 12));
    console.log(`  entry 1: ${first.toFixed(3)} cents, entry 2 (−3): ${second.toFixed(3)} cents`);
    assert.ok(Math.abs(first) < 2 && Math.abs(second) < 2, `${first}, ${second} cents`);
  });
});

Deno.test("a setlist entry at another tempo starts on its start marker in the new timeline", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    const song = await writeToneSong(dir, { markers: [{ name: "verse", at: 2 }] }, "song", 6);
    const setlist = join(dir, "show.json");
    await Deno.writeTextFile(
      setlist,
      JSON.stringify({
        songs: [song, { song, speed: 0.8, start: "verse" }],
      }),
    );
    await player.loadSetlist(setlist);
    await player.next();
    player.play();
    player.render(256);
    // Song time is the recording's seconds (the marker's own), whatever the tempo.
    const start = player.position - 256 * player.speed / RATE;
    console.log(`  at ${player.speed}: started at ${start} s of song time, the verse at 2 s`);
    assert.ok(Math.abs(start - 2) < 2 / RATE, `started at ${start} s`);
  });
});

Deno.test("loadSong with a bad transpose or speed is INVALID_ARGUMENT and the playing song is untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-keytempo-bad-" });
  const player = await playerPlayingOldSong(dir);
  try {
    const song = await writeToneSong(dir, {});
    for (
      const options of [{ transpose: 12.5 }, { transpose: NaN }, { speed: 0.4 }, {
        speed: "1" as unknown as number,
      }]
    ) {
      const before = snapshot(player); // assertUntouched plays on a block
      await assert.rejects(
        () => player.loadSong(song, options),
        (error) => error instanceof StemplayError && error.code === "INVALID_ARGUMENT",
        JSON.stringify(options),
      );
      assertUntouched(player, before);
    }
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
