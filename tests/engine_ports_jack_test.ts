/**
 * The three ports on the engine's JACK client (MIDI in, MTC, MIDI out: native/engine_port.c)
 * under attack on a real jackd: all closed at once while the device is reopened, closed twice,
 * two MIDI outs opened at once, all closed while the server is killed and the player retries,
 * and the player closed with a port open. Nothing crashes or hangs, the names stay, and the
 * audio plays on after each reopen.
 */
import assert from "node:assert/strict";
import { type Player, serveMidi, serveMidiOut, serveMtc, StemplayError } from "../mod.ts";
import { jackTest, withJackServer } from "./support/jack.ts";
import { writeRampSong } from "./support/jack_capture.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { sleep, waitFor } from "./support/wait.ts";

async function openPorts(player: Player) {
  const midi = await serveMidi(player, { input: "jack", map: [] });
  const mtc = await serveMtc(player, { fps: 25 });
  const out = await serveMidiOut(player);
  return { midi, mtc, out };
}

/** The audio still moves on the engine's (new) client. */
async function plays(player: Player, what: string): Promise<void> {
  const from = player.positionFrames;
  await waitFor(`audio ${what}`, () => player.positionFrames > from + 4800, 10000);
}

const name =
  "engine ports on JACK: MIDI in, MTC and MIDI out closed during reopens and a lost server";
jackTest(name, [], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-ports-" });
  try {
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      try {
        await player.loadSong(await writeRampSong(dir, 120));
        player.play();
        for (let round = 0; round < 4; round++) {
          const { midi, mtc, out } = await openPorts(player);
          assert.deepEqual(
            [midi.port, mtc.port, out.port],
            ["stemplay:midi_in", "stemplay:mtc_out", "stemplay:midi_out"],
          );
          // All three closed (MIDI out twice) while the device is reopened on another thread.
          const reopening = player.reopen();
          if (round % 2) await sleep(round * 5);
          await Promise.all([midi.close(), mtc.close(), out.close(), out.close()]);
          await reopening;
          await plays(player, `after reopen ${round + 1}`);
          const ports = await server.ports();
          assert.ok(
            !ports.some((port) => /^stemplay:(midi_in|mtc_out|midi_out)$/.test(port)),
            `closed ports left on the server: ${ports.join(", ")}`,
          );
        }
        // Two MIDI outs at once: one opens, the other is refused.
        const opened = await Promise.allSettled([serveMidiOut(player), serveMidiOut(player)]);
        assert.equal(opened.filter((o) => o.status === "fulfilled").length, 1);
        const refused = opened.find((o) => o.status === "rejected") as PromiseRejectedResult;
        assert.ok(refused.reason instanceof StemplayError && refused.reason.code === "MIDI_OUTPUT");
        await (opened.find((o) => o.status === "fulfilled") as PromiseFulfilledResult<
          Awaited<ReturnType<typeof serveMidiOut>>
        >).value.close();

        // The server killed with the three open: closed while the player retries its device.
        const { midi, mtc, out } = await openPorts(player);
        await server.kill();
        await waitFor("the loss", () => player.health.status !== "ok", 10000);
        assert.equal(out.last, undefined, "no song message sent: nothing to show");
        const reopening = player.reopen().catch(() => {}); // no server: it fails
        await Promise.all([midi.close(), mtc.close(), out.close()]);
        await reopening;
        // Opening a port now is an error (no JACK client), not a crash.
        await assert.rejects(() => serveMidiOut(player), StemplayError);
        // Closing the player closes a port still open: here one opened before the loss.
      } finally {
        await player.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
