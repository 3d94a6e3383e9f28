/**
 * MIDI parsing, mapping and debouncing, without a MIDI port: the same code the JACK and ALSA
 * inputs feed.
 */
import assert from "node:assert/strict";
import { parseMidi } from "../src/control/midi_message.ts";
import { checkMidiMap, MidiMapper, midiMapProblems } from "../src/control/midi_map.ts";
import { StemplayError } from "../src/errors.ts";
import { learnedEntry, saveMidiMap, withLearned } from "../src/control/midi_learn.ts";
import { MIDI_DEBOUNCE_MS, MidiDebounce } from "../src/control/midi_debounce.ts";

Deno.test("parseMidi: note on/off, CC and program change with their channel", () => {
  assert.deepEqual(parseMidi([0x90, 60, 100]), {
    kind: "noteOn",
    channel: 1,
    note: 60,
    velocity: 100,
  });
  assert.deepEqual(parseMidi([0x9f, 60, 0]), {
    kind: "noteOff",
    channel: 16,
    note: 60,
    velocity: 0,
  });
  assert.deepEqual(parseMidi([0x83, 61, 64]), {
    kind: "noteOff",
    channel: 4,
    note: 61,
    velocity: 64,
  });
  assert.deepEqual(parseMidi([0xb1, 64, 127]), {
    kind: "cc",
    channel: 2,
    controller: 64,
    value: 127,
  });
  assert.deepEqual(parseMidi([0xc5, 7]), { kind: "program", channel: 6, program: 7 });
});

Deno.test("parseMidi: anything else is undefined, never an exception", () => {
  for (
    const bytes of [
      [],
      [0x90],
      [0x90, 60],
      [0x90, 60, 100, 1],
      [0xc0, 7, 1],
      [0x3c, 100],
      [0x90, 0x80, 1],
      [0xe0, 0, 64],
      [0xa0, 60, 1],
      [0xd0, 5],
      [0xf0, 1, 2, 0xf7],
      [0xf8],
    ]
  ) {
    assert.equal(parseMidi(bytes), undefined, JSON.stringify(bytes));
  }
});

Deno.test("MIDI map: notes, channel filters, program 'any', first match wins", () => {
  const mapper = new MidiMapper(checkMidiMap([
    { note: 60, channel: 2, action: "previous" },
    { note: 60, action: "next" },
    { program: "any", action: "goto" },
    { program: 3, action: "stop" }, // never reached: "any" comes first
    { note: 62, action: { type: "jump", marker: "Chorus", at: "bar" } },
  ]));
  assert.deepEqual(mapper.actionFor(parseMidi([0x91, 60, 1])!), { type: "previous" });
  assert.deepEqual(mapper.actionFor(parseMidi([0x90, 60, 1])!), { type: "next" });
  assert.equal(mapper.actionFor(parseMidi([0x80, 60, 0])!), undefined, "note off");
  assert.equal(mapper.actionFor(parseMidi([0x90, 60, 0])!), undefined, "velocity 0 is off");
  assert.deepEqual(mapper.actionFor(parseMidi([0xc0, 4])!), { type: "goto", song: 5 });
  assert.deepEqual(mapper.actionFor(parseMidi([0x90, 62, 9])!), {
    type: "jump",
    marker: "Chorus",
    at: "bar",
  });
  assert.equal(mapper.actionFor(parseMidi([0x90, 63, 9])!), undefined);
});

Deno.test("MIDI map: a CC fires when it enters its range, once per press", () => {
  const mapper = new MidiMapper(checkMidiMap([{ cc: 64, min: 64, action: "vamp" }]));
  const cc = (value: number) => mapper.actionFor(parseMidi([0xb0, 64, value])!);
  assert.deepEqual(cc(127), { type: "vamp" }, "first press");
  assert.equal(cc(127), undefined, "held");
  assert.equal(cc(100), undefined, "still inside");
  assert.equal(cc(0), undefined, "release");
  assert.deepEqual(cc(64), { type: "vamp" }, "second press");
  // Another channel's controller 64 has its own memory.
  assert.deepEqual(mapper.actionFor(parseMidi([0xb1, 64, 127])!), { type: "vamp" });
});

Deno.test("MIDI map: every bad key is named by its path, in one error", () => {
  const problems = midiMapProblems([
    { note: 60, action: "next" },
    { note: 128, action: "next" },
    { cc: 64, min: 100, max: 20, action: "vamp" },
    { note: 1, cc: 2, action: "play" },
    { program: "some", action: "goto" },
    { note: 5, channel: 0, action: "play" },
    { note: 6, action: "jump" },
    { note: 7, action: 3 },
    { note: 8, action: "play", velocity: 3 },
    { program: "any", action: "play" }, // fine: any program change plays
    { note: 9, min: 3, action: "play" },
    "next",
  ]);
  const paths = problems.map((p) => p.slice(0, p.indexOf(":")));
  assert.deepEqual(paths, [
    "[1].note",
    "[2].min",
    "[3]",
    "[4].program",
    "[4].action", // goto needs a song unless the program number gives it
    "[5].channel",
    "[6].action",
    "[7].action",
    "[8].velocity",
    "[10]",
    "[11]",
  ]);
  assert.throws(
    () => checkMidiMap([{ note: 128, action: "next" }]),
    (error) =>
      error instanceof StemplayError && error.code === "MIDI_MAP" &&
      /map\[0\]\.note/.test(error.message),
  );
  assert.deepEqual(midiMapProblems("nope"), [': must be an array of entries, got "nope"']);
});

Deno.test("MIDI learn: entries from what the pedal sent, replacing the same trigger, saved", async () => {
  const jump = { type: "jump", marker: 2, at: "bar" };
  assert.deepEqual(learnedEntry(parseMidi([0x90, 60, 9])!, { type: "next" }), {
    note: 60,
    channel: 1,
    action: "next",
  });
  assert.deepEqual(learnedEntry(parseMidi([0xb2, 64, 0])!, jump), {
    cc: 64,
    channel: 3,
    min: 0,
    max: 63,
    action: jump,
  });
  assert.deepEqual(learnedEntry(parseMidi([0xc0, 5])!, { type: "stop" }), {
    program: 5,
    channel: 1,
    action: "stop",
  });
  const map = withLearned(
    [{ program: "any", action: "goto" }, { note: 60, channel: 1, action: "play" }],
    { note: 60, channel: 1, action: "next" },
  );
  assert.deepEqual(map, [
    { note: 60, channel: 1, action: "next" },
    { program: "any", action: "goto" },
  ]);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/stemplay.json`;
    await saveMidiMap(path, map); // no file yet: created
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { midi: { map } });
    await Deno.writeTextFile(
      path,
      JSON.stringify({ audio: { backend: "jack" }, midi: { input: "alsa" } }),
    );
    await saveMidiMap(path, map);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      audio: { backend: "jack" },
      midi: { input: "alsa", map },
    });
    await Deno.writeTextFile(path, "[]");
    await assert.rejects(
      saveMidiMap(path, map),
      (e) => e instanceof StemplayError && e.code === "SETTINGS",
    );
    assert.equal(await Deno.readTextFile(path), "[]", "a refused save leaves the file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MIDI debounce: the same message within 50 ms is one press; other messages never merge", () => {
  const debounce = new MidiDebounce();
  const ms = (n: number) => BigInt(Math.round(n * 1e6));
  const note = (n: number, velocity = 100) =>
    ({ kind: "noteOn", channel: 1, note: n, velocity }) as const;
  assert.equal(debounce.accept(note(60), ms(1000)), true);
  assert.equal(debounce.accept(note(60, 90), ms(1001.3)), false, "a bounce 1.3 ms later");
  assert.equal(debounce.accept(note(61), ms(1001.3)), true, "another note");
  assert.equal(
    debounce.accept({ kind: "noteOn", channel: 2, note: 60, velocity: 100 }, ms(1002)),
    true,
    "another channel",
  );
  assert.equal(debounce.accept(note(60), ms(1000 + MIDI_DEBOUNCE_MS - 0.1)), false);
  assert.equal(debounce.accept(note(60), ms(1000 + MIDI_DEBOUNCE_MS)), true, "a new press");
  const cc = (value: number) => ({ kind: "cc", channel: 1, controller: 64, value }) as const;
  assert.equal(debounce.accept(cc(127), ms(2000)), true);
  assert.equal(debounce.accept(cc(100), ms(2010)), false, "the same controller bouncing");
});
