/**
 * The terminal screen of `play`: one frame built as one string from the session, drawn over
 * the previous one in place (cursor home, each line overwritten and cleared to its end), so
 * nothing flickers.
 *
 * @module
 */

import { conversionLine } from "./conversion.ts";
import { defaultRoute } from "../routing.ts";
import type { Track } from "../track.ts";
import { formatDb, formatTime, peakMeter, progressBar } from "./format.ts";
import type { PlaySession } from "./session.ts";
import { markerLines, positionBarBeat, setlistLines, showStateLine } from "./show_screen.ts";

/** Escape sequences (VT100/xterm, understood by every terminal emulator in use today). */
export const ESC = {
  home: "\x1b[H",
  clearLine: "\x1b[K",
  clearBelow: "\x1b[J",
  altScreenOn: "\x1b[?1049h",
  altScreenOff: "\x1b[?1049l",
  hideCursor: "\x1b[?25l",
  showCursor: "\x1b[?25h",
} as const;

const STATE_LABELS: Record<string, string> = {
  playing: "> PLAYING",
  paused: "|| PAUSED",
  stopped: "[] STOPPED",
  ended: "[] ENDED",
  error: "!! DEVICE LOST",
};

/** The outputs a track reaches, e.g. "3", "1+2", "1+2 L100", "matrix". */
export function describeRoute(track: Track, outputs: number): string {
  if (track.routeGains) return "matrix";
  const route = track.route ?? defaultRoute(track.channelCount, outputs);
  const text = route ? route.join("+") : "?";
  const pans = track.channelCount <= 2 && (route?.length ?? 0) <= 2 && track.pan !== 0;
  if (!pans) return text;
  const side = track.pan < 0 ? "L" : "R";
  return `${text} ${side}${Math.round(Math.abs(track.pan) * 100)}`;
}

function pad(text: string, width: number): string {
  return text.length > width ? text.slice(0, width - 1) + "~" : text.padEnd(width);
}

/** The lines of one frame (without escape codes), for a terminal `columns` wide. */
export function frameLines(session: PlaySession, columns: number): string[] {
  const { player, song } = session;
  const position = player.position;
  const duration = player.duration;
  const state = player.state;
  const marker = session.markerAt(position);
  const barBeat = positionBarBeat(session, position);
  const lines: string[] = [];
  lines.push(`stemplay  ${song.title}`);
  lines.push(
    `${pad(STATE_LABELS[state] ?? state, 15)}${formatTime(position)} / ${formatTime(duration)}` +
      (barBeat ? `   ${barBeat}` : "") + (marker ? `   marker: ${marker.name}` : ""),
  );
  lines.push(progressBar(duration > 0 ? position / duration : 0, Math.min(columns - 1, 72)));
  const setlist = setlistLines(session);
  if (setlist.length > 0 || song.markers.length > 0 || player.tempo.length > 0) {
    lines.push(...markerLines(session, columns), showStateLine(session));
  }
  if (setlist.length > 0) lines.push("", ...setlist);
  lines.push("");
  const nameWidth = Math.max(8, Math.min(20, ...player.tracks.map((track) => track.name.length)));
  const meterWidth = Math.max(10, Math.min(30, columns - nameWidth - 40));
  lines.push(`    #  ${pad("track", nameWidth)}  ${pad("gain", 9)} M S  ${pad("route", 9)} level`);
  const levels = session.meterLevels();
  player.tracks.forEach((track, index) => {
    const cursor = index === session.selected ? ">" : " ";
    const flags = `${track.muted ? "M" : "."} ${track.solo ? "S" : "."}`;
    lines.push(
      `  ${cursor} ${String(index + 1).padStart(2)}  ${pad(track.name, nameWidth)}  ` +
        `${pad(formatDb(track.gain), 9)} ${flags}  ${
          pad(describeRoute(track, player.channels), 9)
        } ` +
        peakMeter(levels[index] ?? 0, meterWidth),
    );
  });
  lines.push("");
  lines.push(
    `device: ${player.deviceName} (${player.backendName})  ${player.sampleRate} Hz  ` +
      `${player.channels} ch  block ${player.blockFrames}`,
  );
  const conversion = conversionLine(player);
  if (conversion) lines.push(conversion);
  const latency = session.latency();
  if (latency) {
    lines.push(
      `monitor: mean ${latency.meanMs.toFixed(3)} ms  p99 ${latency.p99Ms.toFixed(3)} ms  ` +
        `load ${(latency.load * 100).toFixed(1)}%  overruns ${latency.overruns}`,
    );
  } else {
    lines.push("monitor: off (l to turn on)");
  }
  lines.push(session.message ? `> ${session.message}` : "");
  lines.push("");
  lines.push("space play/pause  <- -> 5 s  [ ] markers  Home start  1-9 track  m mute  s solo");
  lines.push("+ - gain  0 reset gain  l latency monitor  r reopen a lost device  q quit");
  lines.push(
    "n p song  j 1-9 jump at next bar  x cancel jump  v vamp  Enter end loop  c count-in  f fade",
  );
  return lines;
}

/** One whole frame as the string to write: home, each line cleared to its end, then the rest
 * of the screen cleared. Lines are cut one short of the width so none wraps. */
export function frameText(lines: string[], columns: number, rows: number): string {
  const visible = lines.slice(0, Math.max(1, rows)).map((line) =>
    line.length >= columns ? line.slice(0, Math.max(0, columns - 1)) : line
  );
  return ESC.home + visible.map((line) => line + ESC.clearLine).join("\r\n") + ESC.clearBelow;
}
