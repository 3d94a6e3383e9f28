/**
 * The rig page's test signal: a 1 kHz tone on one output, to find which cable is which. At
 * most -20 dBFS (peak 0.1, never louder whatever is asked), faded in and out over 20 ms so it
 * never clicks, 3 s long, and refused while the show plays. It is a track of its own on the
 * player, removed with the song slot when it ends (the console only allows it with no song
 * loaded, so nothing of the show is touched).
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";

/** The test signal's peak level, dBFS. */
export const TEST_SIGNAL_DBFS = -20;
/** Just under -20 dBFS, so that float32 rounding never lands above it. */
const PEAK = 0.999 * 10 ** (TEST_SIGNAL_DBFS / 20);
const SECONDS = 3;
const FADE_SECONDS = 0.02;
const FREQUENCY = 1000;

/** Why a test signal is refused now, or undefined when it may play. */
export function testSignalRefusal(player: Player): string | undefined {
  if (player.playingOrAsked) {
    return "the show is playing: the test signal is refused until it stops";
  }
  if (player.tracks.length > 0) {
    return "a song is loaded (an audition): stop it first, which unloads it";
  }
  return undefined;
}

/** The tone, planar mono at the player's rate. */
function tone(sampleRate: number): Float32Array {
  const frames = Math.round(SECONDS * sampleRate);
  const fade = Math.round(FADE_SECONDS * sampleRate);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const edge = Math.min(i, frames - 1 - i);
    const ramp = edge < fade ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade) : 1;
    samples[i] = PEAK * ramp * Math.sin((2 * Math.PI * FREQUENCY * i) / sampleRate);
  }
  return samples;
}

/**
 * Plays the test signal on `output` (from 1) and stops it after its length.
 * @throws {StemplayError} "INVALID_ARGUMENT" for an output the device lacks
 */
export function playTestSignal(player: Player, output: unknown): void {
  if (!Number.isInteger(output) || (output as number) < 1 || (output as number) > player.channels) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `output must be 1 to ${player.channels}, got ${JSON.stringify(output)}`,
    );
  }
  const signal = player.addTrack([tone(player.sampleRate)], {
    name: "test signal",
    route: [output as number],
  });
  player.seek(0);
  player.play();
  // Only this signal, if it still plays: stopped early, the show may have started since.
  const done = setTimeout(() => {
    if (player.closed || player.tracks.length !== 1 || player.tracks[0] !== signal) return;
    stopTestSignal(player);
  }, SECONDS * 1000 + 200);
  Deno.unrefTimer(done);
}

/** Stops and removes the test signal (and an audition): the transport is stopped. */
export async function stopTestSignal(player: Player): Promise<void> {
  if (player.closed) return;
  player.stop();
  await player.unloadSong();
}
