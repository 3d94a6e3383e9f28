/**
 * Song time and the timeline (issue 24, "The timeline follows the tempo"). A song at speed s
 * is prepared on a timeline in real time: its audio, markers and tempo map stretched by 1 / s
 * (src/songs/stretched_song.ts), so the callback, cues and generated click stay sample-exact.
 * What the player reports and accepts is **song time**, the recording's seconds whatever the
 * speed: timeline frame f is song frame f × s. These are the only places that convert; at
 * speed 1 each returns its input unchanged (bit for bit today's).
 *
 * @module
 */

import type { Marker } from "./marker.ts";
import type { TempoSegment } from "./tempo.ts";

/** Song frames (the recording's) of `timelineFrames` real frames into the timeline at `speed`. */
export function songFrames(timelineFrames: number, speed: number): number {
  return speed === 1 ? timelineFrames : Math.round(timelineFrames * speed);
}

/** The timeline's frame (real time) where song frame `songFrame` plays at `speed`. */
export function timelineFrames(songFrame: number, speed: number): number {
  return speed === 1 ? songFrame : Math.round(songFrame / speed);
}

/** Song seconds of a time on the timeline at `speed` (rounded to the nanosecond, so a marker
 * that went through ÷ s and × s reads as it was written). */
export function songSeconds(timelineSeconds: number, speed: number): number {
  return speed === 1 ? timelineSeconds : nano(timelineSeconds * speed);
}

/** The timeline's seconds (real time from the song's start) of song second `seconds`. */
export function timelineSeconds(seconds: number, speed: number): number {
  return speed === 1 ? seconds : seconds / speed;
}

/** Markers of the timeline, in song time. */
export function songMarkers(markers: readonly Marker[], speed: number): Marker[] {
  return markers.map((marker) => ({ ...marker, at: songSeconds(marker.at, speed) }));
}

/** A marker given in song time, on the timeline. */
export function timelineMarker(marker: Marker, speed: number): Marker {
  return speed === 1 ? marker : { ...marker, at: timelineSeconds(marker.at, speed) };
}

/** The timeline's tempo map in song time: the recording's bpm at the recording's times (the
 * song plays it at bpm × speed). */
export function songTempo(tempo: readonly TempoSegment[], speed: number): TempoSegment[] {
  return tempo.map((segment) =>
    speed === 1 ? { ...segment } : {
      ...segment,
      at: songSeconds(segment.at, speed),
      tempo: nano(segment.tempo / speed),
    }
  );
}

/** A range on the timeline (a loop), in song seconds. */
export function songRange<T extends { start: number; end: number }>(range: T, speed: number): T {
  return { ...range, start: songSeconds(range.start, speed), end: songSeconds(range.end, speed) };
}

function nano(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
