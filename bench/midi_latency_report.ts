/**
 * MIDI-to-action latency on JACK, as a report that asserts nothing: a private jackd2 (dummy
 * driver, 64-frame periods), the engine playing on it, `serveMidi` on `stemplay:midi_in`, and
 * an independent JACK MIDI client (native/tests/midi_send.c) sending 500 notes mapped to
 * play/pause, 20 ms apart. The latency runs from the JACK cycle that delivered a message to the
 * moment its action was handed to the player (the transport request is then in the engine's
 * atomics, taken at the next block). Target (issue 17): p99 <= 2 ms.
 *
 * Run: deno run -A bench/midi_latency_report.ts (part of `deno task bench`; needs jackd2 and cc).
 *
 * @module
 */
import { serveMidi } from "../mod.ts";
import { JACK_PERIOD, JACK_RATE, withJackServer } from "../tests/support/jack.ts";
import { openJackPlayer } from "../tests/support/jack_player.ts";
import { MidiSender } from "../tests/support/midi_send.ts";
import { sleep } from "../tests/support/wait.ts";

const MESSAGES = 500;

await withJackServer(async (server) => {
  await using player = await openJackPlayer();
  player.addTrack([new Float32Array(60 * JACK_RATE)], { name: "silence" });
  const midi = await serveMidi(player, {
    input: "jack",
    map: [{ note: 60, action: "play" }, { note: 61, action: "pause" }],
  });
  const sender = await MidiSender.start(server);
  try {
    await server.connect(sender.port, "stemplay:midi_in");
    await sleep(200); // a new connection carries events from the next graph cycle on
    for (let i = 0; i < MESSAGES; i++) {
      await sender.send([0x90, i % 2 ? 61 : 60, 100]);
      await sleep(20);
    }
    await sleep(100);
    const { latency, dispatched, received, dropped } = midi.stats;
    console.log(
      `MIDI to action on JACK (${JACK_PERIOD}-frame periods): ${received} received, ` +
        `${dropped} dropped, ${dispatched} actions, ` +
        `p50 ${latency.p50Ms.toFixed(3)} ms, p99 ${latency.p99Ms.toFixed(3)} ms, ` +
        `max ${latency.maxMs.toFixed(3)} ms (target p99 <= 2 ms)`,
    );
  } finally {
    await sender.stop();
    await midi.close();
  }
});
