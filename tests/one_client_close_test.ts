/**
 * One JACK client, closed while opening: serveMidi and serveMtc open their port on the engine's
 * JACK client on a native worker thread. A player.close() begun while that open is in flight
 * must not leave an input or output on a freed engine: the open rejects with CLOSED, its port
 * is gone with the client, and nothing keeps running (the resource and op sanitizers are on:
 * MIDI in's 1 ms poll would outlive the test). A private jackd2 is started by the test.
 */
import assert from "node:assert/strict";
import { serveMidi, serveMidiOut, serveMtc, StemplayError } from "../mod.ts";
import { jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";

/** The open's outcome: the error it rejected with, or the output it opened (then closed). */
async function outcome(pending: Promise<{ close(): Promise<void> }>): Promise<unknown> {
  try {
    const opened = await pending;
    await opened.close();
    return opened;
  } catch (error) {
    return error;
  }
}

{
  const name =
    "One JACK client: serveMidi and serveMtc in flight when the player closes reject with CLOSED, nothing outlives";
  jackTest(name, ["jack_lsp"], async () => {
    await withJackServer(async (server) => {
      for (const open of ["midi", "mtc"] as const) {
        const player = await openJackPlayer();
        const pending = open === "midi"
          ? serveMidi(player, { map: [{ note: 60, action: "play" }] })
          : serveMtc(player, { fps: 25 });
        const closing = player.close(); // while the port is being registered
        const result = await outcome(pending);
        await closing;
        assert.ok(
          result instanceof StemplayError && result.code === "CLOSED",
          `${open}: an open in flight at close gave ${result}`,
        );
        const ports = await server.ports();
        assert.ok(!ports.some((port) => port.startsWith("stemplay")), `${open}: ${ports}`);
      }
    });
  }, { sanitize: true });
}

{
  const name =
    "One JACK client: a second serveMidi/serveMtc is refused and leaves the first working; player.close() with all three open leaves nothing running";
  jackTest(name, ["jack_lsp"], async () => {
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      const midi = await serveMidi(player, { map: [{ note: 60, action: "play" }] });
      await serveMidiOut(player, {});
      const mtc = await serveMtc(player, { fps: 25 });
      // Opened twice at once, and once more after: one input and one MTC output per client.
      const twice = await Promise.all([
        outcome(serveMidi(player, { map: [{ note: 61, action: "pause" }] })),
        outcome(serveMidi(player, { map: [{ note: 61, action: "pause" }] })),
        outcome(serveMtc(player, { fps: 25 })),
      ]);
      for (const result of twice) {
        assert.ok(result instanceof StemplayError, `a second open gave ${result}`);
      }
      const ports = await server.ports();
      for (const port of [midi.port, mtc.port, "stemplay:midi_out"]) {
        assert.ok(ports.includes(port), `no ${port} after the refused opens: ${ports}`);
      }
      await player.close(); // closes MIDI in, MIDI out and MTC first; the sanitizers are on
      const after = await server.ports();
      assert.ok(!after.some((port) => port.startsWith("stemplay")), `${after}`);
    });
  }, { sanitize: true });
}
