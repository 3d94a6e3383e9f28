/**
 * Recording the engine's audio and a MIDI port on one JACK timeline: native/tests/jack_capture.c
 * (an independent JACK client, built here with cc), and reading back a "ramp" song whose
 * samples encode their own frame index, so the song frame playing at any capture frame is known.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeWav } from "../../src/sources/wav.ts";
import { JACK_RATE, type JackServer } from "./jack.ts";
import { readLines } from "./midi_send.ts";

/** The ramp's scale: sample i of the ramp song is (i + 1) / RAMP_SCALE. */
export const RAMP_SCALE = 2 ** 21;

/** Builds the capture client (cc … -l:libjack.so.0); usage: `capture OUT.f32 SECONDS`. */
export async function buildJackCapture(): Promise<string> {
  const source = fileURLToPath(new URL("../../native/tests/jack_capture.c", import.meta.url));
  const binary = join(await Deno.makeTempDir({ prefix: "stemplay-capture-" }), "jack_capture");
  const output = await new Deno.Command("cc", {
    args: ["-O2", "-o", binary, source, "-l:libjack.so.0"],
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return binary;
}

/** `frames` of the ramp (sample i reads (i + 1) / RAMP_SCALE). */
export function rampSamples(frames: number): Float32Array {
  const samples = new Float32Array(frames);
  for (let i = 0; i < samples.length; i++) samples[i] = (i + 1) / RAMP_SCALE;
  return samples;
}

/** Song frame playing at capture frame t, read from the ramp; undefined in silence or fades. */
export function rampFrameAt(audio: Float32Array, t: number): number | undefined {
  const scaled = audio[t] * RAMP_SCALE;
  if (!(scaled >= 1) || Math.abs(scaled - Math.round(scaled)) > 1e-3) return undefined;
  const frame = Math.round(scaled) - 1;
  // Part of a clean run (not a crossfade that happens to land near an integer).
  const next = audio[t + 1] * RAMP_SCALE;
  return Math.abs(next - scaled - 1) < 1e-3 ? frame : undefined;
}

/** Writes the song folder `dir/ramp`: one mono float stem "ramp.wav" of `seconds` of the ramp at
 * the test server's rate on output 1, and a song.json with `manifest`'s keys after its tracks.
 * @returns the folder */
export async function writeRampSong(
  dir: string,
  seconds: number,
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const folder = join(dir, "ramp");
  await Deno.mkdir(folder);
  const samples = rampSamples(seconds * JACK_RATE);
  await Deno.writeFile(join(folder, "ramp.wav"), encodeWav([samples], JACK_RATE, "f32"));
  await Deno.writeTextFile(
    join(folder, "song.json"),
    JSON.stringify({ tracks: [{ file: "ramp.wav", route: [1] }], ...manifest }),
  );
  return folder;
}

/** One MIDI event of a capture: its capture frame and bytes. */
export interface CapturedEvent {
  at: number;
  bytes: number[];
}

/** Parses the capture's stdout lines ("FRAME HEX HEX …"). */
export function parseCapturedEvents(lines: string[]): CapturedEvent[] {
  return lines.map((line) => {
    const [frame, ...data] = line.split(" ");
    return { at: Number(frame), bytes: data.map((b) => parseInt(b, 16)) };
  });
}

/** One period of a timed capture: its first capture frame, the server's frame counter, the
 * time of that frame as the server's clock filter has it (`usecs`, jack_frames_to_time) and when
 * the capture's process callback ran (`now`, jack_get_time); µs of CLOCK_MONOTONIC_RAW, the same
 * clock for every server. */
export interface CaptureStamp {
  frame: number;
  jackFrame: number;
  usecs: number;
  now: number;
}

/** A timed capture's audio and per-period stamps. */
export interface TimedCapture {
  audio: Float32Array;
  stamps: CaptureStamp[];
}

/** Parses a capture's times file ("FRAME JACKFRAME USECS NOW" a line). */
export function parseCaptureTimes(text: string): CaptureStamp[] {
  return text.split("\n").filter(Boolean).map((line) => {
    const [frame, jackFrame, usecs, now] = line.split(" ").map(Number);
    return { frame, jackFrame, usecs, now };
  });
}

/** The time (µs) of capture frame `frame`: its period's stamp plus the frames since, at `rate`.
 * Frames before the first stamp or past the last period are undefined. `clock`: which stamp. */
export function captureTimeAt(
  stamps: CaptureStamp[],
  frame: number,
  rate: number,
  clock: "usecs" | "now" = "now",
): number | undefined {
  let low = 0, high = stamps.length - 1;
  if (high < 0 || frame < stamps[0].frame) return undefined;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (stamps[middle].frame <= frame) low = middle;
    else high = middle - 1;
  }
  const stamp = stamps[low];
  const next = stamps[low + 1];
  const periodEnd = next ? next.frame : stamp.frame + (stamps[1]?.frame ?? 0) - stamps[0].frame;
  if (frame >= periodEnd) return undefined;
  return stamp[clock] + (frame - stamp.frame) * 1e6 / rate;
}

/** The time (µs) of capture frame `frame`, from a least-squares line through the `clock` stamps
 * of the periods within `span` frames either side: one period's stamp jitters by the scheduling
 * of its cycle (tens to hundreds of µs, more on a loaded machine); the line averages it out.
 * Undefined when fewer than 8 stamps are that near. */
export function smoothCaptureTimeAt(
  stamps: CaptureStamp[],
  frame: number,
  span: number,
  clock: "usecs" | "now" = "now",
): number | undefined {
  const near = stamps.filter((s) => Math.abs(s.frame - frame) <= span);
  if (near.length < 8) return undefined;
  const n = near.length;
  const mx = near.reduce((a, s) => a + s.frame, 0) / n;
  const my = near.reduce((a, s) => a + s[clock], 0) / n;
  let sxx = 0, sxy = 0;
  for (const s of near) {
    sxx += (s.frame - mx) ** 2;
    sxy += (s.frame - mx) * (s[clock] - my);
  }
  return my + (sxy / sxx) * (frame - mx);
}

/** The time (µs) of capture frame `frame` by the earliest-running period of those within `span`
 * frames either side: a period's callback can run late (a busy machine; a dummy server catching
 * up), never early, so the earliest is the server's clock. Undefined with no period that near. */
export function earliestCaptureTimeAt(
  stamps: CaptureStamp[],
  frame: number,
  span: number,
  rate: number,
): number | undefined {
  let best: number | undefined;
  for (const s of stamps) {
    if (Math.abs(s.frame - frame) > span) continue;
    const at = s.now + (frame - s.frame) * 1e6 / rate;
    if (best === undefined || at < best) best = at;
  }
  return best;
}

/** A running capture of audio ports and a MIDI port ({@linkcode startAudioMidiCapture}). */
export interface AudioMidiCapture {
  /** Waits until its length is recorded: the MIDI lines ("FRAME HEX …"); the audio is in the
   * file it was started with. */
  finish(): Promise<string[]>;
}

/** Starts `binary` (from {@linkcode buildJackCapture}) for `seconds` into `audioPath`, and once
 * it is ready connects each of `audioPorts` to its audio input and `midiPort` to its MIDI input.
 * With `timesPath`, it also writes the per-period stamps there ({@linkcode parseCaptureTimes}). */
export async function startAudioMidiCapture(
  binary: string,
  server: JackServer,
  audioPath: string,
  seconds: number,
  audioPorts: string[],
  midiPort: string,
  timesPath?: string,
): Promise<AudioMidiCapture> {
  const child = new Deno.Command(binary, {
    args: [audioPath, String(seconds), ...(timesPath ? [timesPath] : [])],
    env: server.env,
    stdout: "piped",
  }).spawn();
  const lines = readLines(child.stdout)[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, "ready");
  for (const port of audioPorts) await server.connect(port, "capture:audio");
  await server.connect(midiPort, "capture:midi");
  return {
    async finish() {
      const captured: string[] = [];
      for (let line = await lines.next(); !line.done; line = await lines.next()) {
        captured.push(line.value);
      }
      await child.status;
      return captured;
    },
  };
}

/** A running timed capture (native/tests/jack_capture.c) of one port of a JACK server. */
export class JackCapture {
  readonly #child: Deno.ChildProcess;
  readonly #dir: string;
  readonly #stdout: ReadableStreamDefaultReader<Uint8Array>;

  private constructor(child: Deno.ChildProcess, dir: string) {
    this.#child = child;
    this.#dir = dir;
    this.#stdout = child.stdout.getReader();
  }

  /** Starts `binary` (from {@linkcode buildJackCapture}) on the server of `env` for `seconds`,
   * and connects `port` to it with `connect` (the server's jack_connect). */
  static async start(
    binary: string,
    env: Record<string, string>,
    seconds: number,
    port: string,
    connect: (from: string, to: string) => Promise<void>,
  ): Promise<JackCapture> {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-timed-capture-" });
    const child = new Deno.Command(binary, {
      args: [join(dir, "audio.f32"), String(seconds), join(dir, "times.txt")],
      env,
      stdout: "piped",
    }).spawn();
    const capture = new JackCapture(child, dir);
    const first = await capture.#stdout.read();
    if (!new TextDecoder().decode(first.value).startsWith("ready")) {
      await capture.finish().catch(() => {});
      throw new Error("jack_capture did not start");
    }
    await connect(port, "capture:audio");
    return capture;
  }

  /** Waits for the capture's length to be recorded and reads it (files removed). */
  async finish(): Promise<TimedCapture> {
    try {
      // "ready" was read; the MIDI lines, if any, are not kept.
      while (!(await this.#stdout.read()).done) continue;
      const status = await this.#child.status;
      if (!status.success) throw new Error(`jack_capture failed (${status.code})`);
      const bytes = await Deno.readFile(join(this.#dir, "audio.f32"));
      const audio = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      const stamps = parseCaptureTimes(await Deno.readTextFile(join(this.#dir, "times.txt")));
      return { audio, stamps };
    } finally {
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    }
  }

  /** Ends the capture early by its pid (a test that failed before it finished). */
  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}
