/**
 * The count-in's hand-over into the song (issue 21, items 10 and 11), on an offline player
 * (render is deterministic):
 * - nothing overwrites the hand-over: the next song's load finishing (or failing) while the
 *   count-in plays, a refused song change, must not leave the song skipped at `ended 0:00`;
 * - the count-in ends one beat before the song's first downbeat, whatever its `firstBeat`:
 *   every click on the in-ears, count-in and song, is one beat apart, and the song's audio
 *   starts `firstBeat` seconds before that downbeat, under the last count-in beat. `aubioonset`
 *   (aubio-tools) confirms the click onsets when it is installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dispatch, type Player, StemplayError } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { writeTempoSong } from "./support/songs.ts";
import { withOfflinePlayer } from "./support/show_rig.ts";

const RATE = 48000;
const BEAT = RATE / 2; // 120 bpm

async function writeSetlist(dir: string, songs: unknown[]): Promise<string> {
  const path = join(dir, "setlist.json");
  await Deno.writeTextFile(path, JSON.stringify({ title: "Service", songs }));
  return path;
}

/** Renders until the song plays (count-in over), asserting it was not skipped. */
function assertSongPlaysAfterCountIn(player: Player, title: string) {
  player.render(RATE); // counting in
  assert.ok(player.position < 0, `counting in: ${player.position}`);
  const out = player.render(RATE * 2); // the 2 s count-in is over, 1 s of the song
  assert.equal(player.state, "playing", `after the count-in: ${player.state}`);
  const song = out[0].subarray(RATE + RATE / 10); // FOH, 0.1 s into the song
  assert.ok(song.some((sample) => Math.abs(sample) > 0.1), "the song is heard after its count-in");
  assert.equal(player.title, title);
  assert.ok(
    player.position > 0.5 && player.position < 1.5,
    `the song plays after its count-in: ${player.position}`,
  );
}

for (const transition of ["stop", "next", { crossfade: 1 }]) {
  Deno.test(`count-in: the next song's load finishing during the count-in does not skip the song (transition ${JSON.stringify(transition)})`, async () => {
    await withOfflinePlayer(RATE, async (player, dir) => {
      await writeTempoSong(dir, "A", 6);
      await writeTempoSong(dir, "B", 60); // long: still loading when play is pressed
      await player.loadSetlist(
        await writeSetlist(dir, [{ song: "A", countIn: 1, transition }, { song: "B" }]),
      );
      await player.setlistReady();
      await player.goto(0); // B is prepared again: it is still loading when play is pressed
      await dispatch(player, { type: "play" });
      await player.setlistReady(); // B's load arms the transition now
      assertSongPlaysAfterCountIn(player, "A");
      assert.equal(player.setlist?.index, 0);
    });
  });
}

Deno.test("count-in: the next song's load failing during the count-in does not skip the song", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await writeTempoSong(dir, "A", 6);
    await writeTempoSong(dir, "B", 6);
    const path = await writeSetlist(dir, [{ song: "A", countIn: 1 }, { song: "B" }]);
    await player.loadSetlist(path);
    await player.setlistReady();
    await Deno.remove(join(dir, "B", "bass.wav")); // B breaks
    await player.goto(0); // B is prepared again (and fails) while A counts in
    await dispatch(player, { type: "play" });
    await player.setlistReady();
    assert.ok(player.setlist?.nextError, "B's load failed");
    assertSongPlaysAfterCountIn(player, "A");
  });
});

Deno.test("count-in: a refused song change during the count-in does not skip the song", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await writeTempoSong(dir, "A", 6);
    await writeTempoSong(dir, "B", 6);
    await writeTempoSong(dir, "C", 6);
    const path = await writeSetlist(dir, [
      { song: "A", countIn: 1 },
      { song: "B" },
      { song: "C" },
    ]);
    await player.loadSetlist(path);
    await player.setlistReady();
    await Deno.remove(join(dir, "C", "bass.wav")); // C breaks: `g 3` is refused
    await dispatch(player, { type: "play" });
    await assert.rejects(dispatch(player, { type: "goto", song: 3 }), StemplayError);
    await player.setlistReady();
    assertSongPlaysAfterCountIn(player, "A");
  });
});

Deno.test("count-in: after a song ended, play counts in the next song without skipping it", async () => {
  await withOfflinePlayer(RATE, async (player, dir) => {
    await writeTempoSong(dir, "A", 1);
    await writeTempoSong(dir, "B", 6);
    await writeTempoSong(dir, "C", 60);
    await player.loadSetlist(
      await writeSetlist(dir, [
        { song: "A", transition: "stop" },
        { song: "B", countIn: 1 },
        { song: "C" },
      ]),
    );
    await player.setlistReady();
    await dispatch(player, { type: "play" });
    player.render(RATE * 1.5);
    assert.equal(player.state, "ended");
    await dispatch(player, { type: "play" }); // to B, counting in, while C loads
    await player.setlistReady();
    assertSongPlaysAfterCountIn(player, "B");
  });
});

/** Frames where a click starts: a sample above `threshold` after at least 50 ms below it. */
function onsets(samples: Float32Array, threshold = 0.05): number[] {
  const found: number[] = [];
  let last = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]) <= threshold) continue;
    if (i - last > RATE * 0.05) found.push(i);
    last = i;
  }
  return found;
}

async function aubioOnsets(samples: Float32Array): Promise<number[] | undefined> {
  const file = await Deno.makeTempFile({ suffix: ".wav" });
  try {
    await Deno.writeFile(file, encodeWav([samples], RATE, "f32"));
    const output = await new Deno.Command("aubioonset", {
      args: ["-i", file, "-r", String(RATE), "-t", "0.5", "-M", "0.1"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!output.success) return undefined;
    return new TextDecoder().decode(output.stdout).trim().split(/\s+/).filter(Boolean)
      .map((s) => Number(s) * RATE);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  } finally {
    await Deno.remove(file);
  }
}

for (const firstBeat of [0.5, 0, 0.25, 3.1]) {
  Deno.test(`count-in: with firstBeat ${firstBeat}, every click is one beat apart into the song's first downbeat`, async () => {
    await withOfflinePlayer(RATE, async (player, dir) => {
      await writeTempoSong(dir, "Late", 8, { firstBeat, generateClick: true });
      await player.loadSong(join(dir, "Late"));
      player.countIn = 1;
      await dispatch(player, { type: "play" });
      const out = player.render(RATE * 6);
      const inEars = out[2];
      const found = onsets(inEars);
      // At least the 4 count-in clicks and the song's first 4.
      assert.ok(found.length >= 8, `clicks at ${found}`);
      const intervals = found.slice(1, 8).map((frame, i) => frame - found[i]);
      for (const interval of intervals) {
        assert.ok(
          Math.abs(interval - BEAT) <= 2,
          `with firstBeat ${firstBeat}, click intervals (frames) ${intervals}, expected ${BEAT}`,
        );
      }
      // The song's audio (FOH) starts firstBeat before its first downbeat (the 5th click).
      const songStart = out[0].findIndex((sample) => sample !== 0);
      const downbeat = found[4];
      assert.ok(
        Math.abs(downbeat - songStart - firstBeat * RATE) <= 2,
        `the song starts at ${songStart}, its first downbeat at ${downbeat}`,
      );
      if (firstBeat > 0) {
        // The count-in's last beats are gone once the song passed its downbeat: back at the
        // top, the in-ears are silent until the song's own first click.
        player.render(BEAT / 2); // off the song's beats (a click lasts 30 ms)
        player.seek(0);
        const again = player.render(Math.round(firstBeat * RATE) - 100)[2];
        const afterSeam = again.subarray(RATE / 50); // past the seek's fade of the old place
        assert.ok(afterSeam.every((x) => x === 0), "the count-in clicked again after a seek");
      }
      const aubio = await aubioOnsets(inEars.subarray(0, RATE * 6));
      if (aubio) {
        // An independent onset detector agrees, within a few ms.
        for (const frame of found.slice(0, 8)) {
          assert.ok(
            aubio.some((a) => Math.abs(a - frame) < RATE * 0.012),
            `aubioonset found ${aubio.map((a) => Math.round(a))}, not ${frame}`,
          );
        }
      }
    });
  });
}
