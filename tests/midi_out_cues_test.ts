/**
 * MIDI out's cues beyond the song's own, checked by jackd2's own `jack_midi_dump -a` on a real
 * jackd:
 * - the clock through a count-in and a pickup: ticks exactly 1,000 frames apart (120 bpm,
 *   48 kHz) from the count-in's first click, without Start, and Start on the first downbeat
 *   (song position 0), 2 s (one 4/4 bar) after the first tick;
 * - a setlist entry's own `midiEvents`: its program change arrives with the song's own, on the
 *   frame the song starts (a gapless song change);
 * - a bad setlist entry's `midiEvents` is a MANIFEST error with its key path.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSetlist, serveMidiOut, StemplayError } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { type DumpEvent, dumpPort, hex, stopDump } from "./support/midi_dump.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = JACK_RATE;
const TICK = 1000; // frames per clock tick at 120 bpm, 48 kHz
const BAR = 96 * TICK; // one 4/4 bar at 120 bpm

async function writeSong(dir: string, name: string, seconds: number, manifest: object) {
  const folder = join(dir, name);
  await Deno.mkdir(folder);
  const samples = new Float32Array(seconds * RATE).fill(0.01);
  await Deno.writeFile(join(folder, "a.wav"), encodeWav([samples], RATE, "f32"));
  await Deno.writeTextFile(
    join(folder, "song.json"),
    JSON.stringify({ tracks: [{ file: "a.wav", route: [1] }], tempo: 120, ...manifest }),
  );
  return folder;
}

/** The dump split at each Stop: one run per play. */
function runs(events: DumpEvent[]): DumpEvent[][] {
  const out: DumpEvent[][] = [[]];
  for (const event of events) {
    if (event.bytes[0] === 0xfc) out.push([]);
    else out.at(-1)!.push(event);
  }
  return out.filter((run) => run.length > 0);
}

{
  const name =
    "MIDI clock ticks through a count-in and a pickup without Start; Start on the downbeat";
  jackTest(name, ["jack_midi_dump"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-countin-clock-" });
    try {
      const plain = await writeSong(dir, "plain", 6, {});
      // A one-beat pickup: the first downbeat at 0.5 s.
      const pickup = await writeSong(dir, "pickup", 6, { firstBeat: 0.5 });
      await withJackServer(async (server) => {
        const player = await openJackPlayer();
        try {
          const out = await serveMidiOut(player);
          const dump = await dumpPort(server, out.port);
          for (const song of [plain, pickup]) {
            await player.loadSong(song);
            player.countIn = 1;
            await sleep(200);
            const starts = out.sent.starts;
            player.play();
            await waitFor("Start on the downbeat", () => out.sent.starts > starts);
            const ticks = out.sent.ticks;
            await waitFor("a second of the song", () => out.sent.ticks >= ticks + 60);
            player.stop();
            await sleep(300);
          }
          console.log(`midi out: sent ${JSON.stringify(out.sent)}`);
          await player.close();
          const played = runs(await stopDump(dump));
          assert.equal(played.length, 2, `two plays, got ${played.length}`);
          for (const [index, run] of played.entries()) {
            const what = index === 0 ? "count-in" : "count-in and pickup";
            const messages = run.filter((e) => e.bytes[0] !== 0xf8);
            console.log(
              `midi out: ${what}: ${run.length} events; messages: ` +
                messages.map((e) => `${e.at - run[0].at}: ${hex(e)}`).join(", "),
            );
            assert.deepEqual(messages.map(hex), ["fa"], `${what}: only Start, no pointer`);
            const ticks = run.filter((e) => e.bytes[0] === 0xf8);
            const first = ticks[0].at;
            assert.equal(run[0].bytes[0], 0xf8, `${what}: the first message is a tick`);
            let worst = 0;
            ticks.forEach((tick, k) => {
              worst = Math.max(worst, Math.abs(tick.at - (first + k * TICK)));
            });
            console.log(`midi out: ${what}: jitter over ${ticks.length} ticks: max ${worst}`);
            assert.equal(worst, 0, `${what}: every tick 1,000 frames after the one before`);
            const before = ticks.filter((tick) => tick.at < messages[0].at).length;
            assert.equal(before, 96, `${what}: 96 ticks (one bar) before Start`);
            assert.equal(messages[0].at, first + BAR, `${what}: Start on the first downbeat`);
            assert.ok(ticks.length > 96 + 48, `${what}: the clock ran on into the song`);
          }
        } finally {
          await player.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

{
  const name = "a setlist entry's midiEvents fire with the song's own, at that song's start";
  jackTest(name, ["jack_midi_dump"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-setlist-midi-" });
    try {
      await writeSong(dir, "A", 2, {});
      await writeSong(dir, "B", 4, {
        midiEvents: [{ at: "start", program: 5, channel: 1 }],
      });
      const setlist = join(dir, "set.json");
      await Deno.writeTextFile(
        setlist,
        JSON.stringify({
          songs: [
            { song: "A", transition: "next" },
            { song: "B", midiEvents: [{ at: "start", program: 7, channel: 2 }] },
          ],
        }),
      );
      await withJackServer(async (server) => {
        const player = await openJackPlayer();
        try {
          const out = await serveMidiOut(player);
          const dump = await dumpPort(server, out.port);
          await player.loadSetlist(setlist);
          await player.setlistReady();
          await sleep(200);
          player.play();
          await waitFor("B playing 1 s", () =>
            player.setlist?.index === 1 &&
            player.positionFrames >= RATE);
          player.stop();
          await sleep(300);
          await player.close();
          const messages = (await stopDump(dump)).filter((e) => e.bytes[0] !== 0xf8);
          console.log(
            `midi out: setlist: ${messages.map((e) => `${e.at}: ${hex(e)}`).join(", ")}`,
          );
          const starts = messages.filter((e) => e.bytes[0] === 0xfa);
          assert.equal(starts.length, 2, "Start for A, and again for B");
          assert.equal(starts[1].at - starts[0].at, 2 * RATE, "B starts 2 s after A");
          const songs = messages.filter((e) => (e.bytes[0] & 0xf0) === 0xc0);
          assert.deepEqual(songs.map(hex), ["c0 05", "c1 07"], "B's own, then the entry's");
          for (const program of songs) {
            assert.equal(program.at, starts[1].at, `${hex(program)} on B's first frame`);
          }
        } finally {
          await player.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

{
  const name =
    "one JACK client per engine carries its audio and midi_out; a second rig has its own";
  jackTest(name, [], async () => {
    await withJackServer(async (server) => {
      const first = await openJackPlayer();
      try {
        const second = await openJackPlayer();
        try {
          const [a, b] = [await serveMidiOut(first), await serveMidiOut(second)];
          console.log(`midi out: two rigs: ${a.port}, ${b.port}`);
          assert.match(a.port, /:midi_out$/);
          assert.notEqual(a.port, b.port, "each rig's engine client carries its own");
          const ports = await server.ports();
          for (const out of [a, b]) {
            const client = out.port.split(":")[0];
            assert.ok(ports.includes(`${client}:playback0`), `${client}'s audio: ${ports}`);
            assert.ok(ports.includes(out.port), `${out.port}: ${ports}`);
          }
        } finally {
          await second.close();
        }
      } finally {
        await first.close();
      }
    });
  });
}

Deno.test("a bad midiEvents in a setlist entry is a MANIFEST error with its key path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-setlist-midi-bad-" });
  try {
    await writeSong(dir, "A", 1, { markers: [{ name: "Chorus", at: 0.5 }] });
    const cases: [unknown, RegExp][] = [
      [[{ at: "start", program: 5 }], /songs\[0\]\.midiEvents\[1\]\.channel: is missing/],
      [
        [{ at: 0 }, { marker: "Bridge", cc: 1, value: 2, channel: 1 }],
        /songs\[0\]\.midiEvents\[1\]: needs one message/,
      ],
      [
        [{ marker: "Verse", cc: 1, value: 2, channel: 1 }],
        /songs\[0\]\.midiEvents\[1\]\.marker: must name a marker of the song \("Chorus"\)/,
      ],
      [[{ at: 1, bytes: [0x90, 60] }], /songs\[0\]\.midiEvents\[1\]\.bytes: is not valid MIDI/],
      ["x", /songs\[0\]\.midiEvents: must be an array/],
    ];
    for (const [midiEvents, message] of cases) {
      const path = join(dir, "set.json");
      await Deno.writeTextFile(path, JSON.stringify({ songs: [{ song: "A", midiEvents }] }));
      await assert.rejects(
        () => loadSetlist(path),
        (error) => {
          assert.ok(error instanceof StemplayError);
          assert.equal(error.code, "MANIFEST", error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    }
    // A good one is merged with the song's own, in time order.
    const path = join(dir, "set.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        songs: [{ song: "A", midiEvents: [{ marker: "Chorus", cc: 64, value: 127, channel: 1 }] }],
      }),
    );
    const setlist = await loadSetlist(path);
    assert.deepEqual(setlist.songs[0].description.midiEvents, [
      { at: 0.5, bytes: [0xb0, 64, 127], marker: "Chorus" },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
