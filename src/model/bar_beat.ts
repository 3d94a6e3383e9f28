/**
 * Positions written in bars and beats (`"17.1"`: bar 17, beat 1) turned into seconds on a
 * song's tempo map, counting bars exactly as the beat grid does (src/model/tempo.ts): bar 1 is
 * the bar of the first downbeat (`firstBeat`), bars run on across tempo changes, and a pickup
 * before the first downbeat is bar 0 (its beats counted back from the downbeat).
 *
 * @module
 */

import type { TempoSegment } from "./tempo.ts";

/** A bar and beat, both counted from 1 (bar 0 is the pickup). */
export interface BarBeat {
  bar: number;
  beat: number;
}

const BAR_BEAT = /^(\d+)\.(\d+)$/;

/** Reads `"17.1"`; undefined when the text is not `bar.beat` in whole numbers. */
export function parseBarBeat(text: string): BarBeat | undefined {
  const match = BAR_BEAT.exec(text.trim());
  if (!match) return undefined;
  return { bar: Number(match[1]), beat: Number(match[2]) };
}

/** Beats of `segment` before `end` seconds, as the beat grid counts them. */
function beatsBefore(segment: TempoSegment, end: number): number {
  if (!Number.isFinite(end)) return Infinity;
  return Math.max(0, Math.ceil((end - 1e-9 - segment.at) * segment.tempo / 60));
}

/**
 * The seconds of `bar`.`beat` on the tempo map, or a problem saying why there is no such beat
 * (no tempo, a beat past the bar's length, a bar cut short by a tempo change, a pickup before
 * the song's start).
 */
export function barBeatSeconds(
  segments: readonly TempoSegment[],
  { bar, beat }: BarBeat,
): { seconds: number } | { problem: string } {
  if (segments.length === 0) {
    return { problem: "a position in bars and beats needs the song's tempo (tempo or tempoMap)" };
  }
  // Past counting ("1000…0.1"): the sums below would overflow into a beat that is everywhere.
  if (!Number.isSafeInteger(bar) || !Number.isSafeInteger(beat)) {
    return { problem: `bar ${bar} is not on the tempo map` };
  }
  let firstBar = 1;
  for (const [index, segment] of segments.entries()) {
    const perBar = segment.timeSignature[0];
    const secondsPerBeat = 60 / segment.tempo;
    const beats = beatsBefore(segment, segments[index + 1]?.at ?? Infinity);
    const bars = Math.ceil(beats / perBar);
    if (bar === 0 && index === 0) {
      if (beat < 1 || beat > perBar) return beatRange(bar, beat, perBar);
      const seconds = segment.at - (perBar - beat + 1) * secondsPerBeat;
      if (seconds < -1e-9) {
        return {
          problem: `bar 0 beat ${beat} (the pickup) would be ${(-seconds).toFixed(3)} s before ` +
            `the song's start (firstBeat is ${segment.at} s)`,
        };
      }
      return { seconds: Math.max(0, seconds) };
    }
    if (bar < firstBar + bars) {
      if (beat < 1 || beat > perBar) return beatRange(bar, beat, perBar);
      const k = (bar - firstBar) * perBar + beat - 1;
      if (k >= beats) {
        return {
          problem: `bar ${bar} has only ${beats - (bar - firstBar) * perBar} beats before the ` +
            `tempo change at ${segments[index + 1].at} s`,
        };
      }
      const seconds = segment.at + k * secondsPerBeat;
      if (seconds > Number.MAX_SAFE_INTEGER) {
        return { problem: `bar ${bar} is not on the tempo map` };
      }
      return { seconds };
    }
    firstBar += bars;
  }
  return { problem: `bar ${bar} is not on the tempo map` };
}

function beatRange(bar: number, beat: number, perBar: number): { problem: string } {
  return { problem: `bar ${bar} has beats 1 to ${perBar}, not ${beat}` };
}
