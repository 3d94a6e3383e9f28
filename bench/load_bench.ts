/**
 * Song loading speed: a song of 12 stereo stems of 60 s (48 kHz, 16-bit: a tone plus noise,
 * so FLAC has real work), generated into a temporary folder as WAV, as FLAC, and as 44.1 kHz
 * WAV. Three groups, each against a baseline measured in the same run:
 *
 * - WAV: reading the same bytes from the page cache (12 `Deno.readFile` at once) vs
 *   `player.loadSong` of the WAV folder (target: at least 0.5 × the read's speed);
 * - FLAC: `sox` decoding the same FLACs to raw 32-bit float (12 processes started at once, as
 *   loadSong starts its 12 decodes at once; the 2 cores share them) vs `player.loadSong` of
 *   the FLAC folder (target: within 1.5 × sox's time);
 * - resampling: loading the 48 kHz WAVs vs the 44.1 kHz WAVs (resampled to 48 kHz);
 * - AIFF: the same stems as 16-bit AIFF (written by sox) against the WAV load (target: within
 *   1.5 ×: one reader, dr_wav, for both, plus a byte swap);
 * - Ogg Vorbis: `sox` (libvorbis) decoding the same Oggs to raw float, 12 at once, vs
 *   `player.loadSong` of the Ogg folder (stb_vorbis).
 *
 * After the run a summary prints medians in seconds, × real time (720 s of audio per song),
 * the ratios, and the memory the loaded song holds against its raw float32 size.
 *
 * @module
 */

import { join } from "node:path";
import { Player } from "../src/player/player.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { run, stereoStem } from "./material.ts";

const STEMS = 12;
const SECONDS = 60;
const RATE = 48000;
const AUDIO_SECONDS = STEMS * SECONDS;
const RAW_BYTES = STEMS * 2 * SECONDS * RATE * 4;
const RUNS = 5;

/** A stereo stem: a tone per channel plus quiet noise (deterministic). */
function stem(index: number, rate: number): Float32Array[] {
  return stereoStem({
    seconds: SECONDS,
    rate,
    frequency: 110 + 55 * index,
    tone: 0.3,
    noise: 0.02,
    seed: 0x9e3779b9 ^ index,
  });
}

const root = await Deno.makeTempDir({ prefix: "stemplay-load-bench-" });
const folders = {
  wav: join(root, "wav"),
  flac: join(root, "flac"),
  wav44: join(root, "wav44"),
  aiff: join(root, "aiff"),
  ogg: join(root, "ogg"),
};
for (const folder of Object.values(folders)) await Deno.mkdir(folder);
const wavFiles: string[] = [];
const flacFiles: string[] = [];
const aiffFiles: string[] = [];
const oggFiles: string[] = [];
for (let k = 0; k < STEMS; k++) {
  const name = `stem${String(k + 1).padStart(2, "0")}`;
  const wav = join(folders.wav, `${name}.wav`);
  await Deno.writeFile(wav, encodeWav(stem(k, RATE), RATE, "s16"));
  await Deno.writeFile(join(folders.wav44, `${name}.wav`), encodeWav(stem(k, 44100), 44100, "s16"));
  wavFiles.push(wav);
  flacFiles.push(join(folders.flac, `${name}.flac`));
  aiffFiles.push(join(folders.aiff, `${name}.aiff`));
  oggFiles.push(join(folders.ogg, `${name}.ogg`));
}
for (let k = 0; k < STEMS; k += 2) { // two encoders at a time: two cores
  await Promise.all(
    [k, k + 1].map(async (i) => {
      await run("flac", ["--silent", "--force", "-o", flacFiles[i], wavFiles[i]]);
      await run("sox", [wavFiles[i], aiffFiles[i]]);
      await run("sox", [wavFiles[i], "-C", "6", oggFiles[i]]);
    }),
  );
}
globalThis.addEventListener("unload", () => {
  printSummary();
  Deno.removeSync(root, { recursive: true });
});

const player = await Player.open({ backend: "offline", channels: 2, sampleRate: RATE });
const timings = new Map<string, number[]>();
const memory = new Map<string, number>();

function record(name: string, seconds: number): void {
  timings.set(name, [...(timings.get(name) ?? []), seconds]);
}

/** Times `work` (only it) inside a bench iteration. */
async function timed(b: Deno.BenchContext, name: string, work: () => Promise<void>) {
  const start = performance.now();
  b.start();
  await work();
  b.end();
  record(name, (performance.now() - start) / 1000);
}

/** Loads a folder as a song (timed), notes its memory, then unloads it (untimed). */
function loadBench(name: string, folder: string, group: string, baseline = false) {
  Deno.bench({
    name,
    group,
    baseline,
    n: RUNS,
    warmup: 1,
    async fn(b) {
      await timed(b, name, async () => {
        await player.loadSong(folder);
      });
      memory.set(name, player.memoryBytes);
      await player.unloadSong();
    },
  });
}

const READ = "read the WAV bytes (page cache)";
const LOAD_WAV = "loadSong WAV 48 kHz";
const SOX = "sox FLAC → raw float, 12 at once";
const LOAD_FLAC = "loadSong FLAC";
const LOAD_WAV44 = "loadSong WAV 44.1 → 48 kHz";
const LOAD_AIFF = "loadSong AIFF";
const SOX_OGG = "sox Ogg Vorbis → raw float, 12 at once";
const LOAD_OGG = "loadSong Ogg Vorbis";

Deno.bench({
  name: READ,
  group: "WAV",
  baseline: true,
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await timed(b, READ, async () => {
      await Promise.all(wavFiles.map((file) => Deno.readFile(file)));
    });
  },
});
loadBench(LOAD_WAV, folders.wav, "WAV");

Deno.bench({
  name: SOX,
  group: "FLAC",
  baseline: true,
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await timed(b, SOX, async () => {
      await Promise.all(
        flacFiles.map((file) =>
          run("sox", [file, "-t", "raw", "-e", "floating-point", "-b", "32", "/dev/null"])
        ),
      );
    });
  },
});
loadBench(LOAD_FLAC, folders.flac, "FLAC");

loadBench(`${LOAD_WAV} `, folders.wav, "resampling", true);
loadBench(LOAD_WAV44, folders.wav44, "resampling");

loadBench(`${LOAD_WAV}  `, folders.wav, "AIFF", true);
loadBench(LOAD_AIFF, folders.aiff, "AIFF");

Deno.bench({
  name: SOX_OGG,
  group: "Ogg",
  baseline: true,
  n: RUNS,
  warmup: 1,
  async fn(b) {
    await timed(b, SOX_OGG, async () => {
      await Promise.all(
        oggFiles.map((file) =>
          run("sox", [file, "-t", "raw", "-e", "floating-point", "-b", "32", "/dev/null"])
        ),
      );
    });
  },
});
loadBench(LOAD_OGG, folders.ogg, "Ogg");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function printSummary(): void {
  const m = (name: string) => median(timings.get(name) ?? [NaN]);
  const lines = [
    `\nSong load: ${STEMS} stereo stems × ${SECONDS} s (${AUDIO_SECONDS} s of audio), medians of ${RUNS}:`,
  ];
  for (
    const name of [
      READ,
      LOAD_WAV,
      SOX,
      LOAD_FLAC,
      `${LOAD_WAV} `,
      LOAD_WAV44,
      `${LOAD_WAV}  `,
      LOAD_AIFF,
      SOX_OGG,
      LOAD_OGG,
    ]
  ) {
    const seconds = m(name);
    lines.push(
      `  ${name.trim().padEnd(40)} ${seconds.toFixed(3)} s  ${
        (AUDIO_SECONDS / seconds).toFixed(0).padStart(6)
      } × real time`,
    );
  }
  lines.push(
    `  WAV load speed / page-cache read speed: ${
      (m(READ) / m(LOAD_WAV)).toFixed(2)
    } (target ≥ 0.5)`,
    `  FLAC load time / sox time:              ${
      (m(LOAD_FLAC) / m(SOX)).toFixed(2)
    } (target ≤ 1.5)`,
    `  44.1 kHz load time / 48 kHz load time:  ${(m(LOAD_WAV44) / m(`${LOAD_WAV} `)).toFixed(2)}`,
    `  AIFF load time / WAV load time:          ${
      (m(LOAD_AIFF) / m(`${LOAD_WAV}  `)).toFixed(2)
    } (target ≤ 1.5: big-endian samples are byte-swapped)`,
    `  Ogg load time / sox (libvorbis) time:    ${(m(LOAD_OGG) / m(SOX_OGG)).toFixed(2)}`,
  );
  const held = memory.get(LOAD_WAV) ?? NaN;
  lines.push(
    `  memoryBytes after loading: ${held} (raw float32 ${RAW_BYTES}: ${
      (held / RAW_BYTES).toFixed(6)
    } ×)`,
  );
  console.log(lines.join("\n"));
}
