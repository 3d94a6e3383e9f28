/**
 * The seconds of a song.json's markers written in bars and beats, for the console's page
 * (`barBeatMarkerSeconds`: it draws and orders them so), worked out once per version of each
 * file: the page asks again every 2 s, and a file of thousands of markers on thousands of tempo
 * segments takes seconds.
 *
 * @module
 */

import { barBeatMarkerSeconds } from "../songs/manifest_markers.ts";

/** Each song.json's bar.beat seconds, by its path, for the version last read or saved. */
export class BarBeatSeconds {
  readonly #byFile = new Map<string, { version: string; seconds: Record<string, number> }>();

  /** `value` is the file at `manifest` as parsed, at `version`. */
  of(manifest: string, version: string, value: unknown): Record<string, number> {
    const known = this.#byFile.get(manifest);
    if (known?.version === version) return known.seconds;
    const seconds = barBeatMarkerSeconds(value);
    this.#byFile.set(manifest, { version, seconds });
    return seconds;
  }
}
