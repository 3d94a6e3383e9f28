/**
 * The offline player the streaming tests compare renders on (48 kHz, 2 outputs, 256-frame
 * blocks), and the bit-for-bit comparison they use.
 */
import assert from "node:assert/strict";
import { Player } from "../../mod.ts";
import type { PlayerOptions } from "../../src/player/player.ts";

export const OFFLINE_RATE = 48000;
export const OFFLINE_BLOCK = 256;

/** An offline player with these streaming settings (the "test" library lets a test pause the
 * reader). */
export function offlinePlayer(
  streaming: PlayerOptions["streaming"],
  library?: PlayerOptions["library"],
): Promise<Player> {
  return Player.open({
    backend: "offline",
    sampleRate: OFFLINE_RATE,
    channels: 2,
    blockFrames: OFFLINE_BLOCK,
    streaming,
    library,
  });
}

/** Pauses (`on`) or resumes the player's reader threads through the "test" library's hook:
 * paused, nothing is read or stretched and an offline render never waits for the reader (a
 * ring that lacks its frames plays silence, counted as starved, as on a device). */
export function freezeReader(player: Player, on: boolean): void {
  assert.equal(player.native.sp_test_set_streaming(player.engine, on ? 1 : 0, on ? 0 : 1), 0);
}

/** Fails at the first sample that differs (Object.is: -0 and NaN count). */
export function assertIdentical(actual: Float32Array[], expected: Float32Array[], what: string) {
  for (let c = 0; c < expected.length; c++) {
    for (let i = 0; i < expected[c].length; i++) {
      if (!Object.is(actual[c][i], expected[c][i])) {
        assert.fail(`${what}: output ${c + 1} frame ${i}: ${actual[c][i]} != ${expected[c][i]}`);
      }
    }
  }
}
