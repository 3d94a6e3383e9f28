/**
 * How long a rig is silent after its audio server comes back: a private PulseAudio server is
 * killed during playback, left down for a while, and started again, several times; for each
 * return, the time to the `devicerecovered` event and to the position moving again (audio).
 * Prints each run and the medians; asserts nothing. Run: deno run -A bench/device_recovery_time.ts
 * [runs]. Needs pulseaudio.
 */
import { Player } from "../mod.ts";
import { type PulseServer, SINK_CHANNELS, withPulseServer } from "../tests/support/pulse.ts";
import { sleep, waitFor } from "../tests/support/wait.ts";

const RATE = 48000;
const RUNS = Number(Deno.args[0] ?? 7);
/** Server down times, cycled: where the return falls in the backoff changes the wait. */
const DOWN_MS = [500, 1000, 1500, 2500, 4000];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

await withPulseServer(async (server) => {
  const player = await Player.open({
    backend: "pulseaudio",
    channels: SINK_CHANNELS,
    sampleRate: RATE,
    blockFrames: 512,
    recovery: "where-lost",
  });
  try {
    await measure(server, player);
  } finally {
    await player.close();
  }
});

/** Kills and restarts the server RUNS times while the player plays; prints each return. */
async function measure(server: PulseServer, player: Player): Promise<void> {
  const toRecovered: number[] = [];
  const toAudio: number[] = [];
  player.addTrack([new Float32Array(600 * RATE).fill(0.1)], { name: "pad", route: [1] });
  player.play();
  await waitFor("playback", () => player.positionFrames > RATE / 2, 20000);
  for (let run = 0; run < RUNS; run++) {
    await server.kill();
    await waitFor("the loss", () => player.state === "error", 10000);
    const position = player.positionFrames;
    const down = DOWN_MS[run % DOWN_MS.length];
    await sleep(down);
    let recoveredAt = 0;
    const onRecovered = () => recoveredAt = performance.now();
    player.addEventListener("devicerecovered", onRecovered, { once: true });
    await server.restart();
    const backAt = performance.now();
    await waitFor("audio", () => player.positionFrames !== position, 30000);
    const audioAt = performance.now();
    toRecovered.push(recoveredAt - backAt);
    toAudio.push(audioAt - backAt);
    console.log(
      `run ${run + 1}: down ${down} ms; reopened ${(recoveredAt - backAt).toFixed(0)} ms and ` +
        `audio ${(audioAt - backAt).toFixed(0)} ms after the server returned`,
    );
    await waitFor("1 s of playback", () => player.positionFrames > position + RATE, 20000);
  }
  console.log(
    `median over ${RUNS} returns: reopened ${median(toRecovered).toFixed(0)} ms, audio ` +
      `${median(toAudio).toFixed(0)} ms after the server returned`,
  );
}
