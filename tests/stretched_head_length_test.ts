/**
 * A streamed stem at another key keeps half-second heads by default (issue 24): each head is
 * stretched by the readers, again after every key change, and the Scale soak (24 R2 stems, 60 s,
 * a quiet machine) starved 612 and 645 track-blocks with 1 s heads against 15 and 8 with 0.5 s.
 * At the recorded key a head is only read from disk: it stays 1 s. `streaming.headSeconds`,
 * when given, sets both.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Player } from "../mod.ts";
import { FILE_INFO } from "../src/native/native_constants.ts";
import { writeNoiseSong } from "./support/noise_song.ts";
import { OFFLINE_RATE, offlinePlayer } from "./support/offline_player.ts";
import { theStream } from "./support/reader_probe.ts";

const RATE = OFFLINE_RATE;

/** A one-stem stereo song of 8 s with a marker at 4 s, at `transpose`. */
function writeSong(dir: string, transpose: number): Promise<string> {
  const fields = { title: "heads", transpose, markers: [{ name: "late", at: 4 }] };
  return writeNoiseSong(join(dir, `song${transpose}`), 8, fields, "keys.wav");
}

/** Seconds of head per head of the one streamed stem (stereo float). */
function headSeconds(player: Player, heads: number): number {
  const info = new BigUint64Array(FILE_INFO.count);
  player.native.sp_file_source_info(theStream(player), info);
  return Number(info[FILE_INFO.headBytes]) / (heads * 2 * 4 * RATE);
}

const CASES: [number | undefined, number, number][] = [
  [undefined, 1, 0.5],
  [1, 1, 1],
  [0.25, 0.25, 0.25],
];
for (const [given, recorded, stretched] of CASES) {
  Deno.test(`streaming: headSeconds ${given ?? "unset"}: ${recorded} s heads at the recorded key, ${stretched} s at another`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-headlength-" });
    try {
      for (const [transpose, seconds] of [[0, recorded], [-2, stretched]]) {
        await using player = await offlinePlayer({
          lookAheadSeconds: 0.05,
          stretchStems: 1,
          ...(given === undefined ? {} : { headSeconds: given }),
        });
        await player.loadSong(await writeSong(dir, transpose));
        assert.equal(player.transpose, transpose);
        // The song's start and its marker.
        assert.equal(headSeconds(player, 2), seconds, `at transpose ${transpose}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
