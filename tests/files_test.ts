/**
 * Real files through the real decoder: WAV 16/24/float, FLAC and MP3 of a known tone decode to
 * the expected length and frequency, and a 44.1 kHz file in a 48 kHz engine keeps its duration
 * and pitch (resampled at load time).
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { estimateFrequency, writeToneFiles } from "./support/fixtures.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

const FREQUENCY = 440;

async function decodeThrough(player: Player, path: string) {
  const track = await player.load(path, { route: [1, 2] });
  player.play();
  const rendered = player.render(track.frames);
  player.stop();
  player.render(player.blockFrames * 2);
  await track.remove();
  return { track, rendered };
}

async function withTones(
  rate: number,
  check: (files: Awaited<ReturnType<typeof writeToneFiles>>, player: Player) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-files-" });
  try {
    const files = await writeToneFiles(dir, { frequency: FREQUENCY, seconds: 1, sampleRate: rate });
    await using player = await Player.open({
      backend: "offline",
      sampleRate: 48000,
      channels: 2,
      blockFrames: 1024,
    });
    await check(files, player);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const kind of ["wavS16", "wavS24", "wavF32"] as const) {
  Deno.test(`files: ${kind} decodes to the exact samples, length and frequency`, async () => {
    await withTones(48000, async (files, player) => {
      const { track, rendered } = await decodeThrough(player, files[kind]);
      assert.equal(track.frames, 48000);
      assert.equal(track.channelCount, 2);
      const lsb = kind === "wavS16" ? 1 / 32768 : kind === "wavS24" ? 1 / 8388608 : 1e-7;
      // A stereo track on 1-2 plays at unity: the output is the file.
      for (let i = 0; i < 48000; i++) {
        const error = Math.abs(rendered[0][i] - files.source[0][i]);
        assert.ok(error <= lsb * 1.5, `frame ${i}: ${rendered[0][i]} vs ${files.source[0][i]}`);
      }
      assert.ok(Math.abs(estimateFrequency(rendered[0], 48000) - FREQUENCY) < 0.5);
    });
  });
}

Deno.test({
  name: "files: FLAC decodes to the 16-bit samples",
  ignore: ignoreWithout("flac", "FLAC decode test"),
  fn: async () => {
    requireTool("flac", "FLAC decode test");
    await withTones(48000, async (files, player) => {
      const { track, rendered } = await decodeThrough(player, files.flac!);
      assert.equal(track.frames, 48000);
      for (let i = 0; i < 48000; i += 7) {
        assert.ok(Math.abs(rendered[1][i] - files.source[1][i]) <= 1.5 / 32768, `frame ${i}`);
      }
      assert.ok(Math.abs(estimateFrequency(rendered[1], 48000) - FREQUENCY) < 0.5);
    });
  },
});

Deno.test({
  name: "files: MP3 decodes to the original length (encoder delay removed) and frequency",
  ignore: ignoreWithout("lame", "MP3 decode test"),
  fn: async () => {
    requireTool("lame", "MP3 decode test");
    await withTones(48000, async (files, player) => {
      const { track, rendered } = await decodeThrough(player, files.mp3!.path);
      assert.equal(track.frames, 48000);
      assert.ok(Math.abs(estimateFrequency(rendered[0], 48000) - FREQUENCY) < 0.5);
      // Lossy, but in phase with the source once the delay is removed.
      let error = 0, power = 0;
      for (let i = 4800; i < 43200; i++) {
        error += (rendered[0][i] - files.source[0][i]) ** 2;
        power += files.source[0][i] ** 2;
      }
      const snr = 10 * Math.log10(power / error);
      assert.ok(snr > 20, `MP3 SNR ${snr.toFixed(1)} dB`);
    });
  },
});

for (const kind of ["wavS16", "flac"] as const) {
  Deno.test({
    name: `files: a 44.1 kHz ${kind} in a 48 kHz engine keeps duration and pitch`,
    ignore: kind === "flac" && ignoreWithout("flac", "44.1 kHz FLAC test"),
    fn: async () => {
      if (kind === "flac") requireTool("flac", "44.1 kHz FLAC test");
      await withTones(44100, async (files, player) => {
        const { track, rendered } = await decodeThrough(player, files[kind]!);
        assert.ok(Math.abs(track.frames - 48000) <= 2, `frames ${track.frames}`);
        assert.ok(Math.abs(track.duration - 1) < 1e-4, `duration ${track.duration}`);
        const hz = estimateFrequency(rendered[0].subarray(2400, 45600), 48000);
        assert.ok(Math.abs(hz - FREQUENCY) < 0.5, `pitch ${hz} Hz`);
      });
    },
  });
}

Deno.test("files: load reports progress up to the full length", async () => {
  await withTones(48000, async (files, player) => {
    const seen: Array<[number, number]> = [];
    const track = await player.load(files.wavF32, {
      onProgress: (done, total) => seen.push([done, total]),
    });
    assert.ok(seen.length >= 1, "progress was reported");
    assert.deepEqual(seen.at(-1), [track.frames, track.frames]);
  });
});
