/**
 * `midi.confirm` (issue 23): with it, a pedal's stop while playing needs a second press 150 ms
 * to 2 s after the first, as the keys and the remote do, and the first press says so on every
 * screen (`notice`, and the action listeners with the surface named "midi"). Through a private
 * jackd2 and an independent JACK MIDI client wired to `stemplay:midi_in`.
 */
import assert from "node:assert/strict";
import { ControlSurface, serveMidi } from "../mod.ts";
import { jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { MidiSender } from "./support/midi_send.ts";
import { writeShow } from "./support/show_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

const name = "MIDI with confirm: stop while playing needs a second press 150 ms to 2 s later";
jackTest(name, ["cc", "jack_connect"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-midi-confirm-" });
  try {
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      const midi = await serveMidi(player, {
        input: "jack",
        map: [{ note: 60, action: "play" }, { note: 63, action: "stop" }],
        confirm: true,
      });
      const sender = await MidiSender.start(server);
      const heard: string[] = [];
      const stopListening = ControlSurface.for(player).onAction((event) =>
        heard.push(`${event.source}: ${event.message}`)
      );
      try {
        await server.connect(sender.port, "stemplay:midi_in");
        await player.loadSetlist(await writeShow(dir));
        await sender.send([0x90, 60, 100]);
        await waitFor("play", () => player.state === "playing");
        await sender.send([0x90, 63, 100]);
        await waitFor("the question", () => heard.includes("midi: press again to stop"));
        assert.equal(ControlSurface.for(player).status().notice, "midi: press again to stop");
        await sleep(300);
        assert.equal(player.state, "playing");
        await sender.send([0x90, 63, 100]);
        await waitFor("stopped", () => player.state === "stopped");
        assert.match(heard.at(-1)!, /^midi: stopped at the start/);
        assert.equal(midi.stats.failed, 0, String(midi.lastError));
      } finally {
        stopListening();
        await sender.stop();
        await midi.close();
        await player.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { sanitize: true });
