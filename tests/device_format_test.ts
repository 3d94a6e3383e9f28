/**
 * Nothing is remixed behind the user's back: a device that runs another channel count than the
 * engine renders is refused with FORMAT (miniaudio would fold a 4-output mix into 2 channels, an
 * in-ear click into front of house). On a private PulseAudio server with the 4-channel "stage"
 * sink and a 2-channel "pair" sink.
 */
import assert from "node:assert/strict";
import { Player, StemplayError } from "../mod.ts";
import { SINK_CHANNELS, withPulseServer } from "./support/pulse.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = 48000;

async function withServer(name: string, fn: () => Promise<void>): Promise<void> {
  requireTool("pulseaudio", name);
  await withPulseServer(fn, { extraSinks: [{ name: "pair", channels: 2 }] });
}

function isFormat(found: number, needs: number) {
  return (error: unknown) => {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, "FORMAT", error.message);
    assert.match(error.message, new RegExp(`runs ${found} channels`), error.message);
    assert.match(error.message, new RegExp(`needs ${needs} channels`), error.message);
    return true;
  };
}

const reopenName = "FORMAT: a 4-output engine reopened onto a 2-channel sink is refused, untouched";
Deno.test({
  name: reopenName,
  ignore: ignoreWithout("pulseaudio", reopenName),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer(reopenName, async () => {
      const player = await Player.open({
        backend: "pulseaudio",
        channels: SINK_CHANNELS,
        sampleRate: RATE,
        blockFrames: 512,
      });
      try {
        const deviceName = player.deviceName;
        const click = new Float32Array(20 * RATE).map((_, i) => i % 4800 < 48 ? 0.5 : 0);
        player.addTrack([click], { name: "click", route: [2] });
        player.play();
        await waitFor("playback", () => player.positionFrames >= RATE / 2, 10000);

        await assert.rejects(player.reopen({ device: "pair" }), isFormat(2, 4));

        // Untouched: the same device, still playing, still moving, health fine.
        assert.equal(player.deviceName, deviceName);
        assert.equal(player.state, "playing");
        assert.equal(player.health.status, "ok");
        assert.equal(player.tracks.length, 1);
        const before = player.positionFrames;
        await sleep(300);
        assert.ok(player.positionFrames > before, "the engine stopped on its own device");
      } finally {
        await player.close();
      }
    });
  },
});

const openName = "FORMAT: opening 4 channels on a 2-channel sink is refused (2 on it is fine)";
Deno.test({
  name: openName,
  ignore: ignoreWithout("pulseaudio", openName),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer(openName, async () => {
      await assert.rejects(
        Player.open({ backend: "pulseaudio", device: "pair", channels: 4, sampleRate: RATE }),
        isFormat(2, 4),
      );
      await assert.rejects(
        Player.open({ backend: "pulseaudio", device: "stage", channels: 2, sampleRate: RATE }),
        isFormat(4, 2),
      );
      const stereo = await Player.open({ backend: "pulseaudio", device: "pair", channels: 2 });
      try {
        assert.equal(stereo.channels, 2);
      } finally {
        await stereo.close();
      }
      // Without an explicit count the engine takes the device's.
      const own = await Player.open({ backend: "pulseaudio", device: "pair" });
      try {
        assert.equal(own.channels, 2);
      } finally {
        await own.close();
      }
    });
  },
});
