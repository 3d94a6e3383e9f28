/**
 * The first seconds of every song of a loaded setlist, kept resident while streaming, so that
 * `goto()` to any song (not only the preloaded next one) plays at once from memory while its
 * rings fill: the leader can call any song. Each file is opened without a ring, its heads (the
 * song's first frame and its start marker) are decoded on a loading thread, and a song that is
 * prepared gets copies of them (sp_file_source_copy_heads). Memory: files × channels × head
 * seconds × rate × 4 bytes (twice for a song whose start marker is not at 0).
 *
 * @module
 */

import type { Native } from "../native/native.ts";
import { RESULT } from "../native/native_constants.ts";
import { addHeads, openStreamed, streamedBytes } from "./streaming.ts";

/** One song of the setlist: its files and where it may start (frames). */
export interface SongStarts {
  files: string[];
  starts: number[];
}

/** Files decoded at once while loading (each on its own loading thread). */
const PARALLEL_FILES = 4;

export class SetlistHeads {
  #native: Native;
  #sources = new Map<string, Deno.PointerValue>();
  /** Files whose heads could not be kept, with why (the song reports it when it is prepared). */
  readonly failed = new Map<string, string>();

  private constructor(native: Native) {
    this.#native = native;
  }

  /** Opens every file of `songs` without a ring and decodes its heads. A file that cannot
   * stream, or fails, has no cached head (it is listed in `failed`); nothing is thrown. */
  static async load(
    native: Native,
    sampleRate: number,
    headFrames: number,
    songs: SongStarts[],
  ): Promise<SetlistHeads> {
    const heads = new SetlistHeads(native);
    const starts = new Map<string, Set<number>>();
    for (const song of songs) {
      for (const file of song.files) {
        const set = starts.get(file) ?? new Set<number>();
        song.starts.forEach((start) => set.add(start));
        starts.set(file, set);
      }
    }
    const queue = [...starts.entries()];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [file, at] = next;
        try {
          await heads.#keep(file, [...at], sampleRate, headFrames);
        } catch (error) {
          heads.failed.set(file, error instanceof Error ? error.message : String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_FILES }, worker));
    return heads;
  }

  async #keep(file: string, starts: number[], sampleRate: number, headFrames: number) {
    const audio = await openStreamed(this.#native, file, sampleRate, 0);
    if (!audio?.stream) {
      this.failed.set(file, "this format cannot stream: the song decodes it whole");
      return;
    }
    const stream = audio.stream;
    try {
      addHeads(this.#native, stream, starts, headFrames);
      const decoded = await this.#native.sp_file_source_decode_heads(stream);
      if (decoded !== RESULT.OK) throw new Error(`cannot decode the first seconds of ${file}`);
    } catch (error) {
      this.#native.sp_file_source_free(stream);
      throw error;
    }
    this.#sources.set(file, stream);
  }

  /** Gives a streamed track of `file` copies of that file's resident heads. (A file changed
   * on disk since the setlist loaded no longer matches them: it plays from its ring.) */
  copyInto(file: string, stream: Deno.PointerValue): void {
    const cached = this.#sources.get(file);
    if (cached) this.#native.sp_file_source_copy_heads(stream, cached);
  }

  /** Bytes the heads hold. */
  get bytes(): number {
    let sum = 0;
    for (const stream of this.#sources.values()) sum += streamedBytes(this.#native, stream);
    return sum;
  }

  free(): void {
    for (const stream of this.#sources.values()) this.#native.sp_file_source_free(stream);
    this.#sources.clear();
  }
}
