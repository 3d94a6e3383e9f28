/**
 * The console's test signal: one output at a time, at most -20 dBFS, faded in and out, heard
 * on that output only (rendered by an offline engine), refused while the show plays.
 */
import assert from "node:assert/strict";
import { Player, serveConsole } from "../mod.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

async function post(port: number, cookie: string, path: string, body: unknown) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: {
      cookie,
      origin: `http://127.0.0.1:${port}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("console: a test signal on one output, at most -20 dBFS; refused while playing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-test-signal-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 4 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: "90125783" });
  try {
    const { cookie } = await loginFrom(web.port, "90125783");
    const bad = await post(web.port, cookie!, "/api/test-signal", { output: 5 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /output must be 1 to 4/);

    const ok = await post(web.port, cookie!, "/api/test-signal", { output: 3 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const out = player.render(48000);
    const peaks = out.map((channel) => channel.reduce((m, x) => Math.max(m, Math.abs(x)), 0));
    console.log(`test signal peaks per output: ${peaks.map((p) => p.toFixed(4)).join(" ")}`);
    assert.equal(peaks[0], 0);
    assert.equal(peaks[1], 0);
    assert.equal(peaks[3], 0);
    assert.ok(peaks[2] > 0.09 && peaks[2] <= 0.1, `output 3 peak ${peaks[2]} ≤ -20 dBFS`);
    assert.ok(Math.abs(out[2][0]) < 1e-3, "it starts from silence (faded in)");
    await post(web.port, cookie!, "/api/test-signal", { stop: true });

    await player.loadSong(await writeSineSong(dir, "Song", ["a.wav"]));
    player.play();
    const refused = await post(web.port, cookie!, "/api/test-signal", { output: 1 });
    assert.equal(refused.status, 423);
    assert.match(refused.body.error, /the show is playing/);
    assert.equal(player.tracks.length, 1, "nothing was added to the playing song");
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
