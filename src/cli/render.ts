/**
 * `stemplay render`: an offline bounce of a song with its levels and routing into a WAV
 * file, block by block (memory stays flat however long the song is), with a progress bar.
 *
 * @module
 */

import { basename, dirname, extname } from "node:path";
import { Player, type PlayerOptions } from "../player/player.ts";
import { StemplayError } from "../errors.ts";
import { WavFileWriter, type WavFormat } from "../sources/wav.ts";
import { choiceFlag, integerFlag, parseFlags, stringFlag, UsageError } from "./args.ts";
import { formatTime } from "./format.ts";
import { HELP } from "./help.ts";
import { StderrProgress } from "./progress.ts";
import { loadInputs } from "./song_source.ts";
import { type BusProfile, defaultBusProfile, profileChannels } from "../engine/buses.ts";
import { findSettingsFile, loadSettings } from "./settings.ts";
import { atomicTarget } from "../util/write_atomic.ts";
import type { KeyTempo } from "../model/key_tempo.ts";
import { KEY_TEMPO_FLAGS, keyTempoFlags, stretchEngineFlag } from "./key_tempo_flags.ts";

const COMMAND = "stemplay render";
/** Blocks rendered per write: a multiple of the block size, so the result is the same as
 * one `Player.render()` of the whole song. */
const BLOCKS_PER_CHUNK = 16;
const FORMATS = ["f32", "s16", "s24"] as const;

/** What to render and how. */
export interface RenderJob {
  inputs: string[];
  output: string;
  sampleRate: number;
  /** The engine's outputs (default: the highest output of the profile). */
  channels?: number;
  format: WavFormat;
  /** The rig profile (default: FOH 1-2, in-ears 3-4). */
  buses?: BusProfile;
  /** Only this bus's outputs go into the file. */
  bus?: string;
  /** As `Player.open({ streaming })` (stemplay.json's `streaming`; default: streamed). The
   * render is the same bit for bit either way; streaming keeps memory flat. */
  streaming?: PlayerOptions["streaming"];
  /** `--transpose` and `--speed`: the song's key and tempo in place of its song.json's. */
  keyTempo?: Partial<KeyTempo>;
  /** As `Player.open({ keyTempo })`: `--stretch-engine`, else stemplay.json's. */
  stretch?: PlayerOptions["keyTempo"];
}

/** Renders `job` and returns the number of frames written. */
export async function renderSong(job: RenderJob): Promise<number> {
  const profile = job.buses ?? defaultBusProfile(2);
  await using player = await Player.open({
    backend: "offline",
    sampleRate: job.sampleRate,
    channels: job.channels ?? profileChannels(profile),
    buses: profile,
    streaming: job.streaming,
    keyTempo: job.stretch,
  });
  // Every output, or the outputs of one bus (0-based).
  const outputs = job.bus === undefined
    ? Array.from({ length: player.channels }, (_, o) => o)
    : player.bus(job.bus).outputs.map((output) => output - 1);
  if (outputs.some((output) => output >= player.channels)) {
    throw new UsageError(
      `${COMMAND}: bus "${job.bus}" uses outputs beyond --channels ${player.channels}`,
    );
  }
  const loading = new StderrProgress("loading  ");
  const song = await loadInputs(
    player,
    job.inputs,
    (done, total) => loading.update(done, total),
    job.keyTempo,
  );
  loading.done();
  for (const warning of song.warnings ?? []) console.error(`stemplay: warning: ${warning}`);
  const total = player.timelineDurationFrames; // real frames: the song at its speed
  if (total === 0) {
    throw new StemplayError("EMPTY", `${job.inputs.join(", ")}: nothing to render (no frames)`);
  }
  for (const problem of player.busProblems) console.error(`stemplay: ${problem}`);
  // Rendered under a temporary name and renamed when complete: a render that fails or is
  // stopped leaves the previous mix (same name) whole.
  const output = await atomicTarget(job.output);
  const writer = await WavFileWriter.create(
    output.temp,
    outputs.length,
    job.sampleRate,
    job.format,
  );
  const rendering = new StderrProgress("rendering");
  try {
    player.play();
    const chunk = player.blockFrames * BLOCKS_PER_CHUNK;
    for (let done = 0; done < total;) {
      const frames = Math.min(chunk, total - done);
      const rendered = player.render(frames);
      await writer.write(outputs.map((output) => rendered[output]));
      done += frames;
      rendering.update(done, total);
    }
  } catch (error) {
    await writer.close().catch(() => {});
    await output.discard();
    throw error;
  } finally {
    rendering.done();
  }
  try {
    await writer.close();
    await output.commit();
  } catch (error) {
    await output.discard();
    throw error;
  }
  console.log(
    `wrote ${job.output}: "${song.title}", ${formatTime(total / job.sampleRate)}, ` +
      `${outputs.length} ch${job.bus === undefined ? "" : ` (bus ${job.bus})`}, ` +
      `${job.sampleRate} Hz, ${job.format}`,
  );
  return total;
}

/** The output must be a .wav file in a folder that exists: checked before any decoding. */
async function checkOutput(output: string): Promise<void> {
  const extension = extname(output).toLowerCase();
  if (extension !== ".wav") {
    throw new UsageError(
      `${COMMAND}: -o ${output}: render writes WAV files only` +
        (extension ? `, not ${extension}` : "") +
        `; name it ${basename(output, extname(output)) || "mix"}.wav ` +
        `(convert it afterwards, e.g. with ffmpeg or lame)`,
    );
  }
  const folder = dirname(output);
  const info = await Deno.stat(folder).catch(() => undefined);
  if (!info) {
    throw new UsageError(
      `${COMMAND}: -o ${output}: the folder "${folder}" does not exist (create it first, ` +
        `or write the file somewhere else)`,
    );
  }
  if (!info.isDirectory) {
    throw new UsageError(`${COMMAND}: -o ${output}: "${folder}" is a file, not a folder`);
  }
}

/** Runs `stemplay render …` and returns the exit code. */
export async function renderCommand(args: string[]): Promise<number> {
  const parsed = parseFlags(COMMAND, args, {
    output: { type: "string", short: "o" },
    rate: { type: "string" },
    channels: { type: "string" },
    format: { type: "string" },
    bus: { type: "string" },
    config: { type: "string" },
    ...KEY_TEMPO_FLAGS,
  });
  if (parsed.flags.help) {
    console.log(HELP.render);
    return 0;
  }
  const sampleRate = integerFlag(COMMAND, parsed, "rate", 8000, 768000) ?? 48000;
  const channels = integerFlag(COMMAND, parsed, "channels", 1, 32);
  const format = choiceFlag(COMMAND, parsed, "format", FORMATS) ?? "f32";
  const output = stringFlag(parsed, "output");
  const keyTempo = keyTempoFlags(COMMAND, parsed);
  const stretchEngine = stretchEngineFlag(COMMAND, parsed);
  if (output === undefined) {
    throw new UsageError(`${COMMAND}: -o/--output <file.wav> is required`);
  }
  if (parsed.positionals.length === 0) {
    throw new UsageError(`${COMMAND}: give a song folder, a song.json or audio files to render`);
  }
  await checkOutput(output);
  const settings = await loadSettings(
    await findSettingsFile(parsed.positionals, stringFlag(parsed, "config")),
  );
  const bus = stringFlag(parsed, "bus");
  await renderSong({
    inputs: parsed.positionals,
    output,
    sampleRate,
    channels,
    format,
    buses: settings.buses,
    bus,
    streaming: settings.streaming,
    keyTempo,
    stretch: stretchEngine ? { engine: stretchEngine } : settings.keyTempo,
  });
  return 0;
}
