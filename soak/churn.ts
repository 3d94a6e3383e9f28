/**
 * The soaks' parameter churn: one random change at a time, from a seeded generator so a run
 * can be repeated.
 *
 * @module
 */

import type { Player, Track } from "../mod.ts";

/** What a change may touch. */
export type ChangeKind = "gain" | "mute" | "solo" | "pan" | "route" | "master";

/** A function that makes one random change among `kinds` to a random track (or the master
 * gain); `outputs` bounds "route". */
export function randomChanges(
  player: Player,
  tracks: Track[],
  seed: number,
  kinds: ChangeKind[],
  outputs = 1,
): () => void {
  let random = seed;
  const next = () => (random = (random * 1664525 + 1013904223) >>> 0) / 0x100000000;
  return () => {
    const track = tracks[Math.floor(next() * tracks.length)];
    switch (kinds[Math.floor(next() * kinds.length)]) {
      case "gain":
        track.gain = next();
        break;
      case "mute":
        track.muted = next() < 0.2;
        break;
      case "solo":
        track.solo = next() < 0.05;
        break;
      case "pan":
        track.pan = next() * 2 - 1;
        break;
      case "route":
        track.route = [1 + Math.floor(next() * outputs)];
        break;
      case "master":
        player.masterGain = 0.5 + next() * 0.5;
    }
  };
}
