/**
 * The tracks a song gets that no file holds: the click generated from its tempo, and the
 * timecode (LTC) for its timeline. Each is rendered whole when the song is prepared.
 *
 * @module
 */

import type { Engine } from "../engine/engine.ts";
import type { Track } from "../engine/track.ts";
import type { TrackSlots } from "../engine/track_slots.ts";
import { beatGrid, type TempoSegment } from "../model/tempo.ts";
import { renderClick } from "../show/show.ts";
import {
  LTC_TRACK_NAME,
  ltcOffsetFrames,
  type LtcOptions,
  renderLtc,
  TIMECODE_BUS,
} from "../show/timecode.ts";

/** The longest of `tracks`, in frames (the song's length). */
export function longest(tracks: readonly Track[]): number {
  return tracks.reduce((frames, track) => Math.max(frames, track.frames), 0);
}

/** A click track from the song's tempo, routed to its clickRoute, as long as `tracks`. */
export function generateClick(
  engine: Engine,
  slots: TrackSlots,
  tracks: readonly Track[],
  song: { tempo: TempoSegment[]; clickRoute?: number[] },
  group: number,
): Track {
  const frames = longest(tracks);
  const beats = beatGrid(song.tempo, frames, engine.sampleRate);
  const decoded = renderClick(engine.native, beats, frames, engine.sampleRate);
  const taken = tracks.some((track) => track.name.toLowerCase() === "click");
  try {
    return slots.create(
      decoded,
      {
        name: taken ? "generated click" : "click",
        ...engine.buses.clickPlacement(song.clickRoute),
      },
      group,
    );
  } catch (error) {
    if (decoded.pcm) engine.native.sp_pcm_free(decoded.pcm);
    throw error;
  }
}

/** A timecode track for the song's timeline, carrying song time (the recording's, at any
 * speed): on `ltc.output`, else on the "timecode" bus. */
export function generateLtc(
  engine: Engine,
  slots: TrackSlots,
  ltc: LtcOptions,
  hour: number,
  frames: number,
  group: number,
  speed: number,
): Track {
  const first = -ltcOffsetFrames(ltc, engine.sampleRate);
  const decoded = renderLtc(engine.native, ltc, hour, first, frames, engine.sampleRate, speed);
  try {
    const placement = ltc.output === undefined ? { bus: TIMECODE_BUS } : { route: [ltc.output] };
    return slots.create(decoded, { name: LTC_TRACK_NAME, ...placement }, group);
  } catch (error) {
    if (decoded.pcm) engine.native.sp_pcm_free(decoded.pcm);
    throw error;
  }
}
