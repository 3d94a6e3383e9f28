import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeWav } from "./support/wav_reader.ts";
import { StemplayError } from "../src/errors.ts";
import {
  estimateFrequency,
  readLameTag,
  tone,
  writeBadInputs,
  writeToneFiles,
} from "./support/fixtures.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay_fixtures_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function runText(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `${command} ${args.join(" ")}: ${stderr}`);
  return new TextDecoder().decode(output.stdout).trim();
}

/** Decodes `path` to WAV with the encoder's own program, then reads it with decodeWav. */
async function decodeWith(command: "flac" | "lame", path: string, dir: string) {
  const out = join(dir, `decoded_${command}.wav`);
  if (command === "flac") await runText("flac", ["--silent", "--force", "-d", "-o", out, path]);
  else await runText("lame", ["--silent", "--decode", path, out]);
  return decodeWav(await Deno.readFile(out));
}

for (const sampleRate of [44100, 48000]) {
  Deno.test(`fixtures: estimateFrequency is within 0.5 Hz on 1 s of 440 Hz at ${sampleRate}`, () => {
    const [samples] = tone(440, 1, sampleRate, 1);
    assert.ok(Math.abs(estimateFrequency(samples, sampleRate) - 440) < 0.5);
    // Off-bin frequencies, a quiet tone, and a tone in noise.
    for (const frequency of [97.3, 1000.25, 4321.9]) {
      const [quiet] = tone(frequency, 1, sampleRate, 1, 0.01);
      const estimate = estimateFrequency(quiet, sampleRate);
      assert.ok(Math.abs(estimate - frequency) < 0.5, `${frequency} Hz read as ${estimate}`);
    }
    let seed = 7;
    const noisy = samples.map((x) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return x + 0.2 * (seed / 2147483648 - 0.5);
    });
    assert.ok(Math.abs(estimateFrequency(noisy, sampleRate) - 440) < 0.5);
  });
}

Deno.test("fixtures: tone has the length, amplitude and per-channel frequencies asked for", () => {
  const channels = tone(440, 0.5, 48000, 3, 0.25, { channelFrequencies: [440, 660] });
  assert.equal(channels.length, 3);
  for (const samples of channels) {
    assert.equal(samples.length, 24000);
    assert.equal(samples[0], 0);
    const peak = samples.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
    assert.ok(peak <= 0.25 && peak > 0.2499, `peak ${peak}`);
  }
  const estimates = channels.map((samples) => estimateFrequency(samples, 48000));
  assert.deepEqual(estimates.map(Math.round), [440, 660, 440]);
});

for (const sampleRate of [44100, 48000]) {
  Deno.test(`fixtures: writeToneFiles writes WAV files that decode to the tone (${sampleRate})`, async () => {
    await withTempDir(async (dir) => {
      const files = await writeToneFiles(dir, { sampleRate, channels: 2, frequency: 440 });
      assert.equal(files.frames, sampleRate);
      for (const path of [files.wavS16, files.wavS24, files.wavF32]) {
        const decoded = decodeWav(await Deno.readFile(path));
        assert.equal(decoded.sampleRate, sampleRate, path);
        assert.equal(decoded.channels.length, 2, path);
        assert.equal(decoded.channels[0].length, sampleRate, path);
        assert.ok(Math.abs(estimateFrequency(decoded.channels[1], sampleRate) - 440) < 0.5);
        for (let i = 0; i < sampleRate; i += 97) {
          assert.ok(Math.abs(decoded.channels[0][i] - files.source[0][i]) < 1e-4, path);
        }
      }
    });
  });
}

const FLAC_TEST = "fixtures: the FLAC file is 16-bit, lossless, and sox agrees on its basics";
Deno.test({
  name: FLAC_TEST,
  ignore: ignoreWithout("flac", FLAC_TEST) || ignoreWithout("sox", FLAC_TEST),
  async fn() {
    requireTool("flac", FLAC_TEST);
    requireTool("sox", FLAC_TEST);
    await withTempDir(async (dir) => {
      for (const channels of [1, 2, 4]) {
        const files = await writeToneFiles(dir, {
          channels,
          sampleRate: 44100,
          name: `c${channels}`,
        });
        assert.ok(files.flac !== null);
        const info = (option: string) => runText("sox", ["--i", "-V1", option, files.flac!]);
        assert.equal(await info("-r"), "44100");
        assert.equal(await info("-c"), String(channels));
        assert.equal(await info("-s"), "44100");
        assert.equal(await info("-b"), "16");
        // Lossless: decoding gives back the s16 WAV's samples exactly.
        const fromFlac = await decodeWith("flac", files.flac, dir);
        const fromWav = decodeWav(await Deno.readFile(files.wavS16));
        assert.deepEqual(fromFlac.channels, fromWav.channels);
      }
    });
  },
});

const MP3_TEST = "fixtures: the MP3 file records LAME's delay and decodes to the tone";
Deno.test({
  name: MP3_TEST,
  ignore: ignoreWithout("lame", MP3_TEST),
  async fn() {
    requireTool("lame", MP3_TEST);
    await withTempDir(async (dir) => {
      for (const sampleRate of [44100, 48000]) {
        const files = await writeToneFiles(dir, {
          sampleRate,
          channels: 2,
          name: `r${sampleRate}`,
        });
        assert.ok(files.mp3 !== null);
        const mp3 = files.mp3;
        assert.equal((await Deno.stat(mp3.path)).isFile, true);
        // LAME 3.100 always delays by 576 frames; the padding fills the last 1152-frame granule
        // pair and depends on the length.
        assert.equal(mp3.encoderDelay, 576);
        assert.equal(mp3.leadingFrames, 576 + 529);
        assert.equal((sampleRate + mp3.encoderDelay + mp3.padding) % 1152, 0);
        assert.deepEqual(readLameTag(await Deno.readFile(mp3.path)), {
          encoderDelay: mp3.encoderDelay,
          padding: mp3.padding,
        });
        // lame --decode honours the tag, as miniaudio does: the original length comes back.
        const decoded = await decodeWith("lame", mp3.path, dir);
        assert.equal(decoded.sampleRate, sampleRate);
        assert.equal(decoded.channels[0].length, sampleRate);
        assert.ok(Math.abs(estimateFrequency(decoded.channels[0], sampleRate) - 440) < 0.5);
      }
      // MP3 has no more than 2 channels.
      const surround = await writeToneFiles(dir, { channels: 6, name: "surround" });
      assert.equal(surround.mp3, null);
    });
  },
});

Deno.test("fixtures: bad inputs exist and decodeWav treats them as expected", async () => {
  await withTempDir(async (dir) => {
    const bad = await writeBadInputs(dir);
    const read = (path: string) => Deno.readFile(path).then(decodeWav);
    const rejectsDecode = async (path: string) => {
      await assert.rejects(() => read(path), (error: unknown) => {
        assert.ok(error instanceof StemplayError && error.code === "DECODE", `${path}: ${error}`);
        return true;
      });
    };
    await rejectsDecode(bad.truncatedWav);
    assert.equal((await Deno.stat(bad.truncatedWav)).size, 44 + 1000);
    await rejectsDecode(bad.claimsMoreWav);
    await rejectsDecode(bad.randomWav);
    await rejectsDecode(bad.emptyWav);
    assert.equal((await Deno.stat(bad.emptyWav)).size, 0);
    await rejectsDecode(bad.zeroRateWav);
    for (const path of [bad.randomMp3, bad.randomFlac, bad.randomWav]) {
      assert.equal((await Deno.stat(path)).size, 4096);
    }
    assert.notDeepEqual(await Deno.readFile(bad.randomMp3), await Deno.readFile(bad.randomFlac));
    assert.equal((await read(bad.channels33Wav)).channels.length, 33);
    assert.equal((await read(bad.zeroFramesWav)).channels[0].length, 0);
    assert.equal((await Deno.stat(bad.directoryWav)).isDirectory, true);
    assert.ok(bad.directoryWav.endsWith(".wav"));
  });
});
