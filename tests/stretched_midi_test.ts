/**
 * A song's MIDI on its stretched timeline (src/songs/stretched_midi.ts): every time ÷ speed by
 * the same division as the markers', so an event at a marker is on that marker's frame exactly,
 * and the clock takes the stretched tempo map. (MIDI out on a real jackd at another speed:
 * tests/midi_out_speed_test.ts.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSongDescription } from "../src/songs/song.ts";
import { songMidi } from "../src/songs/midi_events.ts";
import { stretchedTimeline } from "../src/songs/stretched_song.ts";
import { stretchedMidi } from "../src/songs/stretched_midi.ts";
import { encodeWav } from "../src/sources/wav.ts";

Deno.test("stretchedMidi: events ÷ speed, marker events on their marker's frame", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-stretched-midi-" });
  try {
    await Deno.writeFile(join(dir, "a.wav"), encodeWav([new Float32Array(4800)], 48000, "f32"));
    await Deno.writeTextFile(
      join(dir, "song.json"),
      JSON.stringify({
        tracks: [{ file: "a.wav" }],
        tempo: 120,
        markers: [{ name: "Chorus", at: 5.123457 }],
        midiEvents: [
          { marker: "Chorus", cc: 64, value: 127, channel: 1 },
          { at: 12.5, note: 60, duration: 0.5, channel: 10 },
        ],
      }),
    );
    const description = await loadSongDescription(dir);
    const midi = await songMidi(description);
    for (const speed of [0.5, 0.8, 0.9, 1.1, 2]) {
      const timeline = stretchedTimeline(description, speed);
      const stretched = stretchedMidi(midi, timeline.tempo, speed);
      assert.equal(stretched.tempo, timeline.tempo, "the clock's tempo map is the timeline's");
      assert.equal(stretched.tempo[0].tempo, 120 * speed);
      const [cc, on, off] = stretched.events;
      assert.equal(cc.at, timeline.markers[0].at, `at ${speed}: on the marker, exactly`);
      assert.equal(on.at, 12.5 / speed);
      assert.equal(off.at, 13 / speed, `at ${speed}: the note ends duration ÷ speed later`);
    }
    assert.equal(stretchedMidi(midi, description.tempo, 1), midi, "speed 1: untouched");
    assert.equal(midi.events[1].at, 12.5, "the recorded times are not changed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
