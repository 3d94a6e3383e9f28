/**
 * `play setlist.json` when stdout is not a terminal: the setlist plays through. Each song
 * plays to its end (or hands over by itself with a "next" or crossfade transition); after a
 * song that stops, the next one is started. A line names each song as it starts, progress
 * lines name the song, and a summary lists the songs played.
 *
 * @module
 */

import { formatTime } from "./format.ts";
import { runReporter, summaryLines } from "./reporter.ts";
import type { PlaySession } from "./session.ts";

/** The closing summary of a setlist: how it ended, the device, each song played. */
export function setlistSummaryLines(
  session: PlaySession,
  how: string,
  playedSeconds: number,
  played: number[],
): string[] {
  const { player } = session;
  const setlist = player.setlist!;
  const lines = [
    `${how}: setlist "${setlist.title}", ${played.length} of ${setlist.songs.length} songs ` +
    `played in ${formatTime(playedSeconds)} on ${player.deviceName} (${player.backendName}, ` +
    `${player.sampleRate} Hz, ${player.channels} ch, block ${player.blockFrames})`,
  ];
  for (const index of played) lines.push(`  ${index + 1}. ${setlist.songs[index].title}`);
  // The latency monitor's line, when it is on, is the same as for one song.
  lines.push(...summaryLines(session, how, playedSeconds).slice(1));
  return lines;
}

/**
 * Plays the loaded setlist from its current song to the end of the last one, printing to
 * `print`. Resolves after the summary with the signal that stopped it early, if one did.
 *
 * @throws {StemplayError} "DEVICE_LOST" when the device stops calling back
 */
export async function runSetlistReporter(
  session: PlaySession,
  print: (line: string) => void = console.log,
): Promise<Deno.Signal | undefined> {
  const { player } = session;
  const startedAt = performance.now();
  const played: number[] = [];
  const noteSong = () => {
    const setlist = player.setlist!;
    if (played.at(-1) === setlist.index) return;
    played.push(setlist.index);
    print(`song ${setlist.index + 1} of ${setlist.songs.length}: "${player.title}"`);
  };
  let signal: Deno.Signal | undefined;
  while (true) {
    noteSong();
    signal = await runReporter(session, print, { summary: false, onTick: noteSong });
    const setlist = player.setlist!;
    if (signal || setlist.index >= setlist.songs.length - 1) break;
    await player.next(); // the song stopped at its end ("stop"): on to the next one
    player.play();
  }
  const how = signal ? `stopped by ${signal}` : "ended";
  const seconds = (performance.now() - startedAt) / 1000;
  for (const line of setlistSummaryLines(session, how, seconds, played)) print(line);
  return signal;
}
