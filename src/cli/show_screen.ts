/**
 * The show part of the play screen: the setlist around the current song, the song's markers
 * with their bar and beat, and the tempo, count-in and loop.
 *
 * @module
 */

import { formatTime } from "./format.ts";
import type { ControlStatus } from "../control/status.ts";
import type { PlaySession } from "./session.ts";
import { wrapText } from "./wrap_text.ts";

/** Songs shown before the current one; the rest of the window shows what comes next. */
const SONGS_BEFORE = 2;
const SONGS_SHOWN = 7;

/** The setlist rows: a title line, then the songs around the current one ("now", "next"). */
export function setlistLines(session: PlaySession, width = Infinity): string[] {
  const setlist = session.player.setlist;
  if (!setlist) return [];
  const { index, songs } = setlist;
  const lines = [
    `setlist: ${setlist.title || "(untitled)"}  (song ${index + 1} of ${songs.length})`,
  ];
  const first = Math.max(0, Math.min(index - SONGS_BEFORE, songs.length - SONGS_SHOWN));
  songs.slice(first, first + SONGS_SHOWN).forEach((song, offset) => {
    const at = first + offset;
    const label = at === index ? "now " : at === index + 1 ? "next" : "    ";
    const error = session.songErrors.get(at);
    if (error !== undefined) {
      // Never cut: the error says which file is missing and what it may have been renamed to.
      lines.push(...wrapText(`  ${label}  ${at + 1}. ${song.title}  UNAVAILABLE: ${error}`, width));
      return;
    }
    const ready = at !== index + 1
      ? ""
      : setlist.nextReady
      ? "  (ready)"
      : setlist.nextError
      ? `  (cannot load: ${setlist.nextError})`
      : "  (loading)";
    lines.push(...wrapText(`  ${label}  ${at + 1}. ${song.title}${ready}`, width));
  });
  return lines;
}

/** Words of `items` joined by two spaces, wrapped to `width` after a `label`. */
function wrapped(label: string, items: string[], width: number): string[] {
  const lines: string[] = [];
  let line = label;
  for (const item of items) {
    if (line !== label && line.length + 2 + item.length > width) {
      lines.push(line);
      line = " ".repeat(label.length);
    }
    line += (line.endsWith(" ") ? "" : "  ") + item;
  }
  lines.push(line);
  return lines;
}

/** The markers, numbered for `j`, each with its bar.beat (or its time without a tempo). */
export function markerLines(session: PlaySession, columns: number): string[] {
  const markers = session.player.markers;
  if (markers.length === 0) return ["markers: none"];
  const items = markers.map((marker, index) =>
    `${index + 1} ${marker.name} ${session.show.barBeat(marker.at) ?? formatTime(marker.at)}`
  );
  return wrapped("markers: ", items, Math.max(20, columns - 1));
}

/** Tempo, count-in and the loop, on one line. */
export function showStateLine(session: PlaySession): string {
  const { player } = session;
  const tempo = player.tempo[0];
  const parts = [
    tempo
      ? `tempo ${Number(tempo.tempo.toFixed(2))} bpm ${tempo.timeSignature.join("/")}` +
        (player.tempo.length > 1 ? " (map)" : "")
      : "tempo: none",
    player.countIn > 0
      ? `count-in: ${player.countIn} bar${player.countIn === 1 ? "" : "s"}`
      : "count-in: off",
  ];
  const loop = player.loopRange;
  const leaving = loop ? undefined : player.leavingLoop;
  const shown = loop ?? leaving;
  if (shown) {
    const marker = session.markerAt(shown.start);
    parts.push(
      `loop: ${formatTime(shown.start)}-${formatTime(shown.end)}${
        marker ? ` ${marker.name}` : ""
      }` +
        (leaving ? " (last pass)" : ""),
    );
  }
  return parts.join("   ");
}

/** Where the position is in bars ("bar 3.2"), "count-in" during one, "" without a tempo. */
export function positionBarBeat(session: PlaySession, position: number): string {
  if (position < 0) return "count-in";
  const barBeat = session.show.barBeat(position);
  return barBeat ? `bar ${barBeat}` : "";
}

/** During a vamp (a loop that has not been told to end): "looping Bridge: Enter to leave",
 * which replaces the countdowns, since a vamp does not end by itself. Undefined otherwise,
 * and on the loop's last pass, when the countdown is true again. */
export function vampLine(session: PlaySession, status: ControlStatus): string | undefined {
  const loop = status.loop;
  if (!loop || loop.leaving) return undefined;
  const marker = session.markerAt(loop.start);
  const what = marker ? marker.name : `${formatTime(loop.start)}-${formatTime(loop.end)}`;
  return `looping ${what}: Enter to leave`;
}
