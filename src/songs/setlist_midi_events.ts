/**
 * A setlist entry's own `"midiEvents"` (the same shape as song.json's): checked against the
 * entry's song's markers and merged with the song's own events, so both fire in that song.
 *
 * @module
 */

import type { KeyPathChecker, Problem } from "../util/check.ts";
import { checkMidiEvents } from "./midi_events.ts";
import type { SongDescription } from "./song.ts";

/** Adds the entry's `midiEvents` (at `key`, e.g. `songs[2]`) to the song's; a bad one is
 * recorded in `check` under `songs[2].midiEvents[1].channel`, and the song is returned as is. */
export function withEntryMidiEvents(
  check: KeyPathChecker,
  key: string,
  value: unknown,
  description: SongDescription,
): SongDescription {
  if (value === undefined) return description;
  const before = check.problems.length;
  const extra = checkMidiEvents(check, value, description.markers, `${key}.midiEvents`);
  if (check.problems.length > before || extra.length === 0) return description;
  // Stable: at one time, the song's own events go first, then the entry's.
  const midiEvents = [...(description.midiEvents ?? []), ...extra].sort((a, b) => a.at - b.at);
  return { ...description, midiEvents };
}

/** A bad `midiEvents` in a setlist is a MANIFEST error, as in song.json; other setlist
 * problems are SETLIST. */
export function setlistErrorCode(problems: readonly Problem[]): "MANIFEST" | "SETLIST" {
  return problems.some((p) => /\.midiEvents(\[|$|\.)/.test(p.keyPath)) ? "MANIFEST" : "SETLIST";
}
