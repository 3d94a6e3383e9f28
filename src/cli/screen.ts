/**
 * The terminal screen of `play`: one frame built as one string from the session, drawn over
 * the previous one in place (cursor home, each line overwritten and cleared to its end), so
 * nothing flickers. It fits any size: the track table shows the rows there is room for
 * (around the selected track, with a "+N more" mark), names take the width there is, and the
 * key help wraps, or pages with `?` when it does not fit.
 *
 * @module
 */

import type { ControlStatus } from "../control/status.ts";
import { conversionLine } from "./conversion.ts";
import { defaultRoute } from "../engine/routing.ts";
import type { Track } from "../engine/track.ts";
import { formatDb, formatTime, peakMeter, progressBar } from "./format.ts";
import { remoteLines, remoteQrLines } from "./remote_surfaces.ts";
import type { PlaySession } from "./session.ts";
import {
  markerLines,
  positionBarBeat,
  setlistLines,
  showStateLine,
  vampLine,
} from "./show_screen.ts";
import { healthLine, starvedLine } from "./health_line.ts";
import { syncLine } from "./sync_flags.ts";
import { wrapText } from "./wrap_text.ts";
import { trackLabel } from "./track_label.ts";

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

/** The key help, one entry per key (wrapped to the width, paged when rows are short). */
export const KEY_HELP: readonly string[] = [
  "space play/pause",
  ". stop",
  "<- -> 5 s",
  "[ ] markers",
  "Home start",
  "1-9 Tab up/down track",
  "m mute",
  "s solo",
  "+ - gain",
  "0 reset gain",
  "< > master gain",
  "b { } bus gain",
  "n p song",
  "g number Enter pick song",
  "j 1-9 jump at next bar",
  "x cancel jump",
  "v vamp",
  "Enter end loop",
  "c count-in",
  "f fade",
  "l latency monitor",
  "r retry a lost device now",
  "q quit",
];

/** A track's bus and outputs, e.g. "in-ears 3+4", "FOH? 1+2" (? = guessed from the file
 * name), "in-ears NONE" (the device lacks the bus's outputs), or just its outputs. */
export function describeBus(track: Track, outputs: number, available: boolean): string {
  const where = available ? describeRoute(track, outputs) : "NONE";
  return track.bus ? `${track.bus}${track.busGuessed ? "?" : ""} ${where}` : where;
}

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

/** `text` padded to `width`, or cut with a `~` where it does not fit. */
function pad(text: string, width: number): string {
  if (width <= 0) return "";
  return text.length > width ? text.slice(0, width - 1) + "~" : text.padEnd(width);
}

/** Words of `items` joined by two spaces, wrapped to `width`. */
export function wrapItems(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    if (line && line.length + 2 + item.length > width) {
      lines.push(line);
      line = "";
    }
    line += (line ? "  " : "") + item;
  }
  if (line) lines.push(line);
  return lines;
}

/** The columns of the track table for a terminal `columns` wide: the same for the header
 * and every row, so they line up. */
interface TableLayout {
  nameWidth: number;
  busWidth: number;
  meterWidth: number;
}

const GAIN_WIDTH = 8; // "-inf dB", "+12.0 dB"
/** "  > 12  " before the name; after it "  " gain " " "M S" "  " bus " " meter. */
const FIXED_WIDTH = 8 + 2 + GAIN_WIDTH + 1 + 3 + 2 + 1;

function tableLayout(names: string[], buses: string[], columns: number): TableLayout {
  const usable = columns - 1; // the last column stays empty so no line wraps
  const busWidth = Math.min(16, Math.max(3, ...buses.map((b) => b.length)));
  const longest = Math.max(5, ...names.map((n) => n.length));
  const meterMin = 4;
  const nameWidth = Math.max(5, Math.min(longest, usable - FIXED_WIDTH - busWidth - meterMin));
  const meterWidth = Math.max(0, Math.min(30, usable - FIXED_WIDTH - busWidth - nameWidth));
  return { nameWidth, busWidth, meterWidth };
}

function tableRow(
  layout: TableLayout,
  cursor: string,
  number: string,
  name: string,
  gain: string,
  flags: string,
  bus: string,
  meter: string,
): string {
  return `  ${cursor} ${number.padStart(2)}  ${pad(name, layout.nameWidth)}  ` +
    `${pad(gain, GAIN_WIDTH)} ${flags}  ${pad(bus, layout.busWidth)} ${meter}`;
}

/** The first row of a window of `size` rows over `count` that keeps `selected` in view. */
function windowStart(count: number, size: number, selected: number): number {
  if (count <= size) return 0;
  return Math.max(0, Math.min(selected - Math.floor(size / 2), count - size));
}

/** What is coming: remaining time, the next section in bars, a scheduled jump, the loop. */
/** MIDI out's port, last song message and clock: "midi out: stemplay:midi_out  last: program 5
 * ch 1 at 0:00.0  clock on". */
function midiOutLine(out: NonNullable<ControlStatus["midiOut"]>): string {
  return `midi out: ${out.port}` + (out.lastSent ? `  last: ${out.lastSent}` : "") +
    `  clock ${out.clock ? "on" : "off"}`;
}

function lookAheadLine(status: ControlStatus, vamp: string | undefined): string {
  const parts: string[] = [];
  // A vamp does not end by itself: no countdown to a section it will not reach.
  if (vamp) parts.push(vamp);
  else if (status.nextMarker) {
    const bars = status.barsToNextSection;
    parts.push(
      `next: ${status.nextMarker.name} ` +
        (bars !== undefined
          ? `in ${bars} bar${bars === 1 ? "" : "s"}`
          : `at ${formatTime(status.nextMarker.at)}`),
    );
  }
  if (status.scheduledJump) {
    const target = status.scheduledJump.marker;
    parts.push(
      `JUMP to ${target ? `${target.number} ${target.name}` : "?"} at ` +
        `${formatTime(status.scheduledJump.at)} (x cancels)`,
    );
  }
  if (status.loop && !vamp) {
    parts.push(
      status.loop.leaving
        ? `LOOP ${formatTime(status.loop.start)}-${formatTime(status.loop.end)}: last pass`
        : `LOOP ${formatTime(status.loop.start)}-${formatTime(status.loop.end)} (Enter leaves)`,
    );
  }
  if (status.nextSong) {
    const s = status.nextSong;
    parts.push(`next song: ${s.number}. ${s.title}`);
  }
  return parts.join("   ");
}

/** After a song ended, what space starts: the setlist's next song, or this one again. */
function afterEndLine(session: PlaySession): string {
  const list = session.player.setlist;
  const next = list && list.index + 1 < list.songs.length ? list.index + 1 : undefined;
  if (next === undefined) return "ended: space plays this song again from the top";
  const song = `song ${next + 1} "${list!.songs[next].title}"`;
  // Space would try it and be refused: say so, and how to go on.
  const unloadable = session.songErrors.has(next) ||
    (list!.nextError !== undefined && !list!.nextReady);
  return unloadable
    ? `ended: ${song} cannot load, so space starts nothing: g picks another song`
    : `ended: space plays ${song} from the top`;
}

/** Per-output peak meters, labelled with the bus of each output: "FOH 1 |||. 2 |||.". */
function outputMeterLines(session: PlaySession, width: number): string[] {
  const player = session.player;
  const levels = session.outputLevels();
  const owner = new Map<number, string>();
  for (const bus of player.buses) for (const output of bus.outputs) owner.set(output, bus.name);
  const meter = Math.max(3, Math.min(12, Math.floor(width / Math.max(1, player.channels)) - 8));
  const items: string[] = [];
  let lastBus: string | undefined = "";
  for (let o = 1; o <= player.channels; o++) {
    const bus = owner.get(o);
    const label = bus !== lastBus && bus ? `${bus} ` : "";
    lastBus = bus;
    items.push(`${label}${o} ${peakMeter(levels[o - 1] ?? 0, meter)}`);
  }
  const lines = wrapItems(items, width - "outputs: ".length);
  return lines.map((line, index) => (index === 0 ? "outputs: " : "         ") + line);
}

/** The lines of one frame (without escape codes), for a terminal `columns` wide and `rows`
 * high (default: as many rows as it takes). */
export function frameLines(session: PlaySession, columns: number, rows = Infinity): string[] {
  const { player, song } = session;
  const status = session.control.status();
  const width = Math.max(10, columns - 1);
  const position = status.position;
  const duration = status.duration;
  const state = status.state;
  const barBeat = positionBarBeat(session, position);

  // Always shown, loudest first.
  const top: string[] = [];
  const where = status.song.number ? `   (song ${status.song.number} of ${status.song.of})` : "";
  const keyTempo = status.keyTempo ? `   ${status.keyTempo}` : ""; // nothing as recorded
  top.push(`stemplay  ${song.title}${where}${keyTempo}`);
  if (state === "error") {
    // Loud and on top: the player retries by itself; r only retries at once.
    top.push(...wrapText(`!! ${healthLine(player.health, Date.now())}`, width));
    top.push(
      ...wrapText(`!! ${player.deviceName}: recovering by itself, press r to retry now`, width),
    );
  } else {
    // An audible dropout: on top, not only in the device section that short screens drop.
    const health = player.health;
    const starved = starvedLine(health.starved, health.starvedFiles);
    if (starved) top.push(...wrapText(starved, width));
  }
  for (const problem of player.busProblems) top.push(...wrapText(`!! ${problem}`, width));
  if (status.health.sync) top.push(...wrapText(syncLine(status.health.sync), width));
  top.push(
    `${pad(STATE_LABELS[state] ?? state, 15)}${formatTime(position)} / ${formatTime(duration)}` +
      (barBeat ? `   ${barBeat}` : "") + (status.marker ? `   marker: ${status.marker.name}` : "") +
      (session.midiLight ? `   MIDI ${session.midiLight.lit() ? "*" : "-"}` : ""),
  );
  const barWidth = Math.max(10, Math.min(width - 15, 72));
  const vamp = vampLine(session, status);
  const bar = progressBar(duration > 0 ? position / duration : 0, barWidth);
  top.push(vamp ? bar : `${bar}  -${formatTime(status.remaining)} left`);
  const ahead = lookAheadLine(status, vamp);
  if (ahead) top.push(ahead);
  if (status.midiOut) top.push(midiOutLine(status.midiOut));
  if (state === "ended") top.push(...wrapText(afterEndLine(session), width));

  const bottom: string[] = [];
  // As many lines with the QR code drawn or not; which one is known once the QR fits or not.
  const remoteCount = remoteLines(player).length;
  bottom.push(...remoteLines(player));
  if (session.resumeLine) bottom.push(...wrapText(session.resumeLine, width));
  const message = session.show.songPick.prompt() ?? session.message; // a pick shows its digits
  // Never cut: a long message (an error naming a file and how to fix it) goes on as many
  // lines as it takes.
  bottom.push(...(message ? wrapText(`> ${message}`, width) : [""]));

  // Optional sections, dropped from the end when rows are short.
  const show: string[] = [];
  const setlist = setlistLines(session, width);
  if (setlist.length > 0 || song.markers.length > 0 || player.tempo.length > 0) {
    show.push(...markerLines(session, columns), showStateLine(session));
  }
  if (setlist.length > 0) show.push("", ...setlist);
  const device: string[] = [
    `settings: ${session.settingsFile ?? "none (every default)"}`,
    `device: ${player.deviceName} (${player.backendName})  ${player.sampleRate} Hz  ` +
    `${player.channels} ch  block ${player.blockFrames}`,
  ];
  if (state !== "error") device.push(...wrapText(healthLine(player.health, Date.now()), width));
  const conversion = conversionLine(player);
  if (conversion) device.push(conversion);
  const latency = session.latency();
  device.push(
    latency
      ? `monitor: mean ${latency.meanMs.toFixed(3)} ms  p99 ${latency.p99Ms.toFixed(3)} ms  ` +
        `load ${(latency.load * 100).toFixed(1)}%  overruns ${latency.overruns}`
      : "monitor: off (l to turn on)",
  );
  const meters = outputMeterLines(session, width);
  const help = wrapItems(KEY_HELP, width);

  // The track table: header + rows (+ a "more" line when they do not fit).
  const tracks = player.tracks;
  const busText = tracks.map((track) =>
    describeBus(track, player.channels, track.bus === undefined || player.bus(track.bus).available)
  );
  const names = tracks.map(trackLabel);
  const layout = tableLayout(names, busText, columns);
  const tableRows = (count: number): string[] => {
    const lines = [tableRow(layout, " ", "#", "track", "gain", "M S", "bus", "level")];
    const fits = count >= tracks.length ? tracks.length : Math.max(1, count - 1);
    const start = windowStart(tracks.length, fits, session.selected);
    const levels = session.meterLevels();
    for (let index = start; index < start + fits && index < tracks.length; index++) {
      const track = tracks[index];
      lines.push(tableRow(
        layout,
        index === session.selected ? ">" : " ",
        String(index + 1),
        names[index],
        formatDb(track.gain),
        `${track.muted ? "M" : "."} ${track.solo ? "S" : "."}`,
        busText[index],
        layout.meterWidth > 0 ? peakMeter(levels[index] ?? 0, layout.meterWidth) : "",
      ));
    }
    const hidden = tracks.length - fits;
    if (hidden > 0) {
      const above = start;
      lines.push(
        `     +${hidden} more (${above} above, ${hidden - above} below: up/down or Tab)`,
      );
    }
    return lines;
  };

  // Fit: top and message always; then the table (at least 2 rows), help, meters, show,
  // device; whatever does not fit is left out (the help pages instead).
  let budget = rows - top.length - bottom.length - 1; // 1: the blank line before the table
  const optional = { show, meters, device };
  // The table first: up to 8 tracks before anything optional (then the rest of the rows).
  const firstTracks = Math.max(2, Math.min(8, budget - 8));
  const minTable = tracks.length <= firstTracks ? 1 + tracks.length : 1 + firstTracks + 1;
  budget -= minTable;
  const take = (lines: string[], gap = 1): string[] => {
    if (lines.length === 0) return lines; // nothing to show takes no row, not even its gap
    if (lines.length + gap <= budget) {
      budget -= lines.length + gap; // with a blank line before it
      return lines;
    }
    return [];
  };
  // The QR code until a device has scanned it, when it fits (rows and columns); otherwise the
  // remote line does not promise one.
  const qr = remoteQrLines(player);
  const qrLines = qr.every((line) => [...line].length < columns) ? take(qr) : [];
  bottom.splice(0, remoteCount, ...remoteLines(player, qrLines.length > 0));
  const showLines = take(optional.show, 0);
  let helpLines = take(help);
  if (helpLines.length === 0) {
    // Page the help: one line, `?` shows the next page.
    const pages = wrapItems(KEY_HELP, Math.max(10, width - 14));
    const page = session.helpPage % pages.length;
    if (budget >= 2) {
      budget -= 2;
      helpLines = [`${pages[page]}  (? ${page + 1}/${pages.length})`];
    }
  }
  const meterLines = take(meters);
  const deviceLines = take(optional.device);
  const table = tableRows(minTable - 1 + Math.max(0, budget));

  const lines = [...top];
  if (showLines.length) lines.push(...showLines);
  lines.push("", ...table);
  if (meterLines.length) lines.push("", ...meterLines);
  if (deviceLines.length) lines.push("", ...deviceLines);
  if (qrLines.length) lines.push("", ...qrLines);
  lines.push(...bottom);
  if (helpLines.length) lines.push("", ...helpLines);
  return Number.isFinite(rows) ? lines.slice(0, rows) : lines;
}

/** One whole frame as the string to write: home, each line cleared to its end, then the rest
 * of the screen cleared. Lines are cut one short of the width so none wraps. */
export function frameText(lines: string[], columns: number, rows: number): string {
  const visible = lines.slice(0, Math.max(1, rows)).map((line) =>
    line.length >= columns ? line.slice(0, Math.max(0, columns - 1)) : line
  );
  return ESC.home + visible.map((line) => line + ESC.clearLine).join("\r\n") + ESC.clearBelow;
}
