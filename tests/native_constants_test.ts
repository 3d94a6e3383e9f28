/**
 * The C constants TypeScript mirrors (src/native/native_constants.ts) agree with native/stemplay.h:
 * every result code, state, status/info/monitor index and size, parsed from the header.
 */
import assert from "node:assert/strict";
import {
  FADE_MS,
  FILE_INFO,
  HEAD_STATE,
  INFO,
  MONITOR,
  RESULT,
  STATE,
  STATUS,
} from "../src/native/native_constants.ts";
import { MAX_GAIN, MAX_GAIN_DB } from "../src/engine/levels.ts";

const header = await Deno.readTextFile(new URL("../native/stemplay.h", import.meta.url));
const code = header.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

/** Every `NAME = value` of the header's enums and every `#define NAME valueu`. */
function headerConstants(): Map<string, number> {
  const constants = new Map<string, number>();
  for (const match of code.matchAll(/\b(SP_[A-Z0-9_]+)\s*=\s*(\d+)/g)) {
    constants.set(match[1], Number(match[2]));
  }
  for (const match of code.matchAll(/#define\s+(SP_[A-Z0-9_]+)\s+(\d+)u?\b/g)) {
    constants.set(match[1], Number(match[2]));
  }
  return constants;
}

const constants = headerConstants();

/** camelCase or lower-case key to the header's upper snake case. */
const snake = (key: string) => key.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

function assertGroup(prefix: string, values: Record<string, number>, rename = snake) {
  const expected = new Map(
    [...constants].filter(([name]) => name.startsWith(prefix)).map((
      [name, value],
    ) => [name.slice(prefix.length), value]),
  );
  assert.ok(expected.size > 0, `no ${prefix}* constants parsed from stemplay.h`);
  const actual = new Map(Object.entries(values).map(([key, value]) => [rename(key), value]));
  assert.deepEqual(actual, expected, `${prefix}* in src/native/native_constants.ts vs stemplay.h`);
}

Deno.test("native constants: result codes match stemplay.h", () => {
  const results: Record<string, number> = {};
  for (const [name, value] of constants) {
    if (name === "SP_OK") results.OK = value;
    else if (name.startsWith("SP_ERROR_")) results[name.slice("SP_ERROR_".length)] = value;
  }
  assert.deepEqual(RESULT, results);
});

Deno.test("native constants: states, status and info indices match stemplay.h", () => {
  assertGroup("SP_STATE_", STATE);
  assertGroup("SP_STATUS_", STATUS);
  const info = {
    ...INFO,
    block_frames: INFO.block,
    track_capacity: INFO.capacity,
    sample_rate: INFO.rate,
  };
  const { block: _b, capacity: _c, rate: _r, ...renamed } = info;
  assertGroup("SP_INFO_", renamed);
});

Deno.test("native constants: monitor sizes and indices, and the declick length, match stemplay.h", () => {
  assertGroup(
    "SP_MONITOR_",
    MONITOR,
    (key) => key === "counterCount" ? "COUNTER_COUNT" : snake(key),
  );
  assert.equal(FADE_MS, constants.get("SP_FADE_MS"));
});

Deno.test("native constants: a streamed file's info indices and length match stemplay.h", () => {
  // A 4-slot array for its 5 values let C write 8 bytes past a JS buffer on every streamed load.
  assertGroup("SP_FILE_INFO_", FILE_INFO);
});

Deno.test("native constants: a streamed file's head states match stemplay.h", () => {
  assertGroup("SP_HEAD_STATE_", HEAD_STATE);
});

Deno.test("native constants: the gain ceiling in C is MAX_GAIN_DB and MAX_GAIN", () => {
  assert.equal(MAX_GAIN_DB, constants.get("SP_MAX_GAIN_DB"));
  const literal = /#define\s+SP_MAX_GAIN\s+([\d.]+)f\b/.exec(code)?.[1];
  assert.ok(literal, "SP_MAX_GAIN parsed from stemplay.h");
  // C compares the float it gets with this float literal: both must round alike.
  assert.equal(Math.fround(Number(literal)), Math.fround(MAX_GAIN));
});
