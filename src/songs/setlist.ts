/**
 * Setlists: the songs of a show in order, and how each one hands over to the next. Read and
 * validated in full (every song's description too) before anything is decoded, so a typo in
 * song 9 is found before song 1 starts.
 *
 * ```json
 * { "title": "Sunday", "songs": [
 *     { "song": "way-maker", "transition": "next", "countIn": 2, "start": "Verse 1" },
 *     { "song": "goodness/song.json", "transition": { "crossfade": 4 } },
 *     "closing-song" ] }
 * ```
 *
 * @module
 */

import { describeJsonError } from "../util/json_position.ts";
import { isObject, KeyPathChecker, type Problem, problemsMessage } from "../util/check.ts";
import { basename, dirname, isAbsolute, join } from "node:path";
import { StemplayError } from "../errors.ts";
import { loadSongDescription, type SongDescription } from "./song.ts";
import { checkKeyTempoFields, KEY_TEMPO_KEYS } from "./manifest_key_tempo.ts";
import { setlistErrorCode, withEntryMidiEvents } from "./setlist_midi_events.ts";

/** How a song hands over to the next one when it ends. */
export type Transition = "stop" | "next" | { crossfade: number };

/** One song of a setlist, validated. */
export interface SetlistEntry {
  /** The song folder or manifest (resolved against the setlist's folder). */
  song: string;
  /** "stop" (default): the song ends and the rig waits; "next": the next song starts on the
   * frame after the last one, gapless; `{ crossfade: s }`: it starts `s` seconds before the
   * end, crossfaded with equal power. */
  transition: Transition;
  /** Bars of count-in before the song starts (0: none). Needs the song's tempo. */
  countIn: number;
  /** The marker the song starts at (undefined: its beginning). */
  start?: string;
  /** The song as its folder or manifest describes it (for an unavailable song, a stand-in
   * whose loading fails: see `error`). */
  description: SongDescription;
  /** Why the song cannot load (a missing stem, a broken manifest), when it cannot: the setlist
   * opens anyway, and only this song is refused. */
  error?: string;
}

/** A validated setlist. */
export interface Setlist {
  /** The setlist file. */
  path: string;
  /** Its title ("" when it has none). */
  title: string;
  /** The songs in show order. */
  songs: SetlistEntry[];
}

const SETLIST_KEYS = ["title", "songs"];
const ENTRY_KEYS = ["song", "transition", "countIn", "start", "midiEvents", ...KEY_TEMPO_KEYS];
const MAX_COUNT_IN = 16;
const MAX_CROSSFADE_SECONDS = 60;

function invalid(path: string, key: string, problem: string): never {
  throw setlistError(path, [{ keyPath: key, message: problem }]);
}

function setlistError(path: string, problems: Problem[]): StemplayError {
  const code = setlistErrorCode(problems);
  return new StemplayError(code, problemsMessage(path, problems), { path, problems });
}

function parseTransition(check: KeyPathChecker, key: string, value: unknown): Transition {
  if (value === undefined || value === "stop") return "stop";
  if (value === "next") return "next";
  if (isObject(value)) {
    check.object(key, value, ["crossfade"]);
    const seconds = value.crossfade;
    if (
      typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0 ||
      seconds > MAX_CROSSFADE_SECONDS
    ) {
      check.fail(
        `${key}.crossfade`,
        `must be seconds above 0 and at most ${MAX_CROSSFADE_SECONDS}`,
      );
      return "stop";
    }
    return { crossfade: seconds };
  }
  check.fail(
    key,
    `must be "stop", "next" or { "crossfade": seconds }, got ${JSON.stringify(value)}`,
  );
  return "stop";
}

/**
 * A stand-in for a song that cannot load: no markers, no tempo, and one track whose file is
 * the one the song lacks (or the song itself), so loading it fails with the decoder's
 * "no such file" and the player refuses it, as it refuses a song that breaks mid-show.
 */
function unavailableSong(song: string, error: StemplayError): SongDescription {
  const missing = /no such file: (.+?)(?: \(did you mean .*)?$/.exec(error.message)?.[1];
  const title = basename(song.replace(/[\\/]+$/, "")) || song;
  return {
    path: song,
    kind: "folder",
    title,
    tracks: [{ file: missing ?? song, keyPath: "file", options: { name: title } }],
    markers: [],
    tempo: [],
    generateClick: false,
  };
}

/** One entry of `songs`, or undefined when it is wrong (every problem recorded). */
async function checkEntry(
  check: KeyPathChecker,
  base: string,
  key: string,
  item: unknown,
  outputs: number,
  buses?: readonly string[],
): Promise<SetlistEntry | undefined> {
  const entry = typeof item === "string" ? { song: item } : item;
  if (!isObject(entry)) return check.fail(key, "must be a song path or an object { song, ... }");
  const before = check.problems.length;
  check.object(key, entry, ENTRY_KEYS);
  const given = entry.countIn ?? 0;
  let countIn = 0;
  if (
    typeof given !== "number" || !Number.isInteger(given) || given < 0 || given > MAX_COUNT_IN
  ) {
    check.fail(`${key}.countIn`, `must be a whole number of bars from 0 to ${MAX_COUNT_IN}`);
  } else countIn = given;
  if (entry.start !== undefined && typeof entry.start !== "string") {
    check.fail(`${key}.start`, "must be a marker name");
  }
  const transition = parseTransition(check, `${key}.transition`, entry.transition);
  const keyTempo = checkKeyTempoFields(check, key, entry);
  if (typeof entry.song !== "string" || entry.song === "") {
    return check.fail(`${key}.song`, "must be the path of a song folder or manifest");
  }
  const song = isAbsolute(entry.song) ? entry.song : join(base, entry.song);
  let description: SongDescription;
  try {
    description = await loadSongDescription(song, { outputs, buses });
  } catch (error) {
    if (error instanceof StemplayError && error.code === "FILE_NOT_FOUND") {
      return check.fail(`${key}.song`, `no such song: ${song}`);
    }
    if (!(error instanceof StemplayError)) throw error;
    // The song is there but cannot load (a stem missing or renamed, a broken manifest):
    // the show opens anyway, with this song refused (see unavailableSong).
    description = unavailableSong(song, error);
    return { song, transition, countIn: 0, start: undefined, description, error: error.message };
  }
  if (typeof entry.start === "string" && !description.markers.some((m) => m.name === entry.start)) {
    check.fail(`${key}.start`, `the song has no marker "${entry.start}"`);
  }
  if (countIn > 0 && (description.tempo?.length ?? 0) === 0) {
    check.fail(`${key}.countIn`, "a count-in needs the song's tempo (tempo in its manifest)");
  }
  description = withEntryMidiEvents(check, key, entry.midiEvents, description);
  if (check.problems.length > before) return undefined;
  // The entry's key and tempo win over the song's: the song starts at them.
  if (keyTempo.transpose !== undefined) {
    description = { ...description, transpose: keyTempo.transpose };
  }
  if (keyTempo.speed !== undefined) description = { ...description, speed: keyTempo.speed };
  return {
    song,
    transition,
    countIn,
    start: entry.start as string | undefined,
    description,
  };
}

/**
 * Reads and validates a setlist file, and every song it names.
 *
 * @param path the setlist's JSON file
 * @param outputs the device's output count (song routes are checked against it)
 * @param buses the rig profile's bus names (a track's "bus" must be one)
 * @throws {StemplayError} "SETLIST" naming every problem (also in `problems`) by its key (`songs[2].transition`) or a song that is not
 *   there ("MANIFEST" when an entry's own `midiEvents` is wrong, as in song.json). A song
 *   that is there but cannot load (a stem missing, a broken manifest) does not
 *   fail the setlist: its entry has `error`, and loading that song fails.
 */
export async function loadSetlist(
  path: string,
  outputs = 32,
  buses?: readonly string[],
): Promise<Setlist> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const code = error instanceof Deno.errors.NotFound ? "FILE_NOT_FOUND" : "SETLIST";
    throw new StemplayError(code, `cannot read the setlist ${path}: ${error}`, {
      path,
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    invalid(path, "", `not valid JSON (${describeJsonError(text, error)})`);
  }
  if (!isObject(raw)) invalid(path, "", "must be an object { title?, songs: [...] }");
  const check = new KeyPathChecker("known");
  check.object("", raw, SETLIST_KEYS);
  if (raw.title !== undefined && typeof raw.title !== "string") {
    check.fail("title", "must be a string");
  }
  if (!Array.isArray(raw.songs) || raw.songs.length === 0) {
    check.fail("songs", "must be a non-empty array of songs");
  }
  const base = dirname(path);
  const songs: SetlistEntry[] = [];
  for (const [index, item] of (Array.isArray(raw.songs) ? raw.songs : []).entries()) {
    const entry = await checkEntry(check, base, `songs[${index}]`, item, outputs, buses);
    if (entry) songs.push(entry);
  }
  if (!check.ok) throw setlistError(path, check.problems);
  return { path, title: typeof raw.title === "string" ? raw.title : "", songs };
}
