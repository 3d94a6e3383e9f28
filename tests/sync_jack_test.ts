/**
 * Two rigs as two processes on one JACK server (tests/support/sync_child.ts): the primary
 * serves, the follower follows with its clock skewed 2.5 s from the primary's (an injected
 * skew its round trips must measure away). `jack_rec`, an independent client, records both
 * rigs' first output on one timeline while the primary plays, jumps to the Chorus on the bar,
 * vamps it, leaves the vamp at its end, stops, changes song and plays again. Both play noise
 * (no period), so a cross-correlation finds the one lag between them in every 50 ms window:
 * after each start has had 2.5 s to lock, every window must be within 1 ms (48 frames).
 */
import assert from "node:assert/strict";
import { decodeWav } from "./support/wav_reader.ts";
import { JackRecording, jackTest, withJackServer } from "./support/jack.ts";
import { RigProcess, writeNoiseShow } from "./support/sync_rig.ts";
import { sleep } from "./support/wait.ts";
import { freeUdpPort } from "./support/osc_tools.ts";

const RATE = 48000;
/** 1 ms. */
const WITHIN = 48;
const WINDOW = 2048;
/** Lags searched: ±10 ms. */
const SEARCH = 480;
/** After a start, the follower has this long to get into lock before windows count. */
const LOCK_SECONDS = 2.5;

/** The lag (frames, + = the follower late) that best lines `follower` up with `primary` at
 * `at`, by normalised cross-correlation within ±SEARCH. */
export function lagAt(primary: Float32Array, follower: Float32Array, at: number): number {
  let best = -Infinity;
  let bestLag = 0;
  for (let lag = -SEARCH; lag <= SEARCH; lag++) {
    let sum = 0;
    let energy = 0;
    for (let i = 0; i < WINDOW; i++) {
      const f = follower[at + lag + i] ?? 0;
      sum += primary[at + i] * f;
      energy += f * f;
    }
    const score = energy > 0 ? sum / Math.sqrt(energy) : -Infinity;
    if (score > best) {
      best = score;
      bestLag = lag;
    }
  }
  return bestLag;
}

function rms(x: Float32Array, at: number, n: number): number {
  let sum = 0;
  for (let i = at; i < at + n && i < x.length; i++) sum += x[i] * x[i];
  return Math.sqrt(sum / n);
}

const name = "sync on JACK: the follower's output within 1 ms of the primary's, through a " +
  "bar jump, a vamp, a song change";
jackTest(name, ["jack_rec"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-sync-jack-" });
  const setlist = await writeNoiseShow(dir);
  const port = await freeUdpPort();
  let wav: Uint8Array = new Uint8Array();
  await withJackServer(async (server) => {
    const primary = await RigProcess.start("primary", setlist, port, server.env);
    const before = (await server.ports()).filter((p) => /playback0$/.test(p));
    const follower = await RigProcess.start("follower", setlist, port, server.env, {
      skewMs: 2500,
    });
    try {
      follower.drain();
      const ports = (await server.ports()).filter((p) => /playback0$/.test(p));
      const primaryPort = before.find((p) => p.startsWith("stemplay"))!;
      const followerPort = ports.find((p) => p.startsWith("stemplay") && p !== primaryPort)!;
      assert.ok(primaryPort && followerPort, `ports: ${await server.ports()}`);
      const recording = await JackRecording.start(server, [primaryPort, followerPort], 26);
      await sleep(1000);
      await primary.command("play");
      await sleep(3000);
      await primary.command("jump Chorus");
      await sleep(2000);
      await primary.command("vamp Chorus");
      await sleep(4000);
      await primary.command("exit");
      await sleep(4000);
      await primary.command("stop");
      await primary.command("goto 1");
      await sleep(2000);
      await primary.command("play");
      await sleep(4500);
      await primary.command("stop");
      console.log(`follower: ${JSON.stringify(follower.last)}`);
      assert.equal(follower.last?.relocks, 0, "no relock while locked");
      assert.equal(follower.last?.rejected, 0);
      wav = await recording.finish();
    } finally {
      await follower.stop();
      await primary.stop();
    }
  });
  await Deno.remove(dir, { recursive: true });

  const [p, f] = decodeWav(wav).channels;
  const hop = RATE / 20;
  const lags: { at: number; lag: number }[] = [];
  let startedAt = -Infinity;
  let sounding = false;
  for (let at = SEARCH; at + WINDOW + SEARCH < p.length; at += hop) {
    const loud = rms(p, at, WINDOW) > 0.05;
    if (loud && !sounding) startedAt = at;
    sounding = loud;
    if (!loud || rms(f, at, WINDOW) < 0.05) {
      if (loud) console.log(`${(at / RATE).toFixed(2)} s: the follower is silent`);
      continue;
    }
    if ((at - startedAt) / RATE < LOCK_SECONDS) continue;
    lags.push({ at, lag: lagAt(p, f, at) });
  }
  const sorted = lags.map((l) => Math.abs(l.lag)).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  const worst = sorted[sorted.length - 1];
  console.log(
    `${lags.length} windows after lock: median |lag| ${(median / 48).toFixed(3)} ms, ` +
      `worst ${(worst / 48).toFixed(3)} ms`,
  );
  assert.ok(lags.length > 100, `only ${lags.length} windows with both rigs sounding`);
  const off = lags.filter((l) => Math.abs(l.lag) > WITHIN);
  assert.deepEqual(
    off.map((l) => `${(l.at / RATE).toFixed(2)} s: ${(l.lag / 48).toFixed(2)} ms`),
    [],
    "windows more than 1 ms apart",
  );
});
