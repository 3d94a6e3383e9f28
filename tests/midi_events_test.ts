/**
 * song.json "midiEvents": each good form becomes its wire bytes at its time; each bad entry is
 * a MANIFEST error naming its key path; a byte sequence that is not valid MIDI is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { StemplayError } from "../mod.ts";
import { loadSongDescription } from "../src/songs/song.ts";
import { midiBytesProblem, splitMessages } from "../src/songs/midi_events.ts";
import { encodeWav } from "../src/sources/wav.ts";

async function songWith(midiEvents: unknown): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-midievents-" });
  await Deno.writeFile(join(dir, "a.wav"), encodeWav([new Float32Array(4800)], 48000, "s16"));
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      tracks: [{ file: "a.wav" }],
      markers: [{ name: "Chorus", at: 2 }, { name: "Bridge", at: 3.5 }],
      midiEvents,
    }),
  );
  return dir;
}

Deno.test("midiEvents: program with bank, CC at a marker, a note, SysEx at a marker", async () => {
  const dir = await songWith([
    { at: "start", program: 5, bank: 2, channel: 1 },
    { marker: "Chorus", cc: 64, value: 127, channel: 1 },
    { at: 12.5, note: 60, velocity: 100, duration: 0.5, channel: 10 },
    { marker: "Bridge", bytes: [240, 0x7e, 0x7f, 0x06, 0x01, 247] },
  ]);
  try {
    const song = await loadSongDescription(dir);
    assert.deepEqual(song.midiEvents, [
      { at: 0, bytes: [0xb0, 0, 0, 0xb0, 32, 2, 0xc0, 5], marker: undefined },
      { at: 2, bytes: [0xb0, 64, 127], marker: "Chorus" },
      { at: 3.5, bytes: [240, 0x7e, 0x7f, 0x06, 0x01, 247], marker: "Bridge" },
      { at: 12.5, bytes: [0x99, 60, 100], marker: undefined },
      { at: 13, bytes: [0x89, 60, 0], marker: undefined },
    ]);
    assert.deepEqual(splitMessages(song.midiEvents![0].bytes), [
      [0xb0, 0, 0],
      [0xb0, 32, 2],
      [0xc0, 5],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const BAD: [string, unknown, string][] = [
  ["not an array", { at: 0 }, "midiEvents:"],
  ["no place", [{ program: 1, channel: 1 }], "midiEvents[1]: needs one place"],
  ["two places", [{ at: 1, marker: "Chorus", program: 1, channel: 1 }], "midiEvents[1]: needs"],
  ["unknown marker", [{ marker: "Outro", program: 1, channel: 1 }], "midiEvents[1].marker"],
  ["negative time", [{ at: -1, program: 1, channel: 1 }], "midiEvents[1].at"],
  ["at a word", [{ at: "end", program: 1, channel: 1 }], "midiEvents[1].at"],
  ["no message", [{ at: 1, channel: 1 }], "midiEvents[1]: needs one message"],
  ["two messages", [{ at: 1, program: 1, cc: 2, value: 3, channel: 1 }], "midiEvents[1]: needs"],
  ["program 128", [{ at: 1, program: 128, channel: 1 }], "midiEvents[1].program"],
  ["bank too high", [{ at: 1, program: 1, bank: 16384, channel: 1 }], "midiEvents[1].bank"],
  ["channel 0", [{ at: 1, program: 1, channel: 0 }], "midiEvents[1].channel"],
  ["channel 17", [{ at: 1, cc: 1, value: 1, channel: 17 }], "midiEvents[1].channel"],
  ["no channel", [{ at: 1, cc: 1, value: 1 }], "midiEvents[1].channel"],
  ["cc without value", [{ at: 1, cc: 1, channel: 1 }], "midiEvents[1].value"],
  ["value 200", [{ at: 1, cc: 1, value: 200, channel: 1 }], "midiEvents[1].value"],
  ["velocity 0", [{ at: 1, note: 1, velocity: 0, duration: 1, channel: 1 }], "].velocity"],
  ["no duration", [{ at: 1, note: 60, channel: 1 }], "midiEvents[1].duration"],
  // Past a day: frames that would wrap the engine's 64-bit counts (a review's attack).
  ["at 1e300 s", [{ at: 1e300, program: 9, channel: 1 }], "midiEvents[1].at"],
  ["at 2e14 s", [{ at: 2e14, program: 9, channel: 1 }], "midiEvents[1].at"],
  ["a note of 1e300 s", [{ at: 1, note: 60, duration: 1e300, channel: 1 }], "].duration"],
  ["bank on a CC", [{ at: 1, cc: 1, value: 1, bank: 1, channel: 1 }], "midiEvents[1].bank"],
  ["unknown key", [{ at: 1, program: 1, channel: 1, port: 2 }], "midiEvents[1].port"],
  ["not an object", [{ at: 1, program: 1, channel: 1 }, 7], "midiEvents[2]:"],
  ["bytes with a channel", [{ at: 1, bytes: [0xf8], channel: 1 }], "midiEvents[1].channel"],
  ["bytes not bytes", [{ at: 1, bytes: [256] }], "midiEvents[1].bytes"],
  ["SysEx unterminated", [{ at: 1, bytes: [240, 1, 2] }], "does not end with 247"],
  ["SysEx high byte", [{ at: 1, bytes: [240, 1, 200, 247] }], "inside a SysEx"],
  ["data first", [{ at: 1, bytes: [60, 100] }], "does not start a MIDI message"],
  ["short message", [{ at: 1, bytes: [0x90, 60] }], "needs 3 bytes"],
  ["undefined status", [{ at: 1, bytes: [0xf4] }], "does not start a MIDI message"],
  ["running status", [{ at: 1, bytes: [0x90, 60, 100, 62, 100] }], "byte 4"],
];

for (const [what, midiEvents, expected] of BAD) {
  Deno.test(`midiEvents: ${what} is a MANIFEST error naming its key`, async () => {
    const dir = await songWith(midiEvents);
    try {
      await assert.rejects(
        () => loadSongDescription(dir),
        (error) => {
          assert.ok(error instanceof StemplayError, String(error));
          assert.equal(error.code, "MANIFEST");
          assert.ok(error.message.includes(expected), `${error.message} lacks ${expected}`);
          return true;
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("midiBytesProblem: valid sequences pass", () => {
  assert.equal(midiBytesProblem([0xf8]), undefined);
  assert.equal(midiBytesProblem([0x90, 60, 100, 0x80, 60, 0]), undefined);
  assert.equal(midiBytesProblem([0xf2, 0, 1, 0xc3, 4]), undefined);
  assert.equal(midiBytesProblem([]), "is empty");
});
