/**
 * One JACK client: with the engine on JACK, its audio ports, MIDI in (`midi_in`), MIDI out
 * (`midi_out`) and MTC (`mtc_out`) are all ports of one client named `stemplay`, read and
 * written in the same process cycle. A private jackd2 is started by each test; jack_lsp (an
 * independent client) lists what the server has; native/tests/midi_send.c (another independent
 * client) plays a note mapped to an action. A second rig on the same server gets JACK's renamed
 * client and reports its ports; an engine not on JACK keeps MIDI in on its own client `stemplay`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveMidi, serveMidiOut, serveMtc } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { JACK_OUTPUTS, JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { MidiSender } from "./support/midi_send.ts";
import { waitFor } from "./support/wait.ts";

/** A one-second song with a tempo, so MIDI out has a clock to send. */
async function writeToneSong(dir: string): Promise<string> {
  const folder = join(dir, "tone");
  await Deno.mkdir(folder, { recursive: true });
  const samples = new Float32Array(4 * JACK_RATE).fill(0.05);
  await Deno.writeFile(join(folder, "tone.wav"), encodeWav([samples], JACK_RATE, "f32"));
  await Deno.writeTextFile(
    join(folder, "song.json"),
    JSON.stringify({ title: "tone", tracks: [{ file: "tone.wav", route: [1] }], tempo: 120 }),
  );
  return folder;
}

/** The clients of `ports` ("client:port"), other than the server's own `system`. */
function clientsOf(ports: string[]): Set<string> {
  return new Set(
    ports.map((port) => port.slice(0, port.indexOf(":"))).filter((c) => c !== "system"),
  );
}

{
  const name =
    "One JACK client: stemplay carries the audio ports, midi_in, midi_out and mtc_out; a mapped note plays";
  jackTest(name, ["jack_lsp", "cc", "jack_connect"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-oneclient-" });
    try {
      await withJackServer(async (server) => {
        const player = await openJackPlayer();
        const sender = await MidiSender.start(server);
        try {
          const frames: number[] = [];
          const midi = await serveMidi(player, {
            map: [{ note: 60, action: "play" }, { note: 61, action: "pause" }],
            onMessage: (_message, _action, { frame }) => frames.push(frame),
          });
          const out = await serveMidiOut(player, {});
          const mtc = await serveMtc(player, { fps: 25 });
          assert.equal(midi.port, "stemplay:midi_in");
          assert.equal(out.port, "stemplay:midi_out");
          assert.equal(mtc.port, "stemplay:mtc_out");
          const ports = await server.ports();
          for (let c = 0; c < JACK_OUTPUTS; c++) {
            assert.ok(ports.includes(`stemplay:playback${c}`), `no stemplay:playback${c}`);
          }
          for (const port of ["stemplay:midi_in", "stemplay:midi_out", "stemplay:mtc_out"]) {
            assert.ok(ports.includes(port), `no ${port}: ${ports.join(", ")}`);
          }
          // Only the engine's client and the test's sender: no second client of ours.
          assert.deepEqual(
            [...clientsOf(ports)].sort(),
            ["midisend", "stemplay"],
            ports.join(", "),
          );

          await player.loadSong(await writeToneSong(dir));
          await server.connect(sender.port, midi.port);
          // Read in the audio callback with its frame in the JACK cycle.
          await sender.sendInOneCycle([{ bytes: [0x90, 60, 100], offset: 37 }]);
          await waitFor("the note to play the song", () => player.state === "playing");
          assert.deepEqual(frames, [37], "the note's frame in its cycle");
          await waitFor("MIDI out's clock", () => out.sent.ticks > 0);
          await waitFor("MTC", () => mtc.counters.quarterFrames > 0);
          assert.equal(midi.stats.dispatched, 1);

          // A device reopened by hand (here on the same server, so JACK may rename the new
          // client while the old one still plays): every port moves onto the new client, all
          // on one client, found by what the player reports; a note still plays.
          await player.reopen({ backend: "jack" });
          const client = midi.port.slice(0, midi.port.indexOf(":"));
          assert.equal(out.port, `${client}:midi_out`);
          assert.equal(mtc.port, `${client}:mtc_out`);
          const reopened = await server.ports();
          for (const port of [`${client}:playback0`, midi.port, out.port, mtc.port]) {
            assert.ok(reopened.includes(port), `no ${port} after a reopen: ${reopened}`);
          }
          assert.deepEqual([...clientsOf(reopened)].sort(), ["midisend", client].sort());
          await server.connect(sender.port, midi.port); // connections went with the old client
          await sender.send([0x90, 61, 100]);
          await waitFor("the note to pause the song", () => player.state === "paused");

          // Off JACK and back: the ports go with the client, and come back with the next one
          // (the old client is gone, so JACK gives the name stemplay again).
          await player.reopen({ backend: "null" });
          assert.deepEqual([...clientsOf(await server.ports())], ["midisend"]);
          await player.reopen({ backend: "jack" });
          assert.equal(midi.port, "stemplay:midi_in");
          assert.equal(out.port, "stemplay:midi_out");
          assert.equal(mtc.port, "stemplay:mtc_out");
          const back = await server.ports();
          for (const port of [midi.port, out.port, mtc.port]) {
            assert.ok(back.includes(port), `no ${port} back on JACK: ${back}`);
          }
          await server.connect(sender.port, midi.port);
          await sender.send([0x90, 60, 100]);
          await waitFor("the note to play again", () => player.state === "playing");
          await midi.close();
          assert.ok(!(await server.ports()).includes(midi.port), "midi_in outlived");
          assert.ok((await server.ports()).includes("stemplay:playback0"), "the audio went");
        } finally {
          await sender.stop();
          await player.close();
        }
        assert.deepEqual([...clientsOf(await server.ports())], [], "a client outlived");
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

{
  const name =
    "One JACK client: a second rig on the server gets JACK's renamed client, and reports its ports";
  jackTest(name, ["jack_lsp", "cc", "jack_connect"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-oneclient2-" });
    try {
      await withJackServer(async (server) => {
        const first = await Player.open({ backend: "jack", channels: JACK_OUTPUTS });
        const second = await Player.open({ backend: "jack", channels: JACK_OUTPUTS });
        const sender = await MidiSender.start(server);
        try {
          const firstMidi = await serveMidi(first, { map: [{ note: 60, action: "play" }] });
          const secondMidi = await serveMidi(second, { map: [{ note: 61, action: "play" }] });
          assert.equal(firstMidi.port, "stemplay:midi_in");
          // JACK's name for the second client (jackd2: "stemplay-01"), whatever it is: the
          // port is on the client that carries the second engine's audio.
          const client = secondMidi.port.slice(0, secondMidi.port.indexOf(":"));
          assert.notEqual(client, "stemplay");
          assert.match(client, /^stemplay/);
          const ports = await server.ports();
          assert.ok(ports.includes(secondMidi.port), `${secondMidi.port}: ${ports.join(", ")}`);
          assert.ok(ports.includes(`${client}:playback0`), ports.join(", "));
          assert.deepEqual(
            [...clientsOf(ports)].sort(),
            ["midisend", "stemplay", client].sort(),
          );
          const song = await writeToneSong(dir);
          await first.loadSong(song);
          await second.loadSong(song);
          await server.connect(sender.port, secondMidi.port);
          await sender.send([0x90, 61, 100]);
          await waitFor("the second rig to play", () => second.state === "playing");
          assert.equal(first.state, "stopped", "the first rig heard the second's note");
        } finally {
          await sender.stop();
          await second.close();
          await first.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

{
  const name = "One JACK client: an engine not on JACK keeps MIDI in on its own JACK client";
  jackTest(name, ["jack_lsp", "cc", "jack_connect"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-oneclient3-" });
    try {
      await withJackServer(async (server) => {
        const player = await Player.open({ backend: "null" });
        const sender = await MidiSender.start(server);
        try {
          const frames: number[] = [];
          const midi = await serveMidi(player, {
            input: "jack",
            map: [{ note: 60, action: "play" }],
            onMessage: (_message, _action, { frame }) => frames.push(frame),
          });
          assert.equal(midi.port, "stemplay:midi_in");
          const ports = await server.ports();
          assert.deepEqual([...clientsOf(ports)].sort(), ["midisend", "stemplay"]);
          assert.ok(!ports.some((p) => p.startsWith("stemplay:playback")), ports.join(", "));
          await player.loadSong(await writeToneSong(dir));
          await server.connect(sender.port, midi.port);
          await sender.sendInOneCycle([{ bytes: [0x90, 60, 100], offset: 5 }]);
          await waitFor("the note to play the song", () => player.state === "playing");
          assert.deepEqual(frames, [5], "the note's frame in its cycle");
        } finally {
          await sender.stop();
          await player.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
