/**
 * Timecode out: the LTC track rendered offline is decoded by libltc (an independent decoder, in
 * native/tests/ltc_decode.c) and every decoded frame is checked against the song position the
 * engine published, at 24, 25, 29.97 drop-frame and 30 fps, across a seek, a marker jump and
 * the seams of a loop; a song change (setlist song 2 reads hour 2) and a count-in (the song's
 * first frame reads 01:00:00:00) too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../mod.ts";
import { writeSongFolder } from "./support/songs.ts";
import { sine } from "./support/align.ts";
import { decodeLtc, labelOf, type LtcVerification, verifyLtc } from "./support/ltc.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

const RATE = 48000;
const BLOCK = 256;
const OUTPUT = 2;
/** Frames within this distance of a seam may be cut by it (the 5 ms crossfade and fades). */
const GUARD = 2 * RATE * 5 / 1000;

async function writeSong(
  dir: string,
  name: string,
  seconds: number,
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const pcm = sine(220, RATE, Math.round(seconds * RATE), 0.3);
  const music = { file: "music.wav", pcm: [pcm], rate: RATE, track: { route: [1] } };
  return await writeSongFolder(dir, name, [music], manifest);
}

/** Renders `frames` in blocks, keeping output 2 and the position after each block. */
class Recorder {
  ltc: number[] = [];
  positions: number[] = [];
  constructor(readonly player: Player) {}
  render(frames: number): void {
    for (let done = 0; done < frames; done += BLOCK) {
      const out = this.player.render(BLOCK);
      for (const sample of out[OUTPUT - 1]) this.ltc.push(sample);
      this.positions.push(this.player.positionFrames);
    }
  }
  get samples(): Float32Array {
    return new Float32Array(this.ltc);
  }
}

function report(what: string, result: LtcVerification): void {
  console.log(
    `${what}: ${result.checked} frames checked, ${result.mismatches.length} mismatches, ` +
      `${result.missed} missed, ${result.seamFrames} at seams, ` +
      `worst start offset ${result.worstOffset} samples`,
  );
  assert.deepEqual(result.mismatches.slice(0, 10), [], `${what}: mismatches`);
  assert.equal(
    result.missed,
    0,
    `${what}: frames of steady playback not decoded, at song frames ${result.missedAt}`,
  );
}

async function withPlayer(
  fps: 24 | 25 | 29.97 | 30,
  fn: (dir: string, player: Player) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-ltc-" });
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    blockFrames: BLOCK,
    ltc: { fps, output: OUTPUT },
  });
  try {
    await fn(dir, player);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

for (const fps of [24, 25, 29.97, 30] as const) {
  const name = `LTC ${fps} fps: every decoded frame is the song position, across a seek, ` +
    `a jump and a loop`;
  Deno.test({
    name,
    ignore: ignoreWithout("cc", name),
    async fn() {
      requireTool("cc", name);
      await withPlayer(fps, async (dir, player) => {
        await player.loadSong(
          await writeSong(dir, "song", 70, { markers: [{ name: "B", at: 20.0123 }] }),
        );
        assert.ok(player.tracks.some((t) => t.name === "timecode"), "no timecode track");
        const recorder = new Recorder(player);
        player.play();
        recorder.render(2 * RATE);
        player.jump("B"); // now, to a frame that is no LTC frame boundary
        recorder.render(2 * RATE);
        player.loop(22.5, 23.77); // pulls back at once; then three seams
        recorder.render(4 * RATE);
        player.exitLoop();
        player.seek(59.3); // across minute 1: drop-frame labels skip ;00 and ;01
        recorder.render(2 * RATE);

        const decoded = await decodeLtc(recorder.samples, RATE, fps);
        const result = verifyLtc(decoded, {
          fps,
          sampleRate: RATE,
          hour: 1,
          block: BLOCK,
          startPosition: 0,
          positions: recorder.positions,
          guard: GUARD,
        });
        report(`LTC ${fps}`, result);
        // The run really crossed each kind of seam, and minute 1.
        assert.ok(result.seamFrames >= 1, "no seam seen");
        const labels = decoded.map(labelOf);
        const sep = fps === 29.97 ? ";" : ":";
        assert.ok(labels.includes(`01:00:00${sep}00`), "the song's first frame is not hour 1");
        assert.ok(labels.includes(`01:00:20${sep}00`) || labels.includes(`01:00:20${sep}01`));
        assert.ok(labels.includes(`01:01:00${sep}${fps === 29.97 ? "02" : "00"}`), "no minute 1");
        if (fps === 29.97) {
          assert.ok(!labels.includes("01:01:00;00") && !labels.includes("01:01:00;01"));
          assert.ok(labels.includes("01:00:59;29"));
        }
      });
    },
  });
}

{
  const name = "LTC: setlist song 2 reads hour 2 from its first frame";
  Deno.test({
    name,
    ignore: ignoreWithout("cc", name),
    async fn() {
      requireTool("cc", name);
      await withPlayer(25, async (dir, player) => {
        await writeSong(dir, "one", 3);
        await writeSong(dir, "two", 3);
        const setlist = join(dir, "setlist.json");
        await Deno.writeTextFile(setlist, JSON.stringify({ title: "Show", songs: ["one", "two"] }));
        await player.loadSetlist(setlist);
        const first = new Recorder(player);
        player.play();
        first.render(RATE);
        await player.next();
        first.render(RATE / 10); // song one's stop fades out here (offline, the switch is taken
        // at the next render); song two then starts from a stop, as on a rig
        const second = new Recorder(player);
        player.play();
        second.render(2 * RATE);
        for (const [recorder, hour] of [[first, 1], [second, 2]] as const) {
          const decoded = await decodeLtc(recorder.samples, RATE, 25);
          assert.equal(labelOf(decoded[0]), `0${hour}:00:00:00`, `song ${hour} starts`);
          report(
            `LTC song ${hour}`,
            verifyLtc(decoded, {
              fps: 25,
              sampleRate: RATE,
              hour,
              block: BLOCK,
              startPosition: 0,
              positions: recorder.positions,
              guard: GUARD,
            }),
          );
        }
      });
    },
  });
}

{
  const name = "LTC: after a count-in the song's first frame reads 01:00:00:00";
  Deno.test({
    name,
    ignore: ignoreWithout("cc", name),
    async fn() {
      requireTool("cc", name);
      await withPlayer(25, async (dir, player) => {
        await player.loadSong(await writeSong(dir, "song", 6, { tempo: 120 }));
        player.countIn = 1; // 4 beats at 120 bpm: 2 s before the song
        const recorder = new Recorder(player);
        player.play();
        recorder.render(4 * RATE);
        const samples = recorder.samples;
        // The timecode output is silent during the count-in; it starts on the song's first
        // frame, 2 s into the render, on the first sample of 01:00:00:00's first bit.
        const first = samples.findIndex((sample) => sample !== 0);
        assert.equal(first, 2 * RATE, "the timecode does not start on the song's first frame");
        const decoded = await decodeLtc(samples, RATE, 25);
        // After silence libltc (like a hardware reader) may need a frame to lock, so the first
        // frame it reads may be 00 or 01; either sits exactly where the song puts it (libltc's
        // off_start is approximate to a fraction of a bit, 24 samples at 25 fps).
        const frame = decoded[0].frames;
        assert.ok(frame <= 1, `the first frame read is ${labelOf(decoded[0])}`);
        assert.equal(labelOf(decoded[0]).slice(0, 9), "01:00:00:");
        const offset = decoded[0].start - (2 * RATE + frame * RATE / 25);
        assert.ok(Math.abs(offset) <= 24, `frame ${frame} starts ${offset} samples off`);
        console.log(
          `LTC after a count-in: starts at ${first}, first frame read ${labelOf(decoded[0])} ` +
            `at ${decoded[0].start} (${offset} off)`,
        );
      });
    },
  });
}

Deno.test("LTC options are checked with the key at fault", async () => {
  const player = await Player.open({ backend: "offline", channels: 2 });
  try {
    assert.throws(() => (player.ltc = { fps: 23.976 as 24, output: 1 }), /ltc\.fps/);
    assert.throws(() => (player.ltc = { fps: 25, output: 3 }), /ltc\.output.*1 to 2/);
    assert.throws(() => (player.ltc = { fps: 25, output: 1, levelDb: 3 }), /ltc\.levelDb/);
    assert.throws(() => (player.ltc = { fps: 25 }), /"timecode" bus/);
    assert.equal(player.ltc, undefined, "a refused setting leaves none");
    player.ltc = { fps: 25, output: 2 };
    assert.deepEqual(player.ltc, { fps: 25, output: 2, levelDb: -12 });
  } finally {
    await player.close();
  }
  await assert.rejects(
    Player.open({ backend: "offline", channels: 2, ltc: { fps: 25, output: 9 } }),
    /ltc\.output/,
  );
});

{
  const name = "LTC on the rig profile's timecode bus when no output is given";
  Deno.test({
    name,
    ignore: ignoreWithout("cc", name),
    async fn() {
      requireTool("cc", name);
      const dir = await Deno.makeTempDir({ prefix: "stemplay-ltc-bus-" });
      const player = await Player.open({
        backend: "offline",
        sampleRate: RATE,
        channels: 3,
        blockFrames: BLOCK,
        buses: { FOH: { outputs: [1] }, timecode: { outputs: [3], protected: true } },
        ltc: { fps: 30 },
      });
      try {
        await player.loadSong(await writeSong(dir, "song", 3));
        const timecode = player.tracks.find((track) => track.name === "timecode");
        assert.equal(timecode?.bus, "timecode");
        player.play();
        const out = player.render(2 * RATE);
        assert.equal(out[1].every((sample) => sample === 0), true, "output 2 is not silent");
        const decoded = await decodeLtc(out[2], RATE, 30);
        assert.equal(labelOf(decoded[0]), "01:00:00:00");
        assert.ok(decoded.length >= 58, `only ${decoded.length} frames decoded on output 3`);
      } finally {
        await player.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
