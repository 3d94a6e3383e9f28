/**
 * The unit a song.json's tempo counts. By default `tempo` counts the time signature's unit (6/8
 * at 150: 150 eighths a minute), as the beat grid does. `"tempoUnit"` lets a chart's tempo be
 * written as it is printed: `"dotted-quarter"` for a compound meter's felt beat (6/8 at 50
 * dotted quarters is 150 eighths). Without it, a compound tempo that only makes sense as a
 * dotted-quarter tempo is flagged with a warning (see {@linkcode compoundTempoWarnings}).
 *
 * @module
 */

import { parseTempo, type TempoSegment } from "../model/tempo.ts";
import { describe, type KeyPathChecker, type Problem } from "../util/check.ts";

/** Each unit's length in whole notes. "beat" is the time signature's own unit. */
const UNIT_LENGTH: Record<string, number | undefined> = {
  beat: undefined,
  half: 1 / 2,
  "dotted-half": 3 / 4,
  quarter: 1 / 4,
  "dotted-quarter": 3 / 8,
  eighth: 1 / 8,
};

/** The values `"tempoUnit"` takes. */
export const TEMPO_UNITS: readonly string[] = Object.keys(UNIT_LENGTH);

/** Below this many eighths a minute, a compound x/8 tempo reads as a dotted-quarter tempo
 * (a 6/8 bar longer than 4.5 s; a felt beat under 27 bpm). */
export const COMPOUND_SLOWEST_EIGHTHS = 80;

/** A song.json's tempo map (`tempo`, `timeSignature`, `firstBeat`, `tempoMap`), or undefined
 * after recording its first problem (the tempo checks stop at the first, as later ones depend
 * on it). */
export function checkTempoFields(
  check: KeyPathChecker,
  fields: Record<string, unknown>,
): TempoSegment[] | undefined {
  const stop = Symbol("tempo problem");
  try {
    return parseTempo(fields, (key, problem) => {
      check.fail(key, problem);
      throw stop;
    });
  } catch (error) {
    if (error === stop) return undefined;
    throw error;
  }
}

/**
 * The tempo map with every tempo turned into the time signature's unit, as the grid counts,
 * when `"tempoUnit"` says the file counts another; undefined when the unit is wrong (recorded)
 * or the tempo was.
 */
export function withTempoUnit(
  check: KeyPathChecker,
  song: Record<string, unknown>,
  tempo: TempoSegment[] | undefined,
): TempoSegment[] | undefined {
  const unit = song.tempoUnit;
  if (unit === undefined) return tempo;
  if (typeof unit !== "string" || !TEMPO_UNITS.includes(unit)) {
    return check.fail(
      "tempoUnit",
      `must be one of ${TEMPO_UNITS.map((u) => `"${u}"`).join(", ")}, got ${describe(unit)}`,
    );
  }
  if (song.tempo === undefined && song.tempoMap === undefined) {
    return check.fail("tempoUnit", "needs a tempo");
  }
  const length = UNIT_LENGTH[unit];
  if (tempo === undefined || length === undefined) return tempo;
  return tempo.map((segment) => ({
    ...segment,
    tempo: segment.tempo * length * segment.timeSignature[1],
  }));
}

/** Whether a time signature is compound: 6/8, 9/8, 12/8 (beats in threes of eighths). */
function compound([beats, unit]: [number, number]): boolean {
  return unit === 8 && beats % 3 === 0 && beats >= 6;
}

/**
 * Warnings for the chart's quarter/dotted-quarter mix-up. The rule: a song.json without
 * `"tempoUnit"` whose tempo, in a compound x/8 meter, is under 80 eighths a minute. Such a
 * tempo is almost surely the chart's dotted-quarter tempo (6/8 at 50 would be a 7.2 s bar).
 */
export function compoundTempoWarnings(
  song: Record<string, unknown>,
  tempo: TempoSegment[],
): Problem[] {
  if (song.tempoUnit !== undefined) return [];
  const warnings: Problem[] = [];
  tempo.forEach((segment, index) => {
    if (!compound(segment.timeSignature) || segment.tempo >= COMPOUND_SLOWEST_EIGHTHS) return;
    const keyPath = song.tempo !== undefined && index === 0
      ? "tempo"
      : `tempoMap[${index - (song.tempo !== undefined ? 1 : 0)}].tempo`;
    const [beats] = segment.timeSignature;
    const bar = beats * 60 / segment.tempo;
    warnings.push({
      keyPath,
      message: `${segment.tempo} in ${beats}/8 counts eighths: a dotted quarter at ` +
        `${(segment.tempo / 3).toFixed(1)} bpm, a ${bar.toFixed(1)} s bar. If ${segment.tempo} ` +
        `is the chart's dotted-quarter tempo, add "tempoUnit": "dotted-quarter" (flagged because ` +
        `a compound x/8 tempo under ${COMPOUND_SLOWEST_EIGHTHS} eighths a minute looks like a ` +
        `dotted-quarter tempo)`,
    });
  });
  return warnings;
}
