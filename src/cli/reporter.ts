/**
 * `play` when stdout is not a terminal (piped, CI): one plain progress line a second, and a
 * summary when the song ends or SIGINT/SIGTERM stops it. A lost device is reported, and so is
 * its return (the player retries it by itself).
 *
 * @module
 */

import { healthLine } from "./health_line.ts";
import { formatTime } from "./format.ts";
import { syncLine } from "./sync_flags.ts";
import { syncHealthOf } from "../control/sync_registry.ts";
import type { PlaySession } from "./session.ts";

/** Milliseconds between progress lines. */
const LINE_MS = 1000;

/** One progress line, e.g. "0:03.0 / 0:24.0  playing  Intro"; with a setlist it starts with
 * the song, e.g. "[2/5 Goodness] ". */
export function progressLine(session: PlaySession): string {
  const { player } = session;
  const marker = session.markerAt(player.position);
  const setlist = player.setlist;
  const song = setlist ? `[${setlist.index + 1}/${setlist.songs.length} ${player.title}] ` : "";
  const sync = syncHealthOf(player);
  return `${song}${formatTime(player.position)} / ${formatTime(player.duration)}  ` +
    player.state + (marker ? `  ${marker.name}` : "") + (sync ? `  ${syncLine(sync)}` : "");
}

/** How `runReporter` reports. */
export interface ReporterOptions {
  /** Print the closing summary (default true). */
  summary?: boolean;
  /** Called before each progress line and once at the end (a setlist notes song changes). */
  onTick?: () => void;
}

/** The closing summary. */
export function summaryLines(session: PlaySession, how: string, playedSeconds: number): string[] {
  const { player, song } = session;
  const lines = [
    `${how}: "${song.title}", ${player.tracks.length} tracks, ${
      formatTime(playedSeconds)
    } played ` +
    `on ${player.deviceName} (${player.backendName}, ${player.sampleRate} Hz, ` +
    `${player.channels} ch, block ${player.blockFrames})`,
  ];
  const latency = session.latency();
  if (latency) {
    lines.push(
      `latency monitor: ${latency.callbacks} callbacks, mean ${latency.meanMs.toFixed(3)} ms, ` +
        `p99 ${latency.p99Ms.toFixed(3)} ms, load ${(latency.load * 100).toFixed(1)}%, ` +
        `overruns ${latency.overruns}`,
    );
  }
  return lines;
}

/**
 * Plays to the end, printing a line a second to `print`. Resolves after the summary, with the
 * signal that stopped it early, if one did.
 *
 * @throws {StemplayError} "DEVICE_LOST" when the device stops calling back
 */
export async function runReporter(
  session: PlaySession,
  print: (line: string) => void = console.log,
  options: ReporterOptions = {},
): Promise<Deno.Signal | undefined> {
  const { player } = session;
  const startedAt = performance.now();
  let lines = 0;
  let stopSignal: Deno.Signal | undefined;
  let wake = () => {};
  const onSignal = (signal: Deno.Signal) => () => {
    stopSignal = signal;
    wake();
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = onSignal(signal);
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  });
  // Only an end (or a lost device) cuts the second short: a start would print a line early.
  const onEnd = (event: Event) => {
    const state = (event as CustomEvent<string>).detail;
    if (state === "ended" || state === "error") wake();
  };
  player.addEventListener("statechange", onEnd);
  try {
    let lost = false;
    while (true) {
      const state = player.state;
      // A lost device is retried by the player itself: say so once, and when it is back.
      if (state === "error" && !lost) print(healthLine(player.health, Date.now()));
      else if (state !== "error" && lost) print(`the audio device ${player.deviceName} is back`);
      lost = state === "error";
      options.onTick?.();
      if (state === "ended" || stopSignal) break;
      if (!lost && lines++ > 0) print(progressLine(session)); // the first after a second
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, LINE_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const played = (performance.now() - startedAt) / 1000;
    const how = stopSignal ? `stopped by ${stopSignal}` : "ended";
    if (options.summary !== false) {
      for (const line of summaryLines(session, how, played)) print(line);
    }
    return stopSignal;
  } finally {
    player.removeEventListener("statechange", onEnd);
    for (const remove of handlers) remove();
  }
}
