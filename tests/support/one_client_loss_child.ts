/**
 * Run by tests/one_client_loss_test.ts in a process of its own: a killed server leaves libjack's
 * shared memory mapped in the process that was its client, and every later JACK client in that
 * process failed ("Cannot open shm segment"), so the rest of the suite must not share it.
 *
 * One JACK client through a lost server: with MIDI in, MIDI out and MTC all on the engine's
 * client `stemplay`, a private jackd2 is killed with SIGKILL while the song plays (the device is
 * lost, its client dead), started again under the same name (the player recovers by itself onto
 * a new client), and every port comes back on it: a note from an independent client
 * (native/tests/midi_send.c) plays, MTC runs again. Then the server is killed once more and
 * player.close() returns with all three open, and nothing of ours outlives it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMidi, serveMidiOut, serveMtc } from "../../mod.ts";
import { encodeWav } from "../../src/sources/wav.ts";
import { JACK_RATE, JackServer, jackTest } from "./jack.ts";
import { openJackPlayer } from "./jack_player.ts";
import { MidiSender } from "./midi_send.ts";
import { sleep, waitFor } from "./wait.ts";

const name =
  "One JACK client: a killed and restarted server takes midi_in, midi_out and mtc_out along; close() after a second kill returns";
jackTest(name, ["jack_lsp", "cc", "jack_connect"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-oneclient-loss-" });
  let server = await JackServer.start();
  const previous = Deno.env.get("JACK_DEFAULT_SERVER");
  Deno.env.set("JACK_DEFAULT_SERVER", server.name);
  Deno.env.set("JACK_NO_START_SERVER", "1");
  try {
    const folder = join(dir, "tone");
    await Deno.mkdir(folder);
    await Deno.writeFile(
      join(folder, "tone.wav"),
      encodeWav([new Float32Array(60 * JACK_RATE).fill(0.05)], JACK_RATE, "f32"),
    );
    await Deno.writeTextFile(
      join(folder, "song.json"),
      JSON.stringify({ title: "tone", tracks: [{ file: "tone.wav", route: [1] }], tempo: 120 }),
    );
    const player = await openJackPlayer();
    try {
      const midi = await serveMidi(player, { map: [{ note: 61, action: "pause" }] });
      const out = await serveMidiOut(player, {});
      const mtc = await serveMtc(player, { fps: 25 });
      await player.loadSong(folder);
      await player.play();
      await waitFor("MTC", () => mtc.counters.quarterFrames > 0);

      const lost = new Promise((resolve) => player.addEventListener("devicelost", resolve));
      const recovered = new Promise((resolve) =>
        player.addEventListener("devicerecovered", resolve)
      );
      await server.kill();
      await lost;
      server = await JackServer.start({ name: server.name });
      await recovered;
      // The ports on the new client, under the names the player reports.
      let ports: string[] = [];
      for (let i = 0; i < 300; i++) {
        ports = await server.ports();
        if ([midi.port, out.port, mtc.port].every((port) => ports.includes(port))) break;
        await sleep(50);
      }
      for (const port of [midi.port, out.port, mtc.port]) {
        assert.ok(ports.includes(port), `no ${port} after the recovery: ${ports.join(", ")}`);
      }
      const sent = mtc.counters.quarterFrames;
      await waitFor("MTC after the recovery", () => mtc.counters.quarterFrames > sent);
      const sender = await MidiSender.start(server);
      try {
        await server.connect(sender.port, midi.port);
        await sender.send([0x90, 61, 100]);
        await waitFor("the note to pause the song", () => player.state === "paused");
      } finally {
        await sender.stop();
      }

      // Lost again, with all three open: close() returns.
      await server.kill();
      await waitFor("the loss", () => player.health.status !== "ok");
    } finally {
      await player.close();
    }
  } finally {
    if (previous === undefined) Deno.env.delete("JACK_DEFAULT_SERVER");
    else Deno.env.set("JACK_DEFAULT_SERVER", previous);
    await server.stop(); // killed: stop() gives its registry slot back (tests/support/jack.ts)
    await Deno.remove(dir, { recursive: true });
  }
});
