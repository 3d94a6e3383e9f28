/**
 * Every format and variant stemplay reads, each file written by an independent tool (sox,
 * flac, lame, ffmpeg), decoded by us and compared with that tool's own decode of the same
 * file: lossless formats sample for sample (bit-exact as float32), MP3 and Vorbis by SNR.
 * The optional decoder (ffmpeg) is checked against ffmpeg's own decode, and with ffmpeg
 * hidden the exact FORMAT_UNAVAILABLE error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, type StemplayError } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { decodeFile } from "../src/sources/decode.ts";
import { loadNative } from "../src/native/native.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

const native = await loadNative();

async function run(command: string, args: string[]): Promise<Uint8Array> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return output.stdout;
}

function deinterleave(bytes: Uint8Array, channels: number): Float32Array[] {
  const all = new Float32Array(bytes.slice().buffer);
  const frames = all.length / channels;
  return Array.from({ length: channels }, (_, c) => {
    const plane = new Float32Array(frames);
    for (let i = 0; i < frames; i++) plane[i] = all[i * channels + c];
    return plane;
  });
}

/** The tool's own decode to float32. */
async function reference(
  tool: "sox" | "ffmpeg",
  path: string,
  channels: number,
): Promise<Float32Array[]> {
  const bytes = tool === "sox"
    ? await run("sox", [path, "-t", "raw", "-e", "floating-point", "-b", "32", "-L", "-"])
    : await run("ffmpeg", ["-v", "error", "-i", path, "-f", "f32le", "-c:a", "pcm_f32le", "-"]);
  return deinterleave(bytes, channels);
}

/** Our decode, at the file's own rate (or `rate`), read back out of C. */
async function ours(path: string, rate = 0) {
  const decoded = await decodeFile(native, path, rate);
  try {
    const planes = Array.from({ length: decoded.channels }, (_, c) => {
      const plane = new Float32Array(decoded.frames);
      const result = native.sp_pcm_read_channel(decoded.pcm, c, 0n, BigInt(decoded.frames), plane);
      assert.equal(result, 0);
      return plane;
    });
    return { planes, source: decoded.source! };
  } finally {
    native.sp_pcm_free(decoded.pcm);
  }
}

function assertBitExact(actual: Float32Array[], expected: Float32Array[], what: string) {
  assert.equal(actual.length, expected.length, `${what}: channels`);
  for (let c = 0; c < expected.length; c++) {
    assert.equal(actual[c].length, expected[c].length, `${what}: frames of channel ${c}`);
    for (let i = 0; i < expected[c].length; i++) {
      if (actual[c][i] !== expected[c][i]) {
        assert.fail(`${what}: channel ${c} frame ${i}: ${actual[c][i]} vs ${expected[c][i]}`);
      }
    }
  }
}

/** SNR in dB of `actual` against `expected`, over every channel. */
function snr(actual: Float32Array[], expected: Float32Array[]): number {
  let signal = 0, noise = 0;
  for (let c = 0; c < expected.length; c++) {
    for (let i = 0; i < expected[c].length; i++) {
      signal += expected[c][i] ** 2;
      noise += (actual[c][i] - expected[c][i]) ** 2;
    }
  }
  return 10 * Math.log10(signal / Math.max(noise, 1e-30));
}

/** A sox synth of `channels` different tones plus a little noise (so every bit moves). */
function synth(seconds: number, channels: number): string[] {
  const tones = Array.from({ length: channels }, (_, c) => ["sine", String(220 * (c + 1))]).flat();
  return ["synth", String(seconds), ...tones, "synth", "whitenoise", "amod", "0.05", "gain", "-3"];
}

interface Case {
  name: string;
  file: string;
  /** Writes the fixture into `path`. */
  make: (path: string, dir: string) => Promise<void>;
  tools: string[];
  channels: number;
  rate: number;
  reference: "sox" | "ffmpeg";
  /** Our expected format name. */
  format: string;
  /** Bytes the fixture must hold (proves the tool wrote the variant we mean). */
  marks?: string[];
}

const ffmpeg = (input: string[], output: string[]) => (path: string) =>
  run("ffmpeg", ["-v", "error", "-y", ...input, ...output, path]).then(() => {});
const lavfiTones = (seconds: number, rate: number, channels: number) => [
  "-f",
  "lavfi",
  "-i",
  `aevalsrc=${
    Array.from({ length: channels }, (_, c) => `0.4*sin(${220 * (c + 1)}*2*PI*t)+0.01*random(${c})`)
      .join("|")
  }:s=${rate}:d=${seconds}`,
];

const soxFile = (args: string[], seconds = 0.3, channels = 2) => (path: string) =>
  run("sox", ["-n", ...args, "-c", String(channels), path, ...synth(seconds, channels)]).then(
    () => {},
  );

/** A lossless case whose fixture sox synthesises (two channels, 0.3 s). */
const bySox = (
  name: string,
  file: string,
  rate: number,
  encoding: string[],
  format: string,
  reference: "sox" | "ffmpeg" = "sox",
  marks?: string[],
): Case => ({
  name,
  file,
  make: soxFile(["-r", String(rate), ...encoding]),
  tools: ["sox"],
  channels: 2,
  rate,
  reference,
  format,
  marks,
});

/** A lossless case whose fixture ffmpeg writes from tones at 48 kHz (0.3 s), with `output`. */
const byFfmpeg = (
  name: string,
  file: string,
  output: string[],
  format: string,
  marks?: string[],
  channels = 2,
): Case => ({
  name,
  file,
  make: ffmpeg(lavfiTones(0.3, 48000, channels), output),
  tools: ["ffmpeg"],
  channels,
  rate: 48000,
  reference: "ffmpeg",
  format,
  marks,
});

// sox holds samples as 32-bit fixed point and rounds them to 2^-24 on output as float, so for
// 32-bit PCM and 64-bit float files ffmpeg (which converts straight to float) is the oracle.
const LOSSLESS: Case[] = ([8, 16, 24, 32] as const).map((bits) =>
  bySox(
    `WAV ${bits}-bit PCM`,
    `pcm${bits}.wav`,
    48000,
    ["-b", String(bits), "-e", bits === 8 ? "unsigned" : "signed"],
    "WAV",
    bits === 32 ? "ffmpeg" : "sox",
  )
);

LOSSLESS.push(
  bySox("WAV 32-bit float", "f32.wav", 44100, ["-e", "floating-point", "-b", "32"], "WAV"),
  bySox(
    "WAV 64-bit float",
    "f64.wav",
    48000,
    ["-e", "floating-point", "-b", "64"],
    "WAV",
    "ffmpeg",
  ),
  byFfmpeg(
    "WAV WAVE_FORMAT_EXTENSIBLE 6-channel 24-bit",
    "ext6.wav",
    ["-c:a", "pcm_s24le"],
    "WAV",
    undefined,
    6,
  ),
  {
    name: "WAV BWF with bext, iXML and JUNK chunks",
    file: "bwf.wav",
    make: async (path) => {
      // ffmpeg writes bext (-write_bext) and, reserving room for a ds64, JUNK (-rf64 auto);
      // no tool writes iXML, so one is spliced in before the data (odd size: padded).
      const plain = `${path}.plain.wav`;
      await ffmpeg(lavfiTones(0.3, 48000, 2), [
        "-c:a",
        "pcm_s24le",
        "-write_bext",
        "1",
        "-metadata",
        "description=stemplay test",
        "-rf64",
        "auto",
      ])(plain);
      await Deno.writeFile(path, spliceBeforeData(await Deno.readFile(plain), "iXML", ixml()));
    },
    tools: ["ffmpeg"],
    channels: 2,
    rate: 48000,
    reference: "ffmpeg",
    format: "WAV",
    marks: ["bext", "iXML", "JUNK"],
  },
  byFfmpeg("Wave64", "sony.w64", ["-c:a", "pcm_s24le", "-f", "w64"], "Wave64", ["riff", "wave"]),
  byFfmpeg(
    "RF64 (ds64 chunk)",
    "rf64.wav",
    ["-c:a", "pcm_s16le", "-rf64", "always"],
    "RF64",
    ["RF64", "ds64"],
  ),
  ...([16, 24, 32] as const).map((bits) =>
    bySox(
      `AIFF ${bits}-bit`,
      `pcm${bits}.aiff`,
      44100,
      ["-b", String(bits), "-e", "signed"],
      "AIFF",
      bits === 32 ? "ffmpeg" : "sox",
    )
  ),
  bySox(
    "AIFF-C 32-bit float (fl32)",
    "f32.aifc",
    48000,
    ["-e", "floating-point", "-b", "32"],
    "AIFF-C",
    "sox",
    ["AIFC", "fl32"],
  ),
  byFfmpeg(
    "AIFF-C 64-bit float (fl64)",
    "f64.aifc",
    ["-c:a", "pcm_f64be", "-f", "aiff"],
    "AIFF-C",
    ["AIFC", "fl64"],
  ),
  byFfmpeg(
    "AIFF-C little-endian 16-bit (sowt, as Logic writes)",
    "sowt.aifc",
    ["-c:a", "pcm_s16le", "-f", "aiff"],
    "AIFF-C",
    ["AIFC", "sowt"],
  ),
  {
    name: "FLAC 16-bit stereo",
    file: "s16.flac",
    make: async (path) => {
      await soxFile(["-r", "44100", "-b", "16", "-e", "signed"])(`${path}.wav`);
      await run("flac", ["--silent", "--force", "-o", path, `${path}.wav`]);
    },
    tools: ["sox", "flac"],
    channels: 2,
    rate: 44100,
    reference: "sox",
    format: "FLAC",
  },
  {
    name: "FLAC 24-bit 6-channel",
    file: "s24x6.flac",
    make: async (path) => {
      await soxFile(["-r", "96000", "-b", "24", "-e", "signed"], 0.2, 6)(`${path}.wav`);
      await run("flac", ["--silent", "--force", "--channel-map=none", "-o", path, `${path}.wav`]);
    },
    tools: ["sox", "flac"],
    channels: 6,
    rate: 96000,
    reference: "sox",
    format: "FLAC",
  },
);

// G.711 at its own 8 kHz, as telephone and voice-memo exports carry it: Apple's AIFF-C "ulaw"
// and "alaw", and WAV format 7 (mu-law) and 6 (A-law). ffmpeg decodes both containers alike.
for (const law of ["mulaw", "alaw"] as const) {
  const type = law === "mulaw" ? "ulaw" : "alaw";
  const g711 = (output: string[]) =>
    ffmpeg(lavfiTones(0.3, 8000, 2), ["-c:a", `pcm_${law}`, ...output]);
  LOSSLESS.push(
    {
      name: `AIFF-C ${type} (G.711, 8 kHz)`,
      file: `${type}.aifc`,
      make: g711(["-f", "aiff"]),
      tools: ["ffmpeg"],
      channels: 2,
      rate: 8000,
      reference: "ffmpeg",
      format: "AIFF-C",
      marks: ["AIFC", type],
    },
    {
      name: `WAV ${type} (format ${law === "mulaw" ? 7 : 6}, G.711, 8 kHz)`,
      file: `${type}.wav`,
      make: g711([]),
      tools: ["ffmpeg"],
      channels: 2,
      rate: 8000,
      reference: "ffmpeg",
      format: "WAV",
    },
  );
}

/** A RIFF chunk with `id` and `body` inserted right before "data", sizes kept right. */
function spliceBeforeData(file: Uint8Array, id: string, body: Uint8Array): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let at = 12;
  while (String.fromCharCode(...file.subarray(at, at + 4)) !== "data") {
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1);
  }
  const chunk = new Uint8Array(8 + body.length + (body.length & 1));
  chunk.set(new TextEncoder().encode(id));
  new DataView(chunk.buffer).setUint32(4, body.length, true);
  chunk.set(body, 8);
  const out = new Uint8Array(file.length + chunk.length);
  out.set(file.subarray(0, at));
  out.set(chunk, at);
  out.set(file.subarray(at), at + chunk.length);
  const riff = new DataView(out.buffer);
  if (String.fromCharCode(...out.subarray(0, 4)) === "RIFF") {
    riff.setUint32(4, riff.getUint32(4, true) + chunk.length, true);
  }
  return out;
}

function ixml(): Uint8Array {
  return new TextEncoder().encode(
    `<?xml version="1.0"?><BWFXML><PROJECT>stemplay</PROJECT><TAKE>1</TAKE></BWFXML>`,
  );
}

function contains(bytes: Uint8Array, text: string): boolean {
  const needle = new TextEncoder().encode(text);
  outer: for (let i = 0; i + needle.length <= Math.min(bytes.length, 65536); i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-formats-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A test needing `tools` (ignored loudly without them, failing under CI), in a fresh folder. */
function toolTest(name: string, tools: string[], body: (dir: string) => Promise<void>) {
  Deno.test({
    name,
    ignore: tools.some((tool) => ignoreWithout(tool, name)),
    async fn() {
      for (const tool of tools) requireTool(tool, name);
      await withDir(body);
    },
  });
}

for (const one of LOSSLESS) {
  const name = `formats: ${one.name} is bit-exact against ${one.reference}`;
  toolTest(name, [...one.tools, one.reference], async (dir) => {
    const path = join(dir, one.file);
    await one.make(path, dir);
    const bytes = await Deno.readFile(path);
    for (const mark of one.marks ?? []) {
      assert.ok(contains(bytes, mark), `the fixture holds "${mark}"`);
    }
    const expected = await reference(one.reference, path, one.channels);
    const { planes, source } = await ours(path);
    assert.ok(expected[0].length > 1000, "the reference decoded some audio");
    assertBitExact(planes, expected, one.name);
    assert.deepEqual(source, {
      path,
      format: one.format,
      sampleRate: one.rate,
      channels: one.channels,
      converted: false,
      decoder: "native",
    });
  });
}

toolTest(
  "formats: RF64's data size comes from ds64 (a cut RF64 is TRUNCATED)",
  ["ffmpeg"],
  async (dir) => {
    const path = join(dir, "rf64.wav");
    await ffmpeg(lavfiTones(0.3, 48000, 2), ["-c:a", "pcm_s16le", "-rf64", "always"])(path);
    const bytes = await Deno.readFile(path);
    const view = new DataView(bytes.buffer);
    // The RF64 layout: RIFF size 0xFFFFFFFF, ds64 first, data's own size 0xFFFFFFFF.
    assert.equal(view.getUint32(4, true), 0xffffffff);
    assert.equal(String.fromCharCode(...bytes.subarray(12, 16)), "ds64");
    const dataSize = Number(view.getBigUint64(28, true));
    assert.equal(dataSize, 0.3 * 48000 * 4);
    const cut = join(dir, "cut.wav");
    await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 4000));
    await assert.rejects(() => decodeFile(native, cut, 0), (error: StemplayError) => {
      assert.equal(error.code, "TRUNCATED");
      assert.match(error.message, /promises 57600 bytes of audio, the file holds 53600/);
      return true;
    });
  },
);

toolTest("formats: MP3 from lame plays gapless (LAME tag) and matches ffmpeg's decode", [
  "sox",
  "lame",
  "ffmpeg",
], async (dir) => {
  const wav = join(dir, "src.wav");
  const mp3 = join(dir, "tone.mp3");
  await soxFile(["-r", "44100", "-b", "16", "-e", "signed"], 1)(wav);
  await run("lame", ["--silent", "-V", "2", wav, mp3]);
  const expected = await reference("ffmpeg", mp3, 2);
  const { planes, source } = await ours(mp3);
  // Gapless: exactly the source's 44,100 frames, as ffmpeg (which reads the tag) gives.
  assert.equal(expected[0].length, 44100);
  assert.equal(planes[0].length, 44100);
  const measured = snr(planes, expected);
  console.log(`MP3: SNR against ffmpeg's decode ${measured.toFixed(1)} dB`);
  assert.ok(measured > 60, `SNR ${measured.toFixed(1)} dB`);
  assert.equal(source.format, "MP3");
});

toolTest("formats: Ogg Vorbis decodes natively within 40 dB SNR of ffmpeg's decode", [
  "ffmpeg",
  "sox",
], async (dir) => {
  const ogg = join(dir, "pads.ogg");
  await ffmpeg(lavfiTones(1, 44100, 2), ["-c:a", "libvorbis", "-q:a", "6"])(ogg);
  // libvorbis (through sox) returns every frame; ffmpeg's own Vorbis decoder drops the
  // last 128 here, so it is compared where the two line up.
  const libvorbis = await reference("sox", ogg, 2);
  const ffmpegs = await reference("ffmpeg", ogg, 2);
  const { planes, source } = await ours(ogg);
  assert.equal(planes[0].length, libvorbis[0].length);
  const againstLibvorbis = snr(planes, libvorbis);
  const short = planes[0].length - ffmpegs[0].length;
  const [againstFfmpeg, lag] = [0, short]
    .map((
      lag,
    ) => [snr(planes.map((p) => p.subarray(lag, lag + ffmpegs[0].length)), ffmpegs), lag])
    .sort((a, b) => b[0] - a[0])[0];
  console.log(
    `Vorbis: SNR against libvorbis ${againstLibvorbis.toFixed(1)} dB, against ffmpeg ` +
      `${againstFfmpeg.toFixed(1)} dB (its decode ${short} frames shorter, lined up at ` +
      `frame ${lag})`,
  );
  assert.ok(againstLibvorbis >= 40, `SNR ${againstLibvorbis.toFixed(1)} dB`);
  assert.ok(againstFfmpeg >= 40, `SNR ${againstFfmpeg.toFixed(1)} dB`);
  // Native when the build has stb_vorbis (it does wherever npm or libstb-dev is).
  assert.equal(source.format, "Ogg Vorbis");
  assert.equal(source.decoder, "native");
  assert.equal(source.sampleRate, 44100);
});

const OPTIONAL: Array<
  { name: string; file: string; codec: string[]; format: string; rate: number }
> = [
  {
    name: "M4A (AAC)",
    file: "bass.m4a",
    codec: ["-c:a", "aac"],
    format: "MP4/M4A (aac)",
    rate: 44100,
  },
  {
    name: "M4A (ALAC)",
    file: "keys.m4a",
    codec: ["-c:a", "alac"],
    format: "MP4/M4A (alac)",
    rate: 48000,
  },
  {
    name: "Opus",
    file: "vox.opus",
    codec: ["-c:a", "libopus"],
    format: "Ogg Opus (opus)",
    rate: 48000,
  },
  {
    name: "AAC (ADTS)",
    file: "guide.aac",
    codec: ["-c:a", "aac", "-f", "adts"],
    format: "ADTS AAC (aac)",
    rate: 48000,
  },
  {
    name: "CAF (24-bit PCM)",
    file: "strings.caf",
    codec: ["-c:a", "pcm_s24be", "-f", "caf"],
    format: "CAF (pcm_s24be)",
    rate: 48000,
  },
  {
    name: "WMA",
    file: "choir.wma",
    codec: ["-c:a", "wmav2"],
    format: "ASF/WMA (wmav2)",
    rate: 44100,
  },
];

for (const one of OPTIONAL) {
  const name = `formats: ${one.name} through ffmpeg equals ffmpeg's own decode`;
  toolTest(name, ["ffmpeg"], async (dir) => {
    const path = join(dir, one.file);
    await ffmpeg(lavfiTones(0.5, one.rate, 2), one.codec)(path);
    const expected = await reference("ffmpeg", path, 2);
    const { planes, source } = await ours(path, one.rate);
    assertBitExact(planes, expected, one.name);
    assert.deepEqual(source, {
      path,
      format: one.format,
      sampleRate: one.rate,
      channels: 2,
      converted: false,
      decoder: "ffmpeg",
    });
  });
}

toolTest("formats: without ffmpeg, M4A is FORMAT_UNAVAILABLE naming the file and the fix", [
  "ffmpeg",
], async (dir) => {
  const path = join(dir, "bass.m4a");
  await ffmpeg(lavfiTones(0.2, 44100, 2), ["-c:a", "aac"])(path);
  const expectMissing = async (why: string) => {
    await assert.rejects(() => decodeFile(native, path, 48000), (error: StemplayError) => {
      assert.equal(error.code, "FORMAT_UNAVAILABLE");
      assert.equal(error.path, path);
      assert.equal(
        error.message,
        `cannot load ${path}: it is MP4/M4A, which stemplay plays through ffmpeg, and ` +
          `${why}. To play it, install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; ` +
          `macOS: brew install ffmpeg), or set STEMPLAY_FFMPEG to the path of an ffmpeg ` +
          `program; or convert it to WAV or FLAC.`,
      );
      return true;
    });
  };
  const savedPath = Deno.env.get("PATH") ?? "";
  try {
    Deno.env.set("STEMPLAY_FFMPEG", join(dir, "no-ffmpeg-here"));
    await expectMissing(`STEMPLAY_FFMPEG=${join(dir, "no-ffmpeg-here")} does not exist`);
    Deno.env.delete("STEMPLAY_FFMPEG");
    Deno.env.set("PATH", dir); // a PATH without ffmpeg
    await expectMissing("ffmpeg was not found on PATH (nor is STEMPLAY_FFMPEG set)");
  } finally {
    Deno.env.set("PATH", savedPath);
    Deno.env.delete("STEMPLAY_FFMPEG");
  }
});

toolTest(
  "formats: a 44.1 kHz AIFF in a 48 kHz player says so in track.source",
  ["sox"],
  async (dir) => {
    const path = join(dir, "Bass.aif");
    await soxFile(["-r", "44100", "-b", "24", "-e", "signed"], 0.5)(path);
    await using player = await Player.open({
      backend: "offline",
      sampleRate: 48000,
      channels: 2,
    });
    const track = await player.load(path);
    assert.deepEqual(track.source, {
      path,
      format: "AIFF",
      sampleRate: 44100,
      channels: 2,
      converted: true,
      decoder: "native",
    });
    assert.equal(track.frames, 24000);
  },
);

/** A Logic-style export folder: every audio format a band brings, plus files that are not. */
async function writeExportFolder(dir: string): Promise<void> {
  await soxFile(["-r", "48000", "-b", "24", "-e", "signed"], 0.5)(join(dir, "Click.wav"));
  await soxFile(["-r", "44100", "-b", "24", "-e", "signed"], 0.5)(join(dir, "Bass.aif"));
  await ffmpeg(lavfiTones(0.5, 44100, 2), ["-c:a", "libvorbis"])(join(dir, "Pads.ogg"));
  await ffmpeg(lavfiTones(0.5, 48000, 2), ["-c:a", "alac"])(join(dir, "Keys.m4a"));
  await Deno.writeTextFile(join(dir, "notes.txt"), "capo 2\n");
  await Deno.writeTextFile(join(dir, "lyrics.pdf"), "%PDF-1.4\n");
  await Deno.writeTextFile(join(dir, "mix.json"), "{}\n");
  await Deno.writeFile(join(dir, "cover.jpg"), new Uint8Array([0xff, 0xd8, 0xff, 0xe0]));
  await Deno.writeFile(join(dir, ".DS_Store"), new Uint8Array(16));
  await Deno.copyFile(join(dir, "Click.wav"), join(dir, "._Bass.aif")); // AppleDouble: hidden
}

toolTest(
  "folder: every audio file is a track (WAV, AIFF, Ogg, M4A); notes and hidden files are not",
  ["sox", "ffmpeg"],
  async (dir) => {
    await writeExportFolder(dir);
    await using player = await Player.open({ backend: "offline", sampleRate: 48000 });
    await player.loadSong(dir);
    const tracks = player.tracks.map((track) => ({
      name: track.name,
      format: track.source?.format,
      converted: track.source?.converted,
    }));
    assert.deepEqual(tracks, [
      { name: "Bass", format: "AIFF", converted: true },
      { name: "Click", format: "WAV", converted: false },
      { name: "Keys", format: "MP4/M4A (alac)", converted: false },
      { name: "Pads", format: "Ogg Vorbis", converted: true },
    ]);
  },
);

toolTest("folder: a file that cannot play is an error naming it; the old song keeps playing", [
  "sox",
  "ffmpeg",
], async (dir) => {
  const first = join(dir, "first");
  const second = join(dir, "second");
  await Deno.mkdir(first);
  await Deno.mkdir(second);
  await soxFile(["-r", "48000", "-b", "16", "-e", "signed"], 2)(join(first, "Click.wav"));
  await writeExportFolder(second);
  await using player = await Player.open({ backend: "offline", sampleRate: 48000 });
  await player.loadSong(first);
  player.play();
  player.render(4800);
  Deno.env.set("STEMPLAY_FFMPEG", join(dir, "no-ffmpeg-here"));
  try {
    await assert.rejects(() => player.loadSong(second), (error: StemplayError) => {
      assert.equal(error.code, "FORMAT_UNAVAILABLE");
      assert.equal(error.path, join(second, "Keys.m4a"));
      assert.match(error.message, /Keys\.m4a: it is MP4\/M4A.*apt-get install ffmpeg/s);
      return true;
    });
  } finally {
    Deno.env.delete("STEMPLAY_FFMPEG");
  }
  assert.equal(player.title, "first");
  assert.deepEqual(player.tracks.map((track) => track.name), ["Click"]);
  assert.equal(player.state, "playing");
  const before = player.position;
  player.render(4800);
  assert.ok(player.position > before, "the old song still plays");

  // A broken file is named too, with what to do.
  await Deno.writeFile(join(second, "Keys.m4a"), new Uint8Array(4096).fill(7));
  await assert.rejects(() => player.loadSong(second), (error: StemplayError) => {
    assert.equal(error.code, "DECODE");
    assert.equal(error.path, join(second, "Keys.m4a"));
    assert.match(error.message, /convert Keys\.m4a to WAV or FLAC, or move it out of/);
    return true;
  });
  assert.equal(player.title, "first");
});

Deno.test("folder: audio under a name stemplay does not take is an error, not skipped", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(
      join(dir, "Click.wav"),
      encodeWav([new Float32Array(480)], 48000, "s16"),
    );
    await Deno.copyFile(join(dir, "Click.wav"), join(dir, "Guide.bak"));
    await using player = await Player.open({ backend: "offline", sampleRate: 48000 });
    await assert.rejects(() => player.loadSong(dir), (error: StemplayError) => {
      assert.equal(error.code, "UNKNOWN_EXTENSION");
      assert.equal(error.path, join(dir, "Guide.bak"));
      assert.match(error.message, /rename it \(e\.g\. to Guide\.wav/);
      return true;
    });
  });
});

/** Ogg's page CRC (polynomial 0x04c11db7, not reflected), written into the page at `at`. */
function fixOggCrc(bytes: Uint8Array, at: number): void {
  const segments = bytes[at + 26];
  let length = 27 + segments;
  for (let i = 0; i < segments; i++) length += bytes[at + 27 + i];
  bytes.fill(0, at + 22, at + 26);
  let crc = 0;
  for (let i = at; i < at + length; i++) {
    crc = (crc ^ (bytes[i] << 24)) >>> 0;
    for (let k = 0; k < 8; k++) crc = (crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1) >>> 0;
  }
  new DataView(bytes.buffer).setUint32(at + 22, crc, true);
}

toolTest("formats: an Ogg Vorbis comment length past its packet is DECODE, not a 2 GiB malloc", [
  "ffmpeg",
], async (dir) => {
  const ogg = join(dir, "pads.ogg");
  await ffmpeg(lavfiTones(0.2, 44100, 2), ["-c:a", "libvorbis"])(ogg);
  const bytes = await Deno.readFile(ogg);
  const text = new TextDecoder("latin1").decode(bytes);
  const comment = text.indexOf("\x03vorbis");
  const page = text.lastIndexOf("OggS", comment);
  new DataView(bytes.buffer).setUint32(comment + 7, 0x7fffffff, true); // vendor length
  fixOggCrc(bytes, page);
  const bad = join(dir, "bad.ogg");
  await Deno.writeFile(bad, bytes);
  await assert.rejects(() => decodeFile(native, bad, 0), (error: StemplayError) => {
    assert.equal(error.code, "DECODE");
    assert.match(
      error.message,
      /comment header is corrupt \(a length runs past its packet\)/,
    );
    return true;
  });
});

toolTest("formats: an AIFF cut short is TRUNCATED and one at 0 Hz is FORMAT, named as such", [
  "sox",
], async (dir) => {
  const aiff = join(dir, "Bass.aif");
  await soxFile(["-r", "44100", "-b", "16", "-e", "signed"], 0.2)(aiff);
  const bytes = await Deno.readFile(aiff);
  const cut = join(dir, "cut.aif");
  await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 1000));
  await assert.rejects(() => decodeFile(native, cut, 0), (error: StemplayError) => {
    assert.equal(error.code, "TRUNCATED");
    assert.match(error.message, /the header promises \d+ bytes of audio, the file holds/);
    return true;
  });
  const comm = new TextDecoder("latin1").decode(bytes).indexOf("COMM");
  const zero = bytes.slice();
  zero.fill(0, comm + 16, comm + 26); // the 80-bit rate
  const zeroRate = join(dir, "zero.aif");
  await Deno.writeFile(zeroRate, zero);
  await assert.rejects(() => decodeFile(native, zeroRate, 0), (error: StemplayError) => {
    assert.equal(error.code, "FORMAT");
    assert.match(error.message, /unsupported sample rate 0 Hz/);
    return true;
  });
});

toolTest(
  "formats: a build without stb_vorbis plays Ogg Vorbis through ffmpeg, and without ffmpeg says what to install",
  ["ffmpeg"],
  async (dir) => {
    const { buildLibrary, ensureMiniaudioHeader, localBuildDir, readPin } = await import(
      "../ffi/build.ts"
    );
    // Its own folder under native/build/, so miniaudio's object compiles once, not per run.
    const built = await buildLibrary({
      outDir: join(localBuildDir(), "without-stb-vorbis"),
      stbVorbis: "off",
      quiet: true,
      miniaudioHeader: (await ensureMiniaudioHeader(localBuildDir(), await readPin())).path,
    });
    assert.equal(built.stbVorbis, null);
    const ogg = join(dir, "Pads.ogg");
    await ffmpeg(lavfiTones(0.3, 48000, 2), ["-c:a", "libvorbis"])(ogg);
    const script = `
    import { decodeFile } from ${
      JSON.stringify(new URL("../src/sources/decode.ts", import.meta.url).href)
    };
    import { loadNative } from ${
      JSON.stringify(new URL("../src/native/native.ts", import.meta.url).href)
    };
    const native = await loadNative();
    try {
      const decoded = await decodeFile(native, ${JSON.stringify(ogg)}, 48000);
      console.log(JSON.stringify(decoded.source));
    } catch (error) {
      console.log(JSON.stringify({ code: error.code, message: error.message }));
    }`;
    const child = async (env: Record<string, string>) => {
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        env: { STEMPLAY_LIB: built.path, ...env },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(output.stdout).trim();
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      return JSON.parse(text.split("\n").at(-1)!);
    };
    assert.deepEqual(await child({}), {
      path: ogg,
      format: "Ogg Vorbis (vorbis)",
      sampleRate: 48000,
      channels: 2,
      converted: false,
      decoder: "ffmpeg",
    });
    const missing = await child({ STEMPLAY_FFMPEG: join(dir, "no-ffmpeg-here") });
    assert.equal(missing.code, "FORMAT_UNAVAILABLE");
    assert.match(
      missing.message,
      /Pads\.ogg: it is Ogg Vorbis \(this build has no stb_vorbis\), which stemplay plays through ffmpeg.*apt-get install ffmpeg/,
    );
  },
);

toolTest(
  "formats: ffmpeg's audio at another rate goes through stemplay's resampler: ALAC equals the same WAV",
  ["sox", "ffmpeg"],
  async (dir) => {
    const wav = join(dir, "keys.wav");
    const m4a = join(dir, "keys.m4a");
    await soxFile(["-r", "44100", "-b", "24", "-e", "signed"], 0.5)(wav);
    await run("ffmpeg", ["-v", "error", "-i", wav, "-c:a", "alac", m4a]);
    const native = await ours(wav, 48000);
    const optional = await ours(m4a, 48000);
    assert.equal(native.planes[0].length, 24000);
    assertBitExact(optional.planes, native.planes, "ALAC through ffmpeg vs WAV, at 48 kHz");
    assert.equal(optional.source.decoder, "ffmpeg");
    assert.equal(optional.source.sampleRate, 44100);
    assert.equal(optional.source.converted, true);
  },
);

toolTest(
  "formats: an 8-bit WAV resampled has no DC offset (it equals its 16-bit copy)",
  ["sox"],
  async (dir) => {
    const u8 = join(dir, "u8.wav");
    const s16 = join(dir, "s16.wav");
    await soxFile(["-r", "44100", "-b", "8", "-e", "unsigned"])(u8);
    await run("sox", [u8, "-b", "16", "-e", "signed", s16]); // exact: x - 128, shifted
    const eight = await ours(u8, 48000);
    const sixteen = await ours(s16, 48000);
    let worst = 0;
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < sixteen.planes[c].length; i++) {
        worst = Math.max(worst, Math.abs(eight.planes[c][i] - sixteen.planes[c][i]));
      }
    }
    assert.ok(worst < 1e-6, `largest difference ${worst}`);
  },
);
