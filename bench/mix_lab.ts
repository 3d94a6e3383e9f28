/**
 * The mixing benchmark's setup, shared by mix_bench.ts (Deno.bench) and mix_table.ts (the
 * compact table): one set of track data, and the mixers over it.
 *
 * - stemplay: an offline engine driven with sp_render, which runs exactly the device
 *   callback's code, block by block (Player.render() adds a JS de-interleave on top). Its
 *   tracks are resident (addTrack).
 * - stemplay rings: the same engine and the same sp_render, with every track streamed from a
 *   file (float32 WAV files of the same data, written once per track count into a temp dir):
 *   the mixer reads each track's window from its ring (native/ring.c). Timed: sp_render of one
 *   window whose frames are all in the rings already, with the reader thread paused. Not
 *   timed: before each window the reader runs until every ring is full again (its CPU time
 *   stops growing), then it is paused; after the window the starved counter must not have
 *   moved (a track whose ring lacked a frame would have been silent, and the window would not
 *   have measured mixing: the bench throws). So no file read or decode is in the timed part.
 *   Pausing needs the library's test build (two relaxed loads per block more than the default
 *   build's callback). Default streaming settings (2 s look-ahead, 1 s heads).
 * - the memory limit: a vectorised sum over the same data (bench/peers/sum.c, -O3
 *   -march=native).
 * - ma_engine: miniaudio's engine mixing the same data as ma_sounds (bench/peers/), with
 *   miniaudio's default sound flags, and with pitch and spatialization off (its fastest path).
 * - a plain TypeScript loop.
 *
 * Data: 64 stereo tracks of 30 s of noise (737 MB) in one Float32Array, laid out so that any
 * shape of 8, 16 or 64 tracks sees all of it as contiguous per-channel views: 8 tracks of
 * 240 s, 16 of 120 s or 64 of 30 s. So every shape sweeps the same 737 MB, more than the
 * last-level cache, and the mixers of a shape share one cursor: each window continues where
 * the previous mixer stopped, so it always reads the data touched longest ago.
 *
 * @module
 */

import { Player } from "../mod.ts";
import { buildLibrary, localBuildDir } from "../ffi/build.ts";
import { WavFileWriter } from "../src/sources/wav.ts";
import { DEFAULT_HEAD_SECONDS } from "../src/sources/streaming.ts";

/** Frames per second of every track and engine. */
export const SAMPLE_RATE = 48000;
/** Stereo tracks in the data set, and seconds each. */
export const BASE_TRACKS = 64;
export const BASE_SECONDS = 30;
/** Track counts and block sizes measured. */
export const TRACK_COUNTS = [8, 16, 64] as const;
export const BLOCK_SIZES = [128, 256, 2048] as const;
/** Frames mixed per timed window: a multiple of every block size. */
export const WINDOW_FRAMES = 2048 * 8;
/** The gain of every track, the same in every mixer. */
export const GAIN = 0.5;

const BASE_FRAMES = SAMPLE_RATE * BASE_SECONDS;

/** The ways of mixing a window. */
export type MixerName =
  | "stemplay"
  | "stemplay rings"
  | "memory limit"
  | "ma_engine"
  | "ma_engine fast"
  | "TypeScript";
export const MIXERS: readonly MixerName[] = [
  "stemplay",
  "stemplay rings",
  "memory limit",
  "ma_engine",
  "ma_engine fast",
  "TypeScript",
];
/** ma_sound flags: MA_SOUND_FLAG_NO_PITCH | MA_SOUND_FLAG_NO_SPATIALIZATION. */
const MA_FAST_FLAGS = 0x00002000 | 0x00004000;

/** One mixer bound to a shape: mixes WINDOW_FRAMES frames from the shape's cursor on. */
export interface Mixer {
  seek(frame: number): void;
  /** Untimed, before each timed window: gets the window's input ready. */
  prepare?(): Promise<void>;
  mix(start: number): void;
  /** Untimed, after each timed window: throws if it did not measure what it should. */
  check?(): void;
}

/** A shape: how many stereo tracks, how many frames per block. */
export interface Shape {
  tracks: number;
  block: number;
}

/** Input samples of one window of a shape (tracks × 2 channels × frames). */
export function windowSamples(shape: Shape): number {
  return shape.tracks * 2 * WINDOW_FRAMES;
}

/** Everything the mixers need. Create with {@link MixLab.create}; free with close(). */
export class MixLab {
  readonly data: Float32Array;
  #sum!: Deno.DynamicLibrary<typeof SUM_SYMBOLS>;
  #ma!: Deno.DynamicLibrary<typeof MA_SYMBOLS>;
  #cursor = new Map<number, number>();
  #out = new Float32Array(WINDOW_FRAMES * 2);
  #live?: { key: string; mixer: Mixer; close: () => Promise<void> };
  #interleaved?: { tracks: number; arrays: Float32Array[] };
  #stems?: { tracks: number; dir: string; paths: string[] };

  private constructor(data: Float32Array) {
    this.data = data;
  }

  /** Generates the data and builds the peers. */
  static async create(): Promise<MixLab> {
    const lab = new MixLab(noise(BASE_TRACKS * 2 * BASE_FRAMES));
    const peers = await buildPeers();
    lab.#sum = Deno.dlopen(peers.sum, SUM_SYMBOLS);
    lab.#ma = Deno.dlopen(peers.ma, MA_SYMBOLS);
    return lab;
  }

  /** Frames per track in a shape of `tracks` tracks. */
  trackFrames(tracks: number): number {
    return BASE_FRAMES * (BASE_TRACKS / tracks);
  }

  /** Track k's channel c in a shape of `tracks` tracks: a view, never a copy. */
  channel(tracks: number, k: number, c: number): Float32Array {
    const span = BASE_TRACKS / tracks;
    const start = (c * BASE_TRACKS + k * span) * BASE_FRAMES;
    return this.data.subarray(start, start + span * BASE_FRAMES);
  }

  /** The stereo tracks of a shape, as [left, right] views. */
  tracks(tracks: number): Float32Array[][] {
    return Array.from({ length: tracks }, (_, k) => [0, 1].map((c) => this.channel(tracks, k, c)));
  }

  /** Mixes one window with `name` on `shape`, moving the shape's shared cursor. */
  async window(name: MixerName, shape: Shape): Promise<void> {
    const mixer = await this.mixer(name, shape);
    this.step(mixer, shape);
  }

  /** The mixer, created on first use. Only one stemplay engine or ma_engine lives at a time. */
  async mixer(name: MixerName, shape: Shape): Promise<Mixer> {
    const key = `${name} ${shape.tracks}x${shape.block}`;
    if (this.#live?.key === key) return this.#live.mixer;
    if (this.#live) await this.#live.close();
    this.#live = undefined;
    const made = await this.#make(name, shape);
    this.#live = { key, ...made };
    made.mixer.seek(this.#cursor.get(shape.tracks) ?? 0);
    return made.mixer;
  }

  /** One window from the cursor, wrapping to 0 before the end of the tracks. */
  step(mixer: Mixer, shape: Shape): void {
    let cursor = this.#cursor.get(shape.tracks) ?? 0;
    if (cursor + WINDOW_FRAMES > this.trackFrames(shape.tracks)) {
      cursor = 0;
      mixer.seek(0);
    }
    mixer.mix(cursor);
    this.#cursor.set(shape.tracks, cursor + WINDOW_FRAMES);
  }

  async #make(
    name: MixerName,
    shape: Shape,
  ): Promise<{ mixer: Mixer; close: () => Promise<void> }> {
    const out = this.#out;
    if (name === "stemplay rings") return await this.#rings(shape);
    if (name === "stemplay") {
      const player = await Player.open({
        backend: "offline",
        sampleRate: SAMPLE_RATE,
        channels: 2,
        blockFrames: shape.block,
      });
      for (const track of this.tracks(shape.tracks)) player.addTrack(track, { gain: GAIN });
      player.play();
      const { native, engine } = player;
      return {
        mixer: {
          seek: (frame) => void native.sp_transport_seek(engine, BigInt(frame)),
          mix: () => void native.sp_render(engine, out, WINDOW_FRAMES),
        },
        close: () => player.close(),
      };
    }
    if (name === "memory limit") {
      const pointers = this.#pointers(this.tracks(shape.tracks).flat());
      const sum = this.#sum.symbols;
      return {
        mixer: {
          seek: () => {},
          mix: (start) => {
            out[0] = sum.bench_sum(pointers, shape.tracks * 2, BigInt(start), WINDOW_FRAMES);
          },
        },
        close: () => Promise.resolve(),
      };
    }
    if (name === "ma_engine" || name === "ma_engine fast") {
      const arrays = this.#interleavedTracks(shape.tracks);
      const ma = this.#ma.symbols;
      const peer = ma.peer_create(
        shape.tracks,
        this.#pointers(arrays),
        BigInt(this.trackFrames(shape.tracks)),
        SAMPLE_RATE,
        GAIN,
        name === "ma_engine fast" ? MA_FAST_FLAGS : 0,
      );
      if (peer === null) throw new Error("ma_engine peer: init failed");
      return {
        mixer: {
          seek: (frame) => {
            if (ma.peer_seek(peer, BigInt(frame)) !== 0) throw new Error("ma_engine peer: seek");
          },
          mix: () => {
            const result = ma.peer_read(peer, out, WINDOW_FRAMES, shape.block);
            if (result !== 0) throw new Error(`ma_engine peer: read ${result}`);
          },
        },
        close: () => Promise.resolve(ma.peer_free(peer)),
      };
    }
    const tracks = this.tracks(shape.tracks);
    const left = new Float32Array(shape.block), right = new Float32Array(shape.block);
    return {
      mixer: {
        seek: () => {},
        mix: (start) => mixInTypeScript(tracks, start, shape.block, left, right, out),
      },
      close: () => Promise.resolve(),
    };
  }

  /** stemplay mixing the shape's tracks streamed from files through rings. It keeps its own
   * position (the rings hold its data, not this.data, so the shared cursor means nothing to
   * it): seek() is ignored, and near the end it seeks back to the first window past the
   * heads at 0 (a window there would be read from a head, which is resident, not a ring). */
  async #rings(shape: Shape): Promise<{ mixer: Mixer; close: () => Promise<void> }> {
    const paths = await this.#stemFiles(shape.tracks);
    const player = await Player.open({
      backend: "offline",
      sampleRate: SAMPLE_RATE,
      channels: 2,
      blockFrames: shape.block,
      library: "test",
    });
    const { native, engine } = player;
    /** Paused: the reader fills nothing and a render never waits for it (a missing frame is a
     * starved, silent track). Running: renders wait for the reader, as offline renders do. */
    const pauseReader = (paused: boolean) => {
      const result = native.sp_test_set_streaming(engine, paused ? 1 : 0, paused ? 0 : 1);
      if (result !== 0) throw new Error(`sp_test_set_streaming: ${result}`);
    };
    const out = this.#out;
    const trackFrames = this.trackFrames(shape.tracks);
    const headFrames = Math.ceil(DEFAULT_HEAD_SECONDS * SAMPLE_RATE);
    const restart = Math.ceil((headFrames + 1) / WINDOW_FRAMES) * WINDOW_FRAMES;
    let starved = 0;
    try {
      for (const path of paths) await player.load(path, { gain: GAIN });
      player.play();
    } catch (error) {
      await player.close();
      throw error;
    }
    return {
      mixer: {
        seek: () => {},
        prepare: async () => {
          pauseReader(false);
          if (player.positionFrames + 2 * WINDOW_FRAMES > trackFrames) {
            native.sp_transport_seek(engine, BigInt(restart));
            native.sp_render(engine, out, WINDOW_FRAMES); // waits for the rings there
          }
          await readerSettled(player);
          pauseReader(true);
          starved = player.starvedBlocks;
        },
        mix: () => void native.sp_render(engine, out, WINDOW_FRAMES),
        check: () => {
          const more = player.starvedBlocks - starved;
          if (more > 0) {
            throw new Error(
              `stemplay rings ${shape.tracks}x${shape.block}: ${more} track-blocks starved in a ` +
                "timed window (a ring was not full when it started): the window did not measure " +
                "mixing from rings",
            );
          }
        },
      },
      close: async () => {
        pauseReader(false);
        await player.close();
      },
    };
  }

  /** Float32 WAV files of a shape's tracks (the same samples as this.data), written once per
   * track count; the previous count's files are removed first. */
  async #stemFiles(tracks: number): Promise<string[]> {
    if (this.#stems?.tracks === tracks) return this.#stems.paths;
    await this.#removeStems();
    const dir = await Deno.makeTempDir({ prefix: "stemplay-mix-rings-" });
    this.#stems = { tracks, dir, paths: [] };
    // mix_bench.ts never closes its lab: the files (hundreds of MB) go when the process ends.
    addEventListener("unload", () => removeIfThere(dir), { once: true });
    const chunk = 1 << 18;
    for (const [k, [left, right]] of this.tracks(tracks).entries()) {
      const path = `${dir}/track${k}.wav`;
      const writer = await WavFileWriter.create(path, 2, SAMPLE_RATE, "f32");
      try {
        for (let at = 0; at < left.length; at += chunk) {
          await writer.write([left.subarray(at, at + chunk), right.subarray(at, at + chunk)]);
        }
      } finally {
        await writer.close();
      }
      this.#stems.paths.push(path);
    }
    return this.#stems.paths;
  }

  async #removeStems(): Promise<void> {
    if (this.#stems) await Deno.remove(this.#stems.dir, { recursive: true });
    this.#stems = undefined;
  }

  /** Interleaved stereo copies of a shape's tracks, for miniaudio (one set kept at a time). */
  #interleavedTracks(tracks: number): Float32Array[] {
    if (this.#interleaved?.tracks === tracks) return this.#interleaved.arrays;
    this.#interleaved = undefined;
    const arrays = this.tracks(tracks).map(([left, right]) => {
      const array = new Float32Array(left.length * 2);
      for (let i = 0; i < left.length; i++) {
        array[2 * i] = left[i];
        array[2 * i + 1] = right[i];
      }
      return array;
    });
    this.#interleaved = { tracks, arrays };
    return arrays;
  }

  #pointers(arrays: Float32Array[]): BigUint64Array {
    return BigUint64Array.from(
      arrays.map((array) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(array)))),
    );
  }

  /** A player with one track, for the control-plane cost. */
  async controlPlayer(): Promise<Player> {
    const player = await Player.open({ backend: "offline", sampleRate: SAMPLE_RATE });
    player.addTrack([this.data.subarray(0, SAMPLE_RATE)], { gain: GAIN });
    return player;
  }

  /** Frees the live engine and the libraries. */
  async close(): Promise<void> {
    if (this.#live) await this.#live.close();
    this.#live = undefined;
    this.#interleaved = undefined;
    await this.#removeStems();
    this.#sum.close();
    this.#ma.close();
  }
}

/** Removes a directory that close() may have removed already. */
function removeIfThere(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Waits until the reader thread's CPU time has stopped growing (under 0.05 ms in each of three
 * 4 ms looks in a row; idle, it only wakes every 2 ms to look at its rings): it has nothing
 * left to fill, so every ring is full. */
async function readerSettled(player: Player): Promise<void> {
  let last = player.streamStats.readerCpuMs;
  for (let quiet = 0, turns = 0; quiet < 3; turns++) {
    if (turns > 5000) throw new Error("the reader thread never settled");
    await new Promise((resolve) => setTimeout(resolve, 4));
    const now = player.streamStats.readerCpuMs;
    quiet = now - last < 0.05 ? quiet + 1 : 0;
    last = now;
  }
}

/** The plain TypeScript mix: per block, every track's two channels into a stereo block,
 * then interleaved into out. */
function mixInTypeScript(
  tracks: Float32Array[][],
  start: number,
  block: number,
  left: Float32Array,
  right: Float32Array,
  out: Float32Array,
): void {
  for (let offset = 0; offset < WINDOW_FRAMES; offset += block) {
    left.fill(0);
    right.fill(0);
    const from = start + offset;
    for (const [l, r] of tracks) {
      for (let i = 0; i < block; i++) {
        left[i] += GAIN * l[from + i];
        right[i] += GAIN * r[from + i];
      }
    }
    for (let i = 0; i < block; i++) {
      out[2 * (offset + i)] = left[i];
      out[2 * (offset + i) + 1] = right[i];
    }
  }
}

/** Uniform noise in ±0.25 from a xorshift generator (fast, and the same every run). */
function noise(length: number): Float32Array {
  const data = new Float32Array(length);
  let state = 0x9e3779b9 | 0;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = (state / 0x80000000) * 0.25;
  }
  return data;
}

const SUM_SYMBOLS = {
  /** float bench_sum(const float *const *channels, uint32_t count, uint64_t start,
   * uint32_t frames) */
  bench_sum: { parameters: ["buffer", "u32", "u64", "u32"], result: "f32" },
} as const satisfies Deno.ForeignLibraryInterface;

const MA_SYMBOLS = {
  /** peer *peer_create(uint32_t count, const float *const *interleaved, uint64_t frames,
   * uint32_t sample_rate, float gain, uint32_t flags) */
  peer_create: { parameters: ["u32", "buffer", "u64", "u32", "f32", "u32"], result: "pointer" },
  /** int32_t peer_seek(peer *p, uint64_t frame) */
  peer_seek: { parameters: ["pointer", "u64"], result: "i32" },
  /** int32_t peer_read(peer *p, float *out, uint32_t frames, uint32_t block) */
  peer_read: { parameters: ["pointer", "buffer", "u32", "u32"], result: "i32" },
  /** void peer_free(peer *p) */
  peer_free: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Builds the two peers into native/build/bench/ (rebuilt every run: a second or two). */
async function buildPeers(): Promise<{ sum: string; ma: string }> {
  await buildLibrary({ quiet: true }); // makes sure miniaudio.h and its object exist
  const buildDir = localBuildDir();
  const outDir = `${buildDir}bench`;
  await Deno.mkdir(outDir, { recursive: true });
  const peers = new URL("./peers/", import.meta.url).pathname;
  const compiler = Deno.env.get("CC") ?? "cc";
  const sum = `${outDir}/libbench_sum.so`;
  await compile(compiler, [
    "-O3",
    "-march=native",
    "-ffast-math",
    "-fPIC",
    "-shared",
    `${peers}sum.c`,
    "-o",
    sum,
  ]);
  const ma = `${outDir}/libbench_ma_engine.so`;
  await compile(compiler, [
    "-O2",
    "-fPIC",
    "-shared",
    `-I${buildDir}`,
    `${peers}ma_engine_peer.c`,
    await newestMiniaudioObject(buildDir),
    "-o",
    ma,
    "-lpthread",
    "-lm",
    "-ldl",
  ]);
  return { sum, ma };
}

/** The cached miniaudio object that ffi/build.ts made (miniaudio-<key>.o). */
async function newestMiniaudioObject(buildDir: string): Promise<string> {
  let best: { path: string; time: number } | undefined;
  for await (const entry of Deno.readDir(buildDir)) {
    if (!/^miniaudio-[0-9a-f]+\.o$/.test(entry.name)) continue;
    const path = `${buildDir}${entry.name}`;
    const time = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (!best || time > best.time) best = { path, time };
  }
  if (!best) throw new Error(`no miniaudio object in ${buildDir}`);
  return best.path;
}

async function compile(compiler: string, args: string[]): Promise<void> {
  const result = await new Deno.Command(compiler, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (result.code !== 0) {
    throw new Error(
      `${compiler} ${args.join(" ")} failed:\n${new TextDecoder().decode(result.stderr)}`,
    );
  }
}
