/**
 * Resume after a restart or a crash: the show's place (which song of the setlist, where in it,
 * and every track's mute and gain) is journaled to disk at most once a second, written
 * atomically, so a `kill -9`, a power cut or a crash leaves the last place whole. The next
 * `stemplay play` of the same setlist (or song) offers to go back there (`R`), and `--resume`
 * goes there at once, stopped (`--resume --play` plays).
 *
 * The journal lives beside the setlist, a hidden file named after it
 * (`.setlist.json.stemplay-resume`); when that folder is not writable, in the user's state
 * folder (`$XDG_STATE_HOME/stemplay`, else `~/.local/state/stemplay`). A journal that does not
 * parse is ignored with a one-line notice, never a crash.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import type { Player } from "../player/player.ts";
import { writeTextAtomic } from "../util/write_atomic.ts";
import { formatTime } from "./format.ts";

/** Written at most this often. */
export const JOURNAL_INTERVAL_MS = 1000;
/** The journal file's name ends with this. */
export const JOURNAL_SUFFIX = ".stemplay-resume";
const VERSION = 1;

/** Where the show was. */
export interface ResumePlace {
  /** The setlist (or song) played, as an absolute path. */
  show: string;
  /** The song's index in the setlist (0 for a single song). */
  song: number;
  /** The song's title, to say where resuming goes. */
  title: string;
  /** Seconds into the song. */
  position: number;
  /** Each track of the song, by name: mute and linear gain. */
  tracks: { name: string; muted: boolean; gain: number }[];
}

/** The journal beside the show file: `.setlist.json.stemplay-resume`; for a song folder,
 * inside it (`Song/.stemplay-resume`: a song folder ignores hidden files), so nothing is
 * written into the folder around it. */
export function journalBeside(show: string): string {
  const path = resolve(show);
  let folder = false;
  try {
    folder = Deno.statSync(path).isDirectory;
  } catch {
    // A missing show is named by the loader.
  }
  if (folder) return join(path, JOURNAL_SUFFIX);
  return join(dirname(path), `.${basename(path)}${JOURNAL_SUFFIX}`);
}

/** The user's state folder for stemplay: $XDG_STATE_HOME/stemplay or ~/.local/state/stemplay. */
export function stateFolder(): string {
  const xdg = Deno.env.get("XDG_STATE_HOME");
  if (xdg) return join(xdg, "stemplay");
  return join(Deno.env.get("HOME") ?? ".", ".local", "state", "stemplay");
}

/** The journal in the state folder (when the show's folder is not writable): the show's name
 * and a hash of its full path, so two setlists of the same name do not share one. */
export async function journalInStateFolder(show: string): Promise<string> {
  const path = resolve(show);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(path));
  const hash = Array.from(
    new Uint8Array(digest).slice(0, 6),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return join(stateFolder(), `${basename(path)}-${hash}${JOURNAL_SUFFIX}`);
}

/** "song 2 "Two" at 1:23.0" */
export function describePlace(place: ResumePlace): string {
  return `song ${place.song + 1} "${place.title}" at ${formatTime(place.position)}`;
}

function isPlace(value: unknown): value is ResumePlace & { version: number } {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.version === VERSION && typeof v.show === "string" &&
    Number.isInteger(v.song) && (v.song as number) >= 0 && typeof v.title === "string" &&
    typeof v.position === "number" && Number.isFinite(v.position) && v.position >= 0 &&
    Array.isArray(v.tracks) &&
    v.tracks.every((t) =>
      typeof t === "object" && t !== null && typeof t.name === "string" &&
      typeof t.muted === "boolean" && typeof t.gain === "number" && Number.isFinite(t.gain) &&
      t.gain >= 0
    );
}

/** What was found for a show: its place, and/or a notice (a journal that was ignored). */
export interface ResumeLookup {
  place?: ResumePlace;
  /** The journal file read (or ignored). */
  path?: string;
  /** One line: why a journal was ignored. */
  notice?: string;
}

/** Reads the show's journal, beside it first, then in the state folder. A journal that does
 * not parse, or is of another show, is ignored with a notice. Never throws. */
export async function readResume(show: string): Promise<ResumeLookup> {
  for (const path of [journalBeside(show), await journalInStateFolder(show)]) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { path, notice: `ignoring the resume journal ${path}: it is not valid JSON` };
    }
    if (!isPlace(json)) {
      return {
        path,
        notice: `ignoring the resume journal ${path}: it is not a stemplay resume journal`,
      };
    }
    if (json.show !== resolve(show)) {
      return { path, notice: `ignoring the resume journal ${path}: it is for ${json.show}` };
    }
    const { version: _, ...place } = json;
    return { path, place };
  }
  return {};
}

/** Where `player` is now, as a journal records it. */
export function currentPlace(player: Player, show: string): ResumePlace {
  const list = player.setlist;
  return {
    show: resolve(show),
    song: list?.index ?? 0,
    title: player.title,
    position: Math.max(0, Math.round(player.position * 1000) / 1000),
    tracks: player.tracks.map((t) => ({ name: t.name, muted: t.muted, gain: t.gain })),
  };
}

/**
 * Goes to `place`: its song (stopped at its start), then its position, then each track's
 * mute and gain (matched by name; a track the song no longer has is skipped).
 *
 * @returns what it did, for the message line
 * @throws {StemplayError} when the song cannot be gone to (the setlist refuses it)
 */
export async function applyPlace(player: Player, place: ResumePlace): Promise<string> {
  const list = player.setlist;
  if (list) {
    if (place.song >= list.songs.length) {
      return `not resumed: the setlist has no song ${place.song + 1} any more`;
    }
    if (list.index !== place.song) await player.goto(place.song);
  }
  player.seek(Math.min(place.position, player.duration));
  for (const saved of place.tracks) {
    const track = player.tracks.find((t) => t.name === saved.name);
    if (!track) continue;
    track.muted = saved.muted;
    track.gain = saved.gain;
  }
  return `resumed ${describePlace(place)}`;
}

/**
 * Writes the show's place at most once a second while it changes. Until the place first
 * differs from where the run opened, nothing is written: the last run's journal stays, and
 * stays on offer.
 */
export class ResumeJournal {
  #player: Player;
  #show: string;
  #path: string;
  #timer?: ReturnType<typeof setInterval>;
  #last: string;
  #writing = false;
  #inStateFolder = false;
  /** Called once, when the first write replaces the last run's journal. */
  onFirstWrite?: () => void;
  /** A problem writing (one line), for the screen; undefined while writes succeed. */
  problem?: string;

  private constructor(player: Player, show: string, path: string) {
    this.#player = player;
    this.#show = show;
    this.#path = path;
    this.#last = this.#snapshot();
  }

  /** Starts journaling `player`'s place in `show`. */
  static start(player: Player, show: string): ResumeJournal {
    const journal = new ResumeJournal(player, show, journalBeside(show));
    journal.#timer = setInterval(() => void journal.tick(), JOURNAL_INTERVAL_MS);
    return journal;
  }

  /** The file written to. */
  get path(): string {
    return this.#path;
  }

  #snapshot(): string {
    try {
      return JSON.stringify({ version: VERSION, ...currentPlace(this.#player, this.#show) });
    } catch {
      return this.#last; // the player is closing
    }
  }

  /** Writes the place when it changed since the last write. */
  async tick(): Promise<void> {
    if (this.#writing || this.#player.closed) return;
    const text = this.#snapshot();
    if (text === this.#last) return;
    this.#writing = true;
    try {
      await this.#write(text);
      const first = this.onFirstWrite;
      this.onFirstWrite = undefined;
      first?.();
    } finally {
      this.#writing = false;
    }
  }

  async #write(text: string): Promise<void> {
    try {
      await writeTextAtomic(this.#path, text + "\n");
      this.#last = text;
      this.problem = undefined;
    } catch (error) {
      if (!this.#inStateFolder) {
        // The setlist's folder is not ours to write (a read-only share, a locked USB stick,
        // a full disk): the user's state folder instead.
        this.#inStateFolder = true;
        this.#path = await journalInStateFolder(this.#show);
        await Deno.mkdir(dirname(this.#path), { recursive: true }).catch(() => {});
        return await this.#write(text);
      }
      this.problem = `cannot write the resume journal ${this.#path}: ${
        error instanceof Error ? error.message : String(error)
      }`;
    }
  }

  /** Stops journaling, after a last write of the place. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    while (this.#writing) await new Promise((r) => setTimeout(r, 10));
    await this.tick();
  }

  /** {@link stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
