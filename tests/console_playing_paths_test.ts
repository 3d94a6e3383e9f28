/**
 * The console's lock on the playing song (src/control/console_playing.ts), over real HTTP on a
 * real (offline) player, when the show reached the song's files by another path than the
 * library's real one: through a symlink to the library, by a path relative to the working
 * folder, or through a stem that is a symlink into the song's folder. A song whose stems the
 * show plays is locked however the show named them (docs/console.md).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

const PIN = "90125783";

Deno.test("console: a song whose stems the show plays stays locked whatever path the show took", async () => {
  const top = await Deno.makeTempDir({ prefix: "stemplay-console-paths-" });
  const library = join(top, "library");
  await Deno.mkdir(library);
  await Deno.symlink(library, join(top, "link"));
  // Stems: A's keys.wav. B plays it by "../A/keys.wav"; C by its own symlink to it.
  await writeSineSong(library, "A", ["keys.wav"]);
  await Deno.mkdir(join(library, "B"));
  const song = (file: string, title: string) => JSON.stringify({ title, tracks: [{ file }] });
  await Deno.writeTextFile(join(library, "B", "song.json"), song("../A/keys.wav", "B"));
  await Deno.mkdir(join(library, "C"));
  await Deno.symlink(join("..", "A", "keys.wav"), join(library, "C", "keys.wav"));
  await Deno.writeTextFile(join(library, "C", "song.json"), song("keys.wav", "C"));
  const cwd = Deno.cwd();
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library, port: 0, pin: PIN });
  try {
    const { cookie } = await loginFrom(web.port, PIN);
    const base = `http://127.0.0.1:${web.port}`;
    const headers = { cookie: cookie!, origin: base, "content-type": "application/json" };
    const before = await Deno.readTextFile(join(library, "A", "song.json"));
    const ways: [string, string][] = [
      ["through a symlink to the library", join(top, "link", "B")],
      ["by a relative path", join("library", "B")],
      ["through a stem that is a symlink", join(library, "C")],
    ];
    const outcomes = [];
    for (const [how, path] of ways) {
      Deno.chdir(top);
      await player.loadSong(path);
      player.play();
      player.render(4800);
      const read = await (await fetch(`${base}/api/song?id=A`, { headers })).json();
      const value = { ...read.value, title: `A edited ${how}` };
      const save = await fetch(`${base}/api/song`, {
        method: "POST",
        headers,
        body: JSON.stringify({ id: "A", value, ifVersion: read.version }),
      });
      const saved = await save.json();
      outcomes.push({ how, shown: read.playing, status: save.status, playing: saved.playing });
      player.stop();
      player.render(256);
    }
    console.log(outcomes);
    for (const outcome of outcomes) {
      assert.deepEqual(
        outcome,
        { how: outcome.how, shown: "show", status: 423, playing: "show" },
        `the song whose stem plays ${outcome.how}`,
      );
    }
    assert.equal(await Deno.readTextFile(join(library, "A", "song.json")), before);
  } finally {
    Deno.chdir(cwd);
    await web.close();
    await player.close();
    await Deno.remove(top, { recursive: true });
  }
});
