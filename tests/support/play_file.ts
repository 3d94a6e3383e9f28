/**
 * Plays one file from its start to its end in an offline stereo player, as a user's stem is
 * played: the exact callback code, whole or streamed.
 *
 * @module
 */

import { Player } from "../../src/player/player.ts";

/** What a file played as: the rendered outputs, its length, whether it streamed, starved blocks. */
export interface PlayedFile {
  out: Float32Array[];
  frames: number;
  streamed: number;
  starved: number;
}

/** Plays `path` at `sampleRate` (256-frame blocks), decoded whole or streamed as `streaming` says. */
export async function playFile(
  path: string,
  streaming: boolean | { lookAheadSeconds: number },
  sampleRate = 48000,
): Promise<PlayedFile> {
  await using player = await Player.open({
    backend: "offline",
    sampleRate,
    channels: 2,
    blockFrames: 256,
    streaming,
  });
  const track = await player.load(path, { route: [1, 2] });
  const streamed = player.streamStats.streams;
  player.play();
  const out = player.render(track.frames);
  return { out, frames: track.frames, streamed, starved: player.health.starved };
}
