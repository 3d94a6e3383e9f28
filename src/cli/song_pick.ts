/**
 * The song pick of the play screen: `g`, then the number of a setlist song.
 *
 * A setlist of up to 9 songs takes one digit and goes at once, as it always did. A longer one
 * takes digits until Enter, shown as they are typed ("go to song: 1_"), and Backspace takes
 * one back. A number that can only mean one song ("3" or "12" of 12 songs) goes at once. So
 * "g, the number, Enter" works for every setlist: an Enter typed within a second after a
 * number that already went (or was refused) is the pick's, and does not go on to leave a
 * loop. Esc or x cancels; a number past the end is refused and changes nothing.
 *
 * @module
 */

/** What a key did to the pick. */
export type PickStep =
  /** The key was the pick's and nothing else happens (a digit typed, a late Enter). */
  | { kind: "held" }
  /** A song number of the setlist: go there. `keys` says how it was typed ("g 1 2"). */
  | { kind: "go"; song: number; keys: string; enterTyped: boolean }
  /** The pick ended without going; the screen says `message`. */
  | { kind: "ended"; message: string }
  /** Not the pick's key: it cancels the pick, then does what it always does. */
  | { kind: "cancelled" }
  /** No pick is open: the key is not the pick's business. */
  | { kind: "none" };

/** The most songs that one digit picks (and that never wait for Enter). */
const ONE_DIGIT_SONGS = 9;
/** How long after a pick went without its Enter that Enter still belongs to it. */
const LATE_ENTER_MS = 1000;

/** One `g` pick at a time: the digits typed so far. */
export class SongPick {
  /** Digits typed so far; undefined when no pick is open. */
  #digits?: string;
  /** Songs in the setlist the pick is for. */
  #songs = 0;
  /** Until when (performance.now()) an Enter is still the last pick's. */
  #lateEnterUntil = -Infinity;

  /** True after `g`, until the pick goes or is cancelled. */
  get open(): boolean {
    return this.#digits !== undefined;
  }

  /** g: opens a pick over a setlist of `songs` songs. */
  start(songs: number): void {
    this.#digits = "";
    this.#songs = songs;
    this.#lateEnterUntil = -Infinity;
  }

  /** What the screen's message line shows while the pick is open, else undefined. */
  prompt(): string | undefined {
    if (this.#digits === undefined) return undefined;
    if (!this.#long) return `song: press its number (1-${this.#songs})`;
    return `go to song: ${this.#digits}_  (1-${this.#songs}, Enter goes, Esc cancels)`;
  }

  /** After a pick went (or was refused) without its Enter, an Enter within a second is still
   * the pick's. Call once the pick's action is done, so a slow song change does not eat the
   * grace. */
  holdLateEnter(now = performance.now()): void {
    this.#lateEnterUntil = now + LATE_ENTER_MS;
  }

  /** Applies one key to the pick. */
  key(key: string, now = performance.now()): PickStep {
    const lateEnter = now <= this.#lateEnterUntil;
    this.#lateEnterUntil = -Infinity;
    const digits = this.#digits;
    if (digits === undefined) {
      return lateEnter && key === "enter" ? { kind: "held" } : { kind: "none" };
    }
    if (key === "escape" || key === "x") return this.#end("song pick cancelled");
    if (/^[0-9]$/.test(key) && (digits !== "" || key !== "0")) {
      return this.#digit(digits + key, now);
    }
    if (key === "backspace") {
      this.#digits = digits.slice(0, -1);
      return { kind: "held" };
    }
    if (key === "enter") {
      if (digits === "") return this.#end("song pick cancelled");
      this.#digits = undefined;
      const keys = `${this.#keys(digits)} Enter`;
      return { kind: "go", song: Number(digits), keys, enterTyped: true };
    }
    this.#digits = undefined;
    return { kind: "cancelled" };
  }

  /** More songs than one digit reaches: the pick may take several digits. */
  get #long(): boolean {
    return this.#songs > ONE_DIGIT_SONGS;
  }

  #digit(digits: string, now: number): PickStep {
    const song = Number(digits);
    if (song > this.#songs) {
      const ended = this.#end(`no song ${song}: the setlist has ${this.#songs}`);
      this.holdLateEnter(now);
      return ended;
    }
    if (song * 10 <= this.#songs) {
      this.#digits = digits; // a longer number may still follow: wait for it or for Enter
      return { kind: "held" };
    }
    this.#digits = undefined;
    return { kind: "go", song, keys: this.#keys(digits), enterTyped: false };
  }

  #end(message: string): PickStep {
    this.#digits = undefined;
    return { kind: "ended", message };
  }

  /** "g 1 2": the keys that typed `digits`. */
  #keys(digits: string): string {
    return ["g", ...digits].join(" ");
  }
}
