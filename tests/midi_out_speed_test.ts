/**
 * MIDI out at another speed (issues 26 × 24), on a real jackd recorded by jackd2's own
 * `jack_midi_dump -a`: a song's `midiEvents` (at seconds, at a marker, a note's duration) and
 * its MIDI-file track follow the stretched timeline (÷ speed) as the markers and the audio do,
 * and the clock follows the tempo map × speed: at a load at speed 0.8 (song.json) and after the
 * operator's change to 0.9 while stopped (with a count-in, whose clock ticks at the new tempo).
 * Frames are counted from Start, which goes out on the song's frame 0. After a change while
 * playing (1 → 0.8) the events land on the new timeline's clock ticks, which run on through the
 * switch at the same musical place.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type MidiOutput, type Player, serveMidiOut } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { type DumpEvent, dumpPort, hex, stopDump } from "./support/midi_dump.ts";
import { beats, smf } from "./support/smf.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = JACK_RATE;
const SECONDS = 14; // as recorded; 17.5 s at speed 0.8

async function writeSong(dir: string): Promise<string> {
  const tone = new Float32Array(SECONDS * RATE).map((_, i) => 0.05 * Math.sin(i / 20));
  await Deno.writeFile(join(dir, "tone.wav"), encodeWav([tone], RATE, "f32"));
  // The file's note: on at 2 s, off at 2.25 s (as recorded, 120 bpm).
  await Deno.writeFile(
    join(dir, "lights.mid"),
    smf([[beats(2), [0x91, 36, 90]], [beats(2.25), [0x81, 36, 0]]]),
  );
  await Deno.writeTextFile(
    join(dir, "song.json"),
    JSON.stringify({
      tracks: [{ file: "tone.wav", route: [1] }, { file: "lights.mid" }],
      tempo: 120,
      speed: 0.8,
      markers: [{ name: "Chorus", at: 5 }],
      midiEvents: [
        { marker: "Chorus", cc: 64, value: 127, channel: 1 },
        { at: 12.5, note: 60, velocity: 100, duration: 0.5, channel: 10 },
      ],
    }),
  );
  return dir;
}

/** One play's messages from its Start on (frames from Start), up to its Stop. */
function fromStart(events: DumpEvent[], run: number): DumpEvent[] {
  const starts = events.flatMap((e, i) => e.bytes[0] === 0xfa ? [i] : []);
  const first = starts[run];
  assert.ok(first !== undefined, `Start of play ${run + 1}`);
  const stop = events.findIndex((e, i) => i > first && e.bytes[0] === 0xfc);
  const played = events.slice(first, stop < 0 ? undefined : stop);
  return played.map((e) => ({ at: e.at - events[first].at, bytes: e.bytes }));
}

/** Asserts each song message of `expected` (hex → song seconds at that speed) on its frame,
 * and every tick on round(k × tick) from Start. */
function check(played: DumpEvent[], speed: number, expected: [string, number][], what: string) {
  const messages = played.filter((e) => e.bytes[0] !== 0xf8 && e.bytes[0] !== 0xfa);
  console.log(`midi out at ${speed}: ${messages.map((e) => `${e.at}: ${hex(e)}`).join(", ")}`);
  for (const [bytes, seconds] of expected) {
    const frame = Math.round(seconds / speed * RATE);
    const found = messages.find((e) => hex(e) === bytes);
    assert.ok(found, `${what}: ${bytes} was sent`);
    assert.equal(found.at, frame, `${what}: ${bytes} on frame ${frame} (${seconds} s ÷ ${speed})`);
  }
  // 120 bpm × speed: a tick is 60 / (120 × speed) / 24 s.
  const tick = RATE * 60 / (120 * speed) / 24;
  const ticks = played.filter((e) => e.bytes[0] === 0xf8);
  let worst = 0;
  ticks.forEach((e, k) => worst = Math.max(worst, Math.abs(e.at - Math.round(k * tick))));
  console.log(`midi out at ${speed}: ${ticks.length} ticks, ${tick} frames apart, max ${worst}`);
  assert.ok(ticks.length > 100, `${what}: the clock ran`);
  assert.equal(worst, 0, `${what}: every tick on round(k × ${tick}) from Start`);
}

/** Writes the song, serves MIDI out on a JACK server with jack_midi_dump on its port, runs
 * `play`, and returns what the dump recorded (the player closed first). */
async function recordSong(
  prefix: string,
  play: (player: Player, out: MidiOutput, dir: string) => Promise<void>,
): Promise<DumpEvent[]> {
  const dir = await writeSong(await Deno.makeTempDir({ prefix }));
  try {
    let events: DumpEvent[] = [];
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      try {
        const out = await serveMidiOut(player);
        const dump = await dumpPort(server, out.port);
        await play(player, out, dir);
        await player.close();
        events = await stopDump(dump);
      } finally {
        await player.close();
      }
    });
    return events;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

{
  const name = "MIDI out follows the song's speed: events, note lengths, MIDI files and clock";
  jackTest(name, ["jack_midi_dump"], async () => {
    const events = await recordSong("stemplay-midi-speed-", async (player, out, dir) => {
      // Loaded at song.json's speed 0.8: all of it, to the last note's end.
      await player.loadSong(dir);
      assert.equal(player.speed, 0.8);
      await sleep(200);
      player.play();
      // player.position is song time (the recording's): 16.5 s of the timeline at 0.8.
      await waitFor("the note's end at 16.25 s", () => player.position >= 16.5 * 0.8, 40_000);
      player.stop();
      await sleep(300);
      // The operator's change while stopped: the clock's first seconds and the marker.
      player.speed = 0.9;
      await player.keyTempoReady();
      player.seek(0);
      player.countIn = 1; // a bar's count-in: its clock at the new tempo too
      await sleep(200);
      player.play();
      await waitFor("the marker at 5.56 s", () => player.position >= 6 * 0.9, 20_000);
      player.stop();
      await sleep(300);
      console.log(`midi out: sent ${JSON.stringify(out.sent)}`);
    });
    check(fromStart(events, 0), 0.8, [
      ["91 24 5a", 2],
      ["81 24 00", 2.25],
      ["b0 40 7f", 5],
      ["99 3c 64", 12.5],
      ["89 3c 00", 13],
    ], "loaded at 0.8");
    // The count-in's ticks, between the first play's Stop and the second's Start.
    const stop = events.findIndex((e) => e.bytes[0] === 0xfc);
    const start = events.findLastIndex((e) => e.bytes[0] === 0xfa);
    const countIn = events.slice(stop + 1, start).filter((e) => e.bytes[0] === 0xf8);
    const gaps = countIn.slice(1).map((e, k) => e.at - countIn[k].at);
    console.log(
      `midi out: count-in at 0.9: ${countIn.length} ticks, gaps ${[...new Set(gaps)]}`,
    );
    assert.equal(countIn.length, 96, "a 4/4 bar of ticks before Start");
    assert.ok(gaps.every((gap) => gap === 1111 || gap === 1112), "at 108 bpm");
    check(fromStart(events, 1), 0.9, [
      ["91 24 5a", 2],
      ["81 24 00", 2.25],
      ["b0 40 7f", 5],
    ], "changed to 0.9 while stopped");
  });
}

{
  const name = "MIDI out follows a speed change made while playing: events on the new timeline";
  jackTest(name, ["jack_midi_dump"], async () => {
    const events = await recordSong("stemplay-midi-retime-", async (player, _out, dir) => {
      await player.loadSong(dir, { speed: 1 });
      await sleep(200);
      player.play();
      await waitFor("half a second played", () => player.position >= 0.5);
      player.speed = 0.8;
      await player.keyTempoReady();
      const switched = player.position;
      console.log(`midi out: switched to 0.8 by ${switched.toFixed(2)} s (song time)`);
      await waitFor("the note's end at 16.25 s", () => player.position >= 16.5 * 0.8, 40_000);
      player.stop();
      await sleep(300);
    });
    const played = fromStart(events, 0);
    const messages = played.filter((e) => e.bytes[0] !== 0xf8 && e.bytes[0] !== 0xfa);
    console.log(`midi out: ${messages.map((e) => `${e.at}: ${hex(e)}`).join(", ")}`);
    // The clock goes on through the switch at the same musical place (a hand-over: no
    // Stop, no pointer), 1,000 frames a tick before it and 1,250 after it (120 bpm ×
    // 0.8), so the ticks counted from Start are the song's ticks on both timelines.
    const ticks = played.filter((e) => e.bytes[0] === 0xf8);
    const gaps = ticks.slice(1).map((e, k) => e.at - ticks[k].at);
    const seam = gaps.findIndex((gap) => gap !== 1000);
    console.log(
      `midi out: the clock's gaps around the switch: ${gaps.slice(seam - 2, seam + 3)}`,
    );
    assert.ok(seam > 0, "ticks at speed 1 before the switch");
    assert.ok(
      gaps.slice(seam + 1).every((gap) => gap === 1250),
      "1,250 frames a tick after it",
    );
    assert.deepEqual(
      messages.filter((e) => [0xf2, 0xfb, 0xfc].includes(e.bytes[0])).map(hex),
      [],
      "no Stop, no pointer, no Continue: the clock runs on",
    );
    // An event at s seconds as recorded is on tick s × 48 (24 a beat at 120 bpm), on
    // either side of the switch. (The last of each: a note on at the switch is also
    // ended there.)
    const expected: [string, number][] = [
      ["91 24 5a", 2],
      ["81 24 00", 2.25],
      ["b0 40 7f", 5],
      ["99 3c 64", 12.5],
      ["89 3c 00", 13],
    ];
    for (const [bytes, seconds] of expected) {
      const event = messages.findLast((e) => hex(e) === bytes)!;
      const tick = ticks.findIndex((e) => e.at === event.at);
      const side = event.at < ticks[seam + 1].at ? "before" : "after";
      console.log(`midi out: ${bytes} on tick ${tick}, ${side} the switch`);
      assert.equal(tick, seconds * 48, `${bytes} on its tick's frame`);
    }
    const on = messages.find((e) => hex(e) === "99 3c 64")!;
    const off = messages.find((e) => hex(e) === "89 3c 00")!;
    assert.equal(off.at - on.at, 30000, "the note lasts 0.5 s ÷ 0.8");
  });
}
