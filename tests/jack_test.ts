/**
 * On a real JACK server at small blocks: a private jackd2 (dummy driver, 48 kHz, 64-frame
 * periods, 8 playback ports) started by the test. Eight mono noise stems play through the
 * "jack" backend, each routed to a different output in a shuffled order; `jack_rec`, an
 * independent JACK client, records the engine's 8 output ports (client `stemplay`); the recording is aligned with
 * the offline render of the same song and must match it on every frame of every output.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { decodeWav } from "./support/wav_reader.ts";
import {
  JACK_OUTPUTS,
  JACK_PERIOD,
  JACK_RATE,
  JackRecording,
  jackTest,
  withJackServer,
} from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { crossCorrelationLag, maxAbsError, noise, peak } from "./support/align.ts";
import { sleep, waitFor } from "./support/wait.ts";

const SONG_FRAMES = 4 * JACK_RATE;
/** 32-bit integer WAV from jack_rec: exact to 2^-31, plus float rounding. */
const TOLERANCE = 1e-6;
/** Stem k plays on output ROUTE[k] (1-based): a shuffle, so a swapped route shows. */
const ROUTE = [3, 7, 1, 8, 2, 5, 4, 6];

function stems(): Float32Array[] {
  return ROUTE.map((_, k) => noise(20 + k, SONG_FRAMES, 0.25));
}

function addStems(player: Player, sources: Float32Array[]): void {
  sources.forEach((pcm, k) => player.addTrack([pcm], { name: `stem ${k}`, route: [ROUTE[k]] }));
}

const name = "JACK: 8 outputs at 64-frame blocks, sample-exact against the offline render";
jackTest(name, ["jack_rec", "jack_lsp"], async () => {
  const sources = stems();
  let wav: Uint8Array = new Uint8Array();
  await withJackServer(async (server) => {
    const player = await openJackPlayer({
      latencyMonitor: true,
    });
    try {
      assert.equal(player.backendName, "JACK");
      assert.equal(player.channels, JACK_OUTPUTS);
      assert.equal(player.blockFrames, JACK_PERIOD);
      const ports = Array.from({ length: JACK_OUTPUTS }, (_, c) => `stemplay:playback${c}`);
      const listed = await server.ports();
      for (const port of ports) assert.ok(listed.includes(port), `no port ${port}: ${listed}`);
      addStems(player, sources);
      const recording = await JackRecording.start(server, ports, 7);
      await sleep(1000); // jack_rec connects and starts writing
      player.play();
      await waitFor("the song to end", () => player.state === "ended", 30000);
      const stats = player.latencyStats();
      console.log(
        `jack: ${stats.callbacks} callbacks, ${stats.overruns} overruns, ` +
          `p99 ${stats.p99Ms.toFixed(3)} ms`,
      );
      wav = await recording.finish();
    } finally {
      await player.close();
    }
  });

  const offline = await Player.open({
    backend: "offline",
    channels: JACK_OUTPUTS,
    sampleRate: JACK_RATE,
    blockFrames: JACK_PERIOD,
  });
  addStems(offline, sources);
  offline.play();
  const reference = offline.render(SONG_FRAMES + JACK_PERIOD);
  await offline.close();
  // The render is the routing's meaning: output ROUTE[k] holds exactly stem k.
  ROUTE.forEach((output, k) => {
    assert.ok(
      maxAbsError(reference[output - 1], sources[k], 0, 0, SONG_FRAMES) <= 1e-7,
      `offline output ${output} is not stem ${k}`,
    );
  });

  const decoded = decodeWav(wav);
  assert.equal(decoded.sampleRate, JACK_RATE);
  assert.equal(decoded.channels.length, JACK_OUTPUTS);
  const captured = decoded.channels;
  const lag = crossCorrelationLag(captured[0], reference[0], JACK_RATE, 2048);
  assert.ok(lag >= 0, `the recording starts after the song (lag ${lag})`);
  assert.ok(
    lag + SONG_FRAMES <= captured[0].length,
    `the recording (${captured[0].length} frames) ends before the song (lag ${lag})`,
  );
  for (let c = 0; c < JACK_OUTPUTS; c++) {
    const error = maxAbsError(captured[c], reference[c], lag, 0, SONG_FRAMES);
    assert.ok(error <= TOLERANCE, `output ${c + 1}: max abs error ${error} over 4 s`);
    assert.ok(peak(captured[c], 0, lag) === 0, `output ${c + 1} not silent before the song`);
    assert.ok(
      peak(captured[c], lag + SONG_FRAMES, captured[c].length) === 0,
      `output ${c + 1} not silent after the song`,
    );
    // Right stem on the right output: far from every other stem.
    ROUTE.forEach((output, k) => {
      if (output - 1 === c) return;
      const other = maxAbsError(captured[c], sources[k], lag, 0, SONG_FRAMES);
      assert.ok(other > 0.1, `output ${c + 1} looks like stem ${k} (routed to ${output})`);
    });
  }
  console.log(
    `jack: lag ${lag} frames, ${SONG_FRAMES} frames x ${JACK_OUTPUTS} outputs compared`,
  );
});
