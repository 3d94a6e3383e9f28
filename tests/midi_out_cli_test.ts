/**
 * MIDI out from the command line: stemplay.json's `midiOut` makes `stemplay play` open the
 * port on a real jackd; the play screen (in tmux) shows the port, the clock, and the last song
 * message sent in words and where in the song (the song's program change at its start), on the
 * engine's own JACK client `stemplay`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeWav } from "../src/sources/wav.ts";
import { CLI } from "./support/cli.ts";
import { JACK_OUTPUTS, JACK_PERIOD, JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { Pane } from "./support/tmux_pane.ts";

const name = "MIDI out in the CLI: stemplay.json's midiOut; the screen shows port and last sent";
jackTest(name, ["tmux"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-midiout-cli-" });
  const pane = new Pane(110, 40);
  try {
    const song = join(dir, "song");
    await Deno.mkdir(song);
    const tone = new Float32Array(20 * JACK_RATE).map((_, i) => 0.05 * Math.sin(i / 20));
    await Deno.writeFile(join(song, "tone.wav"), encodeWav([tone], JACK_RATE, "f32"));
    await Deno.writeTextFile(
      join(song, "song.json"),
      JSON.stringify({
        tracks: [{ file: "tone.wav", route: [1] }],
        tempo: 120,
        midiEvents: [{ at: "start", program: 5, channel: 1 }],
      }),
    );
    await Deno.writeTextFile(
      join(dir, "stemplay.json"),
      JSON.stringify({
        audio: { backend: "jack", channels: JACK_OUTPUTS, blockFrames: JACK_PERIOD },
        midiOut: { clock: true, offsetMs: 0 },
      }),
    );
    await withJackServer(async (server) => {
      await pane.start(dir);
      const env = Object.entries(server.env).map(([key, value]) => `${key}=${value}`).join(" ");
      await pane.type(`${env} ${Deno.execPath()} run -A ${CLI} play song; echo "exit=$?"`, true);
      // The engine's own JACK client: stemplay (the only rig on this server).
      await pane.waitFor((s) => /midi out: stemplay:midi_out {2}clock on$/m.test(s), "MIDI out");
      await pane.keys("Space");
      const screen = await pane.waitFor(
        (s) => s.includes("last: program 5 ch 1"),
        "the program change shown as the last message sent",
      );
      assert.match(
        screen,
        /midi out: stemplay:midi_out {2}last: program 5 ch 1 at 0:00\.0 {2}clock on/,
      );
      const ports = await server.ports();
      assert.ok(ports.includes("stemplay:midi_out"), ports.join(", "));
      const end = await pane.quit();
      assert.match(end, /exit=0/);
    });
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
});
