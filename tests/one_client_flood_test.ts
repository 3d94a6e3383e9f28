/**
 * MIDI in on the engine's JACK client under a flood: jack_midiseq (an independent JACK client)
 * plays 800 messages every 64-frame cycle into `stemplay:midi_in`, more than the input's queue
 * (1024 slots) takes between two looks of the control side. Messages that do not fit are
 * counted as dropped, every message queued reaches serveMidi (received = queued + dropped +
 * skipped, and every queued one is parsed in JS once the flood ends), the player answers
 * meanwhile, and afterwards a mapped note from native/tests/midi_send.c still plays.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMidi } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { JACK_PERIOD, JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { MidiSender } from "./support/midi_send.ts";
import { signalAndWait } from "./support/pid.ts";
import { sleep, waitFor } from "./support/wait.ts";

const name =
  "One JACK client: a MIDI flood from jack_midiseq is counted, drained to the last message, and a note plays after";
jackTest(name, ["jack_midiseq", "cc", "jack_connect"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-oneclient-flood-" });
  try {
    const folder = join(dir, "tone");
    await Deno.mkdir(folder);
    await Deno.writeFile(
      join(folder, "tone.wav"),
      encodeWav([new Float32Array(4 * JACK_RATE).fill(0.05)], JACK_RATE, "f32"),
    );
    await Deno.writeTextFile(
      join(folder, "song.json"),
      JSON.stringify({ title: "tone", tracks: [{ file: "tone.wav", route: [1] }] }),
    );
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      const sender = await MidiSender.start(server);
      try {
        await player.loadSong(folder);
        const midi = await serveMidi(player, { map: [{ note: 60, action: "play" }] });
        // 400 notes of one frame each in a loop of one cycle: 800 messages a cycle.
        const notes = Array.from(
          { length: 400 },
          (_, i) => [String(i % JACK_PERIOD), String(70 + (i % 10)), "1"],
        ).flat();
        const flood = new Deno.Command("jack_midiseq", {
          args: ["flood", String(JACK_PERIOD), ...notes],
          env: server.env,
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        try {
          for (let i = 0; i < 100; i++) {
            if ((await server.ports()).includes("flood:out")) break;
            await sleep(50);
          }
          await server.connect("flood:out", midi.port);
          await waitFor("a flood", () => midi.stats.received > 100_000, 30_000);
          assert.equal(player.state, "stopped", "an unmapped note acted");
        } finally {
          await signalAndWait(flood.pid, "SIGTERM");
          await signalAndWait(flood.pid, "SIGKILL");
          await flood.status;
        }
        const queued = () => {
          const s = midi.stats;
          return s.received - s.sysex - s.system - s.malformed - s.dropped;
        };
        const parsed = () => {
          const s = midi.stats;
          return s.unknown + s.unmapped + s.debounced + s.dispatched;
        };
        await waitFor("every queued message to reach serveMidi", () => parsed() === queued());
        const stats = midi.stats;
        console.log(
          `flood: ${stats.received} received, ${stats.dropped} dropped, ${stats.unmapped} unmapped`,
        );
        assert.ok(stats.dropped > 0, "the flood never filled the queue");
        await server.connect(sender.port, midi.port);
        await sender.send([0x90, 60, 100]);
        await waitFor("the note to play the song", () => player.state === "playing");
      } finally {
        await sender.stop();
        await player.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
