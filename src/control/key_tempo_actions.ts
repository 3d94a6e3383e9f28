/**
 * The operator's key and tempo actions (`transpose`, `speed`) on a player, and the words every
 * screen shows for them ("key +2  tempo 108 bpm (90%)"). The player prepares the song again
 * at the new value in the background (src/songs/key_tempo_change.ts); the action answers at
 * once, so the one action queue never waits for it.
 *
 * @module
 */

import type { Player } from "../player/player.ts";
import { MAX_SPEED, MAX_TRANSPOSE, MIN_SPEED, MIN_TRANSPOSE } from "../model/key_tempo.ts";
import { formatTranspose } from "../songs/key_tempo_change.ts";
import type { SpeedAction, TransposeAction } from "./actions.ts";

/** Applies a validated `transpose` or `speed` action; returns what it did, in words.
 * @throws {StemplayError} the player's refusals: "UNSUPPORTED" without a song, "BUSY" … */
export function keyTempoAction(player: Player, action: TransposeAction | SpeedAction): string {
  if (action.type === "transpose") {
    const target = action.semitones ??
      clamp(round(player.transpose + action.by!), MIN_TRANSPOSE, MAX_TRANSPOSE);
    if (target === player.transpose) return `key ${formatTranspose(target)} already`;
    player.transpose = target;
  } else {
    const target = action.ratio ?? clamp(round(player.speed + action.by!), MIN_SPEED, MAX_SPEED);
    if (target === player.speed) return `tempo ${percent(target)} already`;
    player.speed = target;
  }
  const words = keyTempoText(player, false) || "key and tempo as recorded";
  return player.keyTempoPreparing
    ? `${words}: preparing the song at it (${
      player.state === "playing"
        ? "the old key plays until it is ready, then crossfades"
        : "play waits until it is ready"
    })`
    : words;
}

/** "key +2  tempo 108 bpm (90%)" for the current song; "" at transpose 0 and speed 1. The
 * bpm is the song's first tempo at the speed set, shown once the song is prepared at it;
 * "(preparing)" is added until then when `preparing` is asked for. */
export function keyTempoText(player: Player, preparing = true): string {
  const { transpose, speed } = player;
  if (transpose === 0 && speed === 1) return "";
  const parts: string[] = [];
  if (transpose !== 0) parts.push(`key ${formatTranspose(transpose)}`);
  if (speed !== 1) {
    const recorded = player.tempo[0]?.tempo; // song time: the recording's bpm
    const tempo = recorded === undefined ? undefined : recorded * player.timelineSpeed;
    parts.push(
      tempo !== undefined && !player.keyTempoPreparing
        ? `tempo ${Number(tempo.toFixed(1))} bpm (${percent(speed)})`
        : `tempo ${percent(speed)}`,
    );
  }
  if (preparing && player.keyTempoPreparing) parts.push("(preparing)");
  return parts.join("  ");
}

function percent(speed: number): string {
  return `${Number((speed * 100).toFixed(1))}%`;
}

/** Steps add up without float dust (0.9 + 0.01 is 0.91, not 0.9100000000000001). */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
