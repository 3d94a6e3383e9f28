/**
 * Files with metadata chunks before and after their audio (tests/support/chunks.ts), longer
 * than the streaming look-ahead so that they stream: played streamed (offline render), each
 * must equal ffmpeg's decode of the same file and the same file decoded whole, sample for
 * sample, from the first frame to the last (a stem a frame off is a stem out of lock).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { StemplayError } from "../mod.ts";
import { decodeFile } from "../src/sources/decode.ts";
import { loadNative } from "../src/native/native.ts";
import { aiffChunks, type ChunkOptions, wavChunks, withChunks } from "./support/chunks.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { playFile } from "./support/play_file.ts";

const RATE = 48000;
/** Longer than the default look-ahead (2 s: a 96,000-frame ring minimum), so it streams. */
const SECONDS = 3;

async function run(command: string, args: string[]): Promise<Uint8Array> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return output.stdout;
}

/** ffmpeg's decode, planar float32. */
async function ffmpegDecode(path: string, channels: number): Promise<Float32Array[]> {
  const all = new Float32Array(
    (await run("ffmpeg", ["-v", "error", "-i", path, "-f", "f32le", "-c:a", "pcm_f32le", "-"]))
      .slice().buffer,
  );
  const frames = all.length / channels;
  return Array.from({ length: channels }, (_, c) => {
    const plane = new Float32Array(frames);
    for (let i = 0; i < frames; i++) plane[i] = all[i * channels + c];
    return plane;
  });
}

/** Where `actual` first differs from `expected`, and by how many frames it is shifted there
 * (the lag within ±16 that matches the next 256 frames), or undefined when they are equal. */
function mismatch(actual: Float32Array, expected: Float32Array) {
  if (actual.length !== expected.length) return `${actual.length} frames, not ${expected.length}`;
  const at = actual.findIndex((x, i) => !Object.is(x, expected[i]));
  if (at < 0) return undefined;
  let lag: number | undefined;
  for (let d = -16; d <= 16 && lag === undefined; d++) {
    let same = true;
    for (let i = at; i < Math.min(at + 256, actual.length) && same; i++) {
      const j = i + d;
      same = j >= 0 && j < expected.length && actual[i] === expected[j];
    }
    if (same) lag = d;
  }
  const shift = lag === undefined
    ? "no shift within ±16 frames explains it"
    : lag === 0
    ? "not shifted"
    : `shifted by ${lag} frames`;
  return `differs from frame ${at} (${actual[at]} vs ${expected[at]}), ${shift}`;
}

function assertSame(actual: Float32Array[], expected: Float32Array[], what: string) {
  for (let c = 0; c < expected.length; c++) {
    const problem = mismatch(actual[c], expected[c]);
    if (problem) assert.fail(`${what}, channel ${c + 1}: ${problem}`);
  }
}

interface Case {
  name: string;
  ext: string;
  /** Writes the plain file. */
  make: (path: string) => Promise<unknown>;
  tool: "sox" | "ffmpeg";
  options?: ChunkOptions;
  /** The file's rate when it is not the engine's: resampled as it streams, so it is compared
   * with the whole decode (at the engine's rate) only. */
  rate?: number;
}

const sox = (args: string[], rate = RATE) => (path: string) =>
  run("sox", [
    "-n",
    "-r",
    String(rate),
    ...args,
    "-c",
    "2",
    path,
    "synth",
    String(SECONDS),
    "sine",
    "220",
    "sine",
    "330",
    "synth",
    "whitenoise",
    "amod",
    "0.05",
    "gain",
    "-3",
  ]);
const ffmpeg = (args: string[]) => (path: string) =>
  run("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `aevalsrc=0.4*sin(220*2*PI*t)+0.01*random(0)|0.4*sin(330*2*PI*t)+0.01*random(1):s=${RATE}:d=${SECONDS}`,
    ...args,
    path,
  ]);

const CASES: Case[] = [
  { name: "AIFF 16-bit", ext: "aif", make: sox(["-b", "16", "-e", "signed"]), tool: "sox" },
  { name: "AIFF 24-bit", ext: "aif", make: sox(["-b", "24", "-e", "signed"]), tool: "sox" },
  {
    name: "AIFF 24-bit with an SSND offset",
    ext: "aif",
    make: sox(["-b", "24", "-e", "signed"]),
    tool: "sox",
    options: { ssndOffset: 6 },
  },
  {
    name: "AIFF 24-bit at 44.1 kHz (resampled as it streams)",
    ext: "aif",
    make: sox(["-b", "24", "-e", "signed"], 44100),
    tool: "sox",
    rate: 44100,
  },
  {
    name: "AIFF-C sowt 16-bit",
    ext: "aifc",
    make: ffmpeg(["-c:a", "pcm_s16le", "-f", "aiff"]),
    tool: "ffmpeg",
  },
  {
    name: "AIFF-C fl32",
    ext: "aifc",
    make: sox(["-e", "floating-point", "-b", "32"]),
    tool: "sox",
  },
  // G.711 in AIFF-C (Apple's "ulaw" and "alaw"): streamed too, so its polarity is checked there.
  {
    name: "AIFF-C ulaw",
    ext: "aifc",
    make: ffmpeg(["-c:a", "pcm_mulaw", "-f", "aiff"]),
    tool: "ffmpeg",
  },
  {
    name: "AIFF-C alaw",
    ext: "aifc",
    make: ffmpeg(["-c:a", "pcm_alaw", "-f", "aiff"]),
    tool: "ffmpeg",
  },
  { name: "WAV 16-bit", ext: "wav", make: sox(["-b", "16", "-e", "signed"]), tool: "sox" },
  { name: "WAV 24-bit", ext: "wav", make: ffmpeg(["-c:a", "pcm_s24le"]), tool: "ffmpeg" },
];

for (const one of CASES) {
  const name =
    `chunks: ${one.name} with chunks before and after its audio streams exactly (ffmpeg, whole)`;
  const tools = [...new Set([one.tool, "ffmpeg"])];
  Deno.test({
    name,
    ignore: tools.some((tool) => ignoreWithout(tool, name)),
    async fn() {
      for (const tool of tools) requireTool(tool, name);
      const dir = await Deno.makeTempDir({ prefix: "stemplay-chunks-" });
      try {
        const plain = join(dir, `plain.${one.ext}`);
        await one.make(plain);
        const aiff = one.ext !== "wav";
        const path = join(dir, `Bass.${one.ext}`);
        const chunks = aiff ? aiffChunks : wavChunks;
        await Deno.writeFile(
          path,
          withChunks(await Deno.readFile(plain), chunks("lead"), chunks("trailing"), one.options),
        );
        const expected = await ffmpegDecode(path, 2);
        const rate = one.rate ?? RATE;
        assert.equal(expected[0].length, SECONDS * rate, "ffmpeg decodes every frame");
        const whole = await playFile(path, false);
        assert.equal(whole.streamed, 0);
        if (rate === RATE) assertSame(whole.out, expected, `${one.name} decoded whole vs ffmpeg`);
        for (const streaming of [true, { lookAheadSeconds: 0.05 }]) {
          const streamed = await playFile(path, streaming);
          const what = `${one.name} streamed (${JSON.stringify(streaming)})`;
          assert.equal(streamed.streamed, 1, `${what}: it streams`);
          if (rate === RATE) assertSame(streamed.out, expected, `${what} vs ffmpeg`);
          assertSame(streamed.out, whole.out, `${what} vs decoded whole`);
          assert.equal(streamed.starved, 0, `${what}: starved`);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

const native = await loadNative();

/** Where chunk `id` starts in an AIFF (big-endian) or WAV file. */
function chunkAt(bytes: Uint8Array, id: string): number {
  const text = new TextDecoder("latin1").decode(bytes);
  const at = text.indexOf(id, 12);
  assert.ok(at >= 12, `the file holds ${id}`);
  return at;
}

Deno.test({
  name: "chunks: an AIFF whose COMM promises more frames than SSND holds is TRUNCATED, " +
    "never the next chunk played as audio",
  ignore: ignoreWithout("sox", "COMM frame count"),
  async fn() {
    requireTool("sox", "COMM frame count");
    const dir = await Deno.makeTempDir({ prefix: "stemplay-chunks-" });
    try {
      const plain = join(dir, "plain.aif");
      await sox(["-b", "16", "-e", "signed"])(plain);
      const bytes = withChunks(await Deno.readFile(plain), [], aiffChunks("trailing"));
      const view = new DataView(bytes.buffer);
      const frames = view.getUint32(chunkAt(bytes, "COMM") + 10);
      view.setUint32(chunkAt(bytes, "COMM") + 10, frames + 2); // 8 bytes: the LGWV's header
      const path = join(dir, "Bass.aif");
      await Deno.writeFile(path, bytes);
      for (const ring of [undefined, 4096]) {
        await assert.rejects(() => decodeFile(native, path, RATE, undefined, ring), (error) => {
          assert.ok(error instanceof StemplayError);
          assert.equal(error.code, "TRUNCATED");
          assert.equal(error.path, path);
          assert.match(
            error.message,
            new RegExp(
              `Bass\\.aif: truncated: the header promises ${frames + 2} frames, ` +
                `the SSND chunk holds ${frames}`,
            ),
          );
          return true;
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "chunks: a chunk before the audio that runs past the end of the file is TRUNCATED, named",
  ignore: ignoreWithout("sox", "chunk past the end"),
  async fn() {
    requireTool("sox", "chunk past the end");
    const dir = await Deno.makeTempDir({ prefix: "stemplay-chunks-" });
    try {
      for (const ext of ["aif", "wav"]) {
        const plain = join(dir, `plain.${ext}`);
        await sox(["-b", "16", "-e", "signed"])(plain);
        const chunks = ext === "aif" ? aiffChunks("lead") : wavChunks("lead");
        const bytes = withChunks(await Deno.readFile(plain), chunks, []);
        const id = ext === "aif" ? "MARK" : "bext";
        new DataView(bytes.buffer).setUint32(chunkAt(bytes, id) + 4, 0x7ffffff1, ext === "wav");
        const path = join(dir, `Bass.${ext}`);
        await Deno.writeFile(path, bytes);
        await assert.rejects(() => decodeFile(native, path, RATE), (error) => {
          assert.ok(error instanceof StemplayError);
          assert.equal(error.code, "TRUNCATED");
          assert.match(
            error.message,
            new RegExp(
              `Bass\\.${ext}: truncated: the '${id}' chunk claims 2147483633 bytes, ` +
                "past the end of the file",
            ),
          );
          return true;
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
