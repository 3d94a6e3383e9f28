/**
 * The Player's integer options have one table of ranges (src/player/option_ranges.ts):
 * `Player.open`, the CLI flags and stemplay.json all take its ends and refuse one past them,
 * each naming the range.
 */

import assert from "node:assert/strict";
import { Player, StemplayError } from "../mod.ts";
import { PLAYER_INTEGER_OPTIONS } from "../src/player/option_ranges.ts";
import { checkPlayerOptions } from "../src/player/player_options.ts";
import { AUDIO_FLAGS, audioOptions } from "../src/cli/audio_flags.ts";
import { parseFlags, UsageError } from "../src/cli/args.ts";
import { parseSettings } from "../src/cli/settings.ts";

const NAMES = Object.keys(PLAYER_INTEGER_OPTIONS) as (keyof typeof PLAYER_INTEGER_OPTIONS)[];

Deno.test("option ranges: Player.open takes each end of the table and refuses one past", async () => {
  for (const name of NAMES) {
    const { min, max } = PLAYER_INTEGER_OPTIONS[name];
    for (const ok of [min, max]) {
      assert.equal(checkPlayerOptions({ [name]: ok })[name], ok, `${name} ${ok}`);
    }
    for (const bad of [min - 1, max + 1]) {
      await assert.rejects(
        () => Player.open({ backend: "offline", [name]: bad }),
        (error: unknown) =>
          error instanceof StemplayError && error.code === "INVALID_ARGUMENT" &&
          error.message.includes(`${name} must be an integer from ${min} to ${max}`),
        `${name} ${bad}`,
      );
    }
  }
});

Deno.test("option ranges: each CLI flag takes the table's ends and refuses one past", () => {
  for (const name of NAMES) {
    const { min, max } = PLAYER_INTEGER_OPTIONS[name];
    const flag = (PLAYER_INTEGER_OPTIONS[name] as { flag?: string }).flag;
    if (!flag) continue;
    const parse = (value: number) =>
      audioOptions("play", parseFlags("play", [`--${flag}`, String(value)], AUDIO_FLAGS));
    for (const ok of [min, max]) assert.equal(parse(ok)[name], ok, `--${flag} ${ok}`);
    for (const bad of [min - 1, max + 1]) {
      assert.throws(
        () => parse(bad),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message.includes(`--${flag} must be a whole number from ${min} to ${max}`),
        `--${flag} ${bad}`,
      );
    }
  }
});

Deno.test("option ranges: each stemplay.json audio key takes the table's ends and refuses one past", () => {
  for (const name of NAMES) {
    if (name === "trackCapacity") continue; // not a settings key
    const { min, max } = PLAYER_INTEGER_OPTIONS[name];
    for (const ok of [min, max]) {
      assert.equal(parseSettings({ audio: { [name]: ok } }, "stemplay.json").audio?.[name], ok);
    }
    for (const bad of [min - 1, max + 1]) {
      assert.throws(
        () => parseSettings({ audio: { [name]: bad } }, "stemplay.json"),
        (error: unknown) =>
          error instanceof StemplayError &&
          error.message.includes(`must be an integer from ${min} to ${max}, got ${bad}`),
        `audio.${name} ${bad}`,
      );
    }
  }
});
