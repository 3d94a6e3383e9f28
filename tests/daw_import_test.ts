/**
 * Markers and tempo from what DAWs export, read exactly: a WAV stem's `cue ` points with their
 * `LIST adtl` labels and its `smpl` loops, and a Standard MIDI File's tempo map and markers.
 * The files are written here byte by byte.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readMidiTempoMap, readWavMarkers, StemplayError } from "../mod.ts";
import { midiWithTempoMap, wavWithMarkers } from "./support/daw_files.ts";

Deno.test("WAV cue points with LIST adtl labels and smpl loops are imported exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "click.wav");
    await Deno.writeFile(path, wavWithMarkers());
    const found = await readWavMarkers(path);
    assert.equal(found.sampleRate, 44100);
    assert.deepEqual(found.markers, [
      { name: "Intro", at: 0 },
      { name: "Verse 1", at: 0.5 },
      { name: "Marker 7", at: 0.75 },
    ]);
    assert.deepEqual(found.loops, [{ name: "Loop 1", start: 0.25, end: 0.5 }]);
    // A WAV with neither chunk: nothing found, no error.
    const plain = join(dir, "plain.wav");
    const bytes = wavWithMarkers();
    const withoutChunks = bytes.slice(0, 12 + 8 + 16 + 8 + 88200);
    new DataView(withoutChunks.buffer).setUint32(4, withoutChunks.length - 8, true);
    await Deno.writeFile(plain, withoutChunks);
    assert.deepEqual(await readWavMarkers(plain), { sampleRate: 44100, markers: [], loops: [] });
    // Not a WAV: named.
    const text = join(dir, "notes.wav");
    await Deno.writeTextFile(text, "hello, this is not audio");
    await assert.rejects(readWavMarkers(text), (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "DECODE");
      assert.match(error.message, /notes\.wav is not a WAV file/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Standard MIDI File's tempo map and markers are imported exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "map.mid");
    await Deno.writeFile(path, midiWithTempoMap());
    const found = await readMidiTempoMap(path);
    // song.json's tempo counts the time signature's unit: 90 quarters are 180 eighths.
    assert.deepEqual(found, {
      tempo: 120,
      timeSignature: [4, 4],
      firstBeat: 0,
      tempoMap: [{ at: 4, tempo: 60_000_000 / 666667 * 2, timeSignature: [6, 8] }],
      markers: [
        { name: "Intro", at: 0 },
        { name: "Verse", at: 4 },
        { name: "Chorus", at: 6_000_001 / 1e6 }, // microseconds, counted exactly
      ],
    });
    const broken = join(dir, "broken.mid");
    await Deno.writeTextFile(broken, "MThd and then nothing");
    await assert.rejects(readMidiTempoMap(broken), (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "DECODE");
      assert.match(error.message, /broken\.mid is not a Standard MIDI File/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
