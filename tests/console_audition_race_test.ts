/**
 * A console audition racing the show's own actions, over real HTTP on a real (offline)
 * player: the show's song stands stopped (a setlist), the console asks to audition a song
 * that takes a while to load (a transposed one: stretched as it loads), and the operator
 * presses play on the phone meanwhile. Whichever comes first, the console must never replace
 * the show once it plays: either the show plays and the audition is refused (423), or the
 * audition is what the play started.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { dispatch } from "../src/control/surface.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong, writeStems } from "./support/songs.ts";

const PIN = "90125783";

Deno.test("console: an audition that is loading when the show's play arrives never replaces the show", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-race-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    await writeSineSong(dir, "Show", ["pad.wav"]);
    const stems = ["a.wav", "b.wav"];
    const slow = await writeStems(
      join(dir, "Slow"),
      stems.map((file, i) => ({ file, frequency: 220 * (i + 1), seconds: 8 })),
    );
    await Deno.writeTextFile(
      join(slow, "song.json"),
      JSON.stringify({ title: "Slow", transpose: 1, tracks: stems.map((file) => ({ file })) }),
    );
    await Deno.writeTextFile(join(dir, "show.json"), JSON.stringify({ songs: ["Show"] }));
    await player.loadSetlist(join(dir, "show.json"));
    await player.setlistReady();
    const { cookie } = await loginFrom(web.port, PIN);
    const base = `http://127.0.0.1:${web.port}`;
    const started = performance.now();
    const audition = fetch(`${base}/api/audition`, {
      method: "POST",
      headers: { cookie: cookie!, origin: base, "content-type": "application/json" },
      body: JSON.stringify({ id: "Slow", at: 0 }),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));
    // The console has taken the request and is loading (stretching) the song.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pressed = performance.now() - started;
    await dispatch(player, { type: "play" }, { source: "phone" });
    const played = { title: player.title, playing: player.playingOrAsked };
    player.render(4800);
    const answer = await audition;
    player.render(4800);
    const after = { title: player.title, state: player.state };
    console.log(
      `  phone's play at ${pressed.toFixed(0)} ms played ${JSON.stringify(played)}; audition ` +
        `${answer.status} after ${(performance.now() - started).toFixed(0)} ms; then ${
          JSON.stringify(after)
        }`,
    );
    if (played.title === "Show") {
      // The show started first: it must still be what plays, and the audition refused.
      assert.equal(answer.status, 423, JSON.stringify(answer.body));
      assert.deepEqual(after, { title: "Show", state: "playing" });
    } else {
      // The audition loaded first: the play started it, nothing of the show was playing.
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(after, { title: "Slow", state: "playing" });
    }
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("console: two browsers' auditions at once: one plays, the other is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-race-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  try {
    await writeSineSong(dir, "Hymn", ["keys.wav", "bass.wav"]);
    await writeSineSong(dir, "Anthem", ["pad.wav"]);
    const base = `http://127.0.0.1:${web.port}`;
    const browser = async () => {
      const { cookie } = await loginFrom(web.port, PIN);
      return async (id: string) => {
        const response = await fetch(`${base}/api/audition`, {
          method: "POST",
          headers: { cookie: cookie!, origin: base, "content-type": "application/json" },
          body: JSON.stringify({ id, at: 0 }),
        });
        return { id, status: response.status, body: await response.json() };
      };
    };
    const [first, second] = [await browser(), await browser()];
    const answers = await Promise.all([first("Hymn"), second("Anthem")]);
    player.render(4800);
    console.log(`  ${JSON.stringify(answers)}; then ${player.title} ${player.state}`);
    const played = answers.filter((answer) => answer.status === 200);
    assert.equal(played.length, 1, "one audition plays, and its browser is told so");
    assert.equal(answers.filter((answer) => answer.status === 423).length, 1);
    assert.equal(player.title, played[0].id, "what plays is the audition that was answered ok");
    assert.equal(player.state, "playing");
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});
