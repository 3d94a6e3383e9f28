/**
 * The device's health on one line, for the screen and the piped reporter:
 * "DEVICE LOST — recovering (retry in 2 s)" while it is gone.
 *
 * @module
 */

import { basename } from "node:path";
import type { PlayerHealth } from "../engine/device_recovery.ts";

/** The files' names (screens show names, not paths), comma-separated. */
export function fileNames(paths: readonly string[]): string {
  return paths.map((path) => basename(path)).join(", ");
}

/** One line for `health`, with retry times counted from `now` (ms since the epoch). */
export function healthLine(health: PlayerHealth, now: number): string {
  const cut = health.starvedFiles ?? [];
  const counts = `losses ${health.losses}  recoveries ${health.recoveries}  ` +
    `overruns ${health.overruns}  starved ${health.starved}` +
    (cut.length ? ` (cut short: ${fileNames(cut)})` : "") + clippedText(health.clipped);
  if (health.status === "ok" && cut.length) return `health: FILE CUT SHORT  ${counts}`;
  if (health.status === "ok") {
    const last = health.lastError && health.losses > 0
      ? `  last loss ${new Date(health.lastError.time).toLocaleTimeString()}`
      : "";
    return `health: ok  ${counts}${last}`;
  }
  const retry = health.nextRetryAt === null
    ? "retrying now"
    : `retry in ${Math.max(0, Math.ceil((health.nextRetryAt - now) / 1000))} s`;
  const doing = health.status === "recovering" ? "recovering" : "device unusable";
  const why = health.lastError ? `: ${health.lastError.message}` : "";
  return `DEVICE LOST — ${doing} (${retry})  ${counts}${why}`;
}

/** The screen's loud line while streamed tracks have starved (played silence for a block
 * because the reader fell behind, or because their file was cut short on disk: `files`) since
 * the player opened; undefined while none have. */
export function starvedLine(starved: number, files: readonly string[] = []): string | undefined {
  if (files.length) {
    return `!! starved ${starved} track-blocks: ${fileNames(files)} ended early on disk ` +
      `(cut short or unreadable) and played silence from there; check the file and reload`;
  }
  if (starved === 0) return undefined;
  return `!! starved ${starved} track-blocks: streamed audio came late and played as silence ` +
    `(a slow disk or a busy machine; raise streaming.lookAheadSeconds in stemplay.json)`;
}

/** "  CLIPPED out 3: 1024, out 4: 7" for the outputs the callback clamped to full scale (the
 * gains are too hot: the musicians hear distortion); "" while none has. */
export function clippedText(clipped: readonly number[] = []): string {
  const hot = clipped.flatMap((count, index) => count > 0 ? [`out ${index + 1}: ${count}`] : []);
  return hot.length === 0 ? "" : `  CLIPPED ${hot.join(", ")}`;
}
