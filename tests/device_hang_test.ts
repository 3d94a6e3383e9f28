/**
 * A hung audio server must not hang the program. PulseAudio frozen with SIGSTOP keeps its socket
 * open and never answers: opening, starting and tearing down a device then block inside the
 * backend forever. They run on native helper threads with a deadline: `reopen()` and
 * `Player.open()` reject with TIMEOUT, JS stays responsive meanwhile, and `close()` returns.
 * The same with a server killed by SIGKILL. Nothing here asserts a duration: a hang would show
 * as a test that never ends, so each wait has a generous guard that fails with a message.
 */
import assert from "node:assert/strict";
import { listDevices, Player, StemplayError } from "../mod.ts";
import { type PulseServer, SINK_CHANNELS, withPulseServer } from "./support/pulse.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { waitFor, within } from "./support/wait.ts";

const RATE = 48000;
const GUARD_MS = 30000;

/** Resolves as `promise` does, or fails the test if it has not settled after GUARD_MS. */
function returns<T>(what: string, promise: Promise<T>): Promise<T> {
  return within(`${what} did not return`, promise, GUARD_MS);
}

/** Counts event-loop ticks while `promise` runs: JS stays responsive if they keep coming. */
async function ticksDuring<T>(promise: Promise<T>): Promise<{ ticks: number; result: T }> {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 20);
  try {
    return { result: await promise, ticks };
  } finally {
    clearInterval(ticker);
  }
}

async function playingOnStage(): Promise<Player> {
  const player = await Player.open({
    backend: "pulseaudio",
    channels: SINK_CHANNELS,
    sampleRate: RATE,
    blockFrames: 512,
  });
  player.addTrack([new Float32Array(30 * RATE).fill(0.1)], { name: "pad", route: [1] });
  player.play();
  await waitFor("playback", () => player.positionFrames >= RATE / 2, 10000);
  return player;
}

async function withServer(name: string, fn: (server: PulseServer) => Promise<void>) {
  requireTool("pulseaudio", name);
  await withPulseServer(fn);
}

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  };
}

const frozen =
  "hung server (SIGSTOP): reopen and open reject with TIMEOUT, JS responsive, close returns";
Deno.test({
  name: frozen,
  ignore: ignoreWithout("pulseaudio", frozen),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer(frozen, async (server) => {
      const player = await playingOnStage();
      try {
        server.freeze();
        await waitFor("the loss", () => player.state === "error", 10000);
        assert.equal(player.health.status, "recovering");

        const reopen = await ticksDuring(
          returns("reopen()", player.reopen().then(() => null, (error) => error)),
        );
        isCode("TIMEOUT")(reopen.result);
        assert.ok(reopen.ticks > 0, "the event loop stood still while reopen() waited");
        assert.match(player.health.lastError?.message ?? "", /did not answer/);
        assert.equal(player.state, "error");

        await assert.rejects(
          returns("Player.open()", Player.open({ backend: "pulseaudio", channels: 4 })),
          isCode("TIMEOUT"),
        );
        assert.ok(player.native.sp_abandoned_outputs() > 0, "no open was left hanging");
      } finally {
        await returns("close()", player.close());
      }
      assert.equal(player.closed, true);
    });
  },
});

const listing = "hung server (SIGSTOP): listing devices rejects with TIMEOUT, JS responsive";
Deno.test({
  name: listing,
  ignore: ignoreWithout("pulseaudio", listing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer(listing, async (server) => {
      // Answers while the server runs (the same call device recovery makes to find a device).
      assert.ok((await listDevices({ backend: "pulseaudio" })).length > 0);
      server.freeze();
      const listed = await ticksDuring(
        returns("listDevices()", listDevices({ backend: "pulseaudio" }).then(() => null, (e) => e)),
      );
      isCode("TIMEOUT")(listed.result);
      assert.ok(listed.ticks > 0, "the event loop stood still while listDevices() waited");
    });
  },
});

const killed = "dead server (SIGKILL): reopen rejects, close returns";
Deno.test({
  name: killed,
  ignore: ignoreWithout("pulseaudio", killed),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer(killed, async (server) => {
      const player = await playingOnStage();
      try {
        await server.kill();
        await waitFor("the loss", () => player.state === "error", 10000);
        await assert.rejects(returns("reopen()", player.reopen()), (error: unknown) => {
          assert.ok(error instanceof StemplayError, String(error));
          return true;
        });
        assert.equal(player.state, "error");
      } finally {
        await returns("close()", player.close());
      }
      assert.equal(player.closed, true);
    });
  },
});

const thawed = "a server frozen, then running again: the player recovers by itself";
Deno.test({
  name: thawed,
  ignore: ignoreWithout("pulseaudio", thawed),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer(thawed, async (server) => {
      const player = await playingOnStage();
      try {
        server.freeze();
        await waitFor("the loss", () => player.state === "error", 10000);
        await waitFor(
          "a retry that timed out",
          () => /did not answer/.test(player.health.lastError?.message ?? ""),
          30000,
        );
        server.thaw();
        await waitFor("the recovery", () => player.health.status === "ok", 30000);
        assert.equal(player.health.recoveries, 1);
        const position = player.positionFrames;
        await waitFor("playback again", () => player.positionFrames > position + RATE / 2, 10000);
        assert.equal(player.state, "playing");
      } finally {
        await returns("close()", player.close());
      }
    });
  },
});
