/**
 * What the console refuses (the security review's console defects): writes outside a setlist,
 * files whose real path leaves the library, track files outside it, stale or blind saves,
 * auditions and stops while the show plays, huge peak requests, and a cookie shared with the
 * remote. HTTP on loopback, a real player (offline engine), real files.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, serveConsole } from "../mod.ts";
import { boundPeaksCache, touchPeaksEntry } from "../src/songs/peaks_cache_bound.ts";
import { loginFrom } from "./support/remote_client.ts";
import { writeSineSong } from "./support/songs.ts";

const PIN = "90125783";

/** What the console answers a POST with (the fields these tests read). */
interface Reply {
  error: string;
}

interface Rig {
  dir: string;
  outside: string;
  player: Player;
  port: number;
  cookie: string;
  get(path: string): Promise<{ status: number; text: string }>;
  post(path: string, body: unknown): Promise<{ status: number; text: string; body: Reply }>;
}

async function withConsole(run: (rig: Rig) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-console-lib-" });
  const outside = await Deno.makeTempDir({ prefix: "stemplay-outside-" });
  const player = await Player.open({ backend: "offline", sampleRate: 48000, channels: 2 });
  const web = await serveConsole(player, { library: dir, port: 0, pin: PIN });
  const base = `http://127.0.0.1:${web.port}`;
  try {
    const { cookie } = await loginFrom(web.port, PIN);
    const rig: Rig = {
      dir,
      outside,
      player,
      port: web.port,
      cookie: cookie!,
      async get(path) {
        const response = await fetch(base + path, { headers: { cookie: cookie! } });
        return { status: response.status, text: await response.text() };
      },
      async post(path, body) {
        const response = await fetch(base + path, {
          method: "POST",
          headers: { cookie: cookie!, origin: base, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        let parsed = {} as Reply;
        try {
          parsed = JSON.parse(text);
        } catch { /* not JSON */ }
        return { status: response.status, text, body: parsed };
      },
    };
    await run(rig);
  } finally {
    await web.close();
    await player.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
}

const realDir = (path: string) => Deno.realPathSync(path);

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("console refuses: /api/setlist writes only a top-level setlist", async () => {
  await withConsole(async ({ dir, post, get }) => {
    await writeSineSong(dir, "song1", ["click.wav"]);
    await Deno.writeTextFile(join(dir, "sunday.json"), JSON.stringify({ songs: ["song1"] }));
    await Deno.writeTextFile(join(dir, "stemplay.json"), JSON.stringify({ outputs: 2 }));
    await Deno.writeTextFile(join(dir, "notes.json"), JSON.stringify({ note: "not a setlist" }));
    const value = { title: "pwned", songs: ["song1"] };
    for (const id of ["song1/song.json", "song1/click.wav", "stemplay.json", "notes.json"]) {
      const before = await Deno.readFile(join(dir, id));
      const reply = await post("/api/setlist", { id, value, ifVersion: await sha256(before) });
      assert.ok(reply.status >= 400 && reply.status < 500, `${id}: ${reply.status} ${reply.text}`);
      assert.deepEqual(await Deno.readFile(join(dir, id)), before, `${id} is untouched`);
    }
    for (const id of ["song1/song.json", "stemplay.json", "notes.json"]) {
      assert.ok((await get(`/api/setlist?id=${id}`)).status >= 400, `GET setlist ${id}`);
    }
    // A new setlist, and an edit of an existing one, still work.
    const made = await post("/api/setlist", { id: "friday.json", value, ifVersion: "" });
    assert.equal(made.status, 200, made.text);
    const { version } = JSON.parse((await get("/api/setlist?id=sunday.json")).text);
    const edited = await post("/api/setlist", { id: "sunday.json", value, ifVersion: version });
    assert.equal(edited.status, 200, edited.text);
  });
});

Deno.test("console refuses: a file whose real path leaves the library (symlink)", async () => {
  await withConsole(async ({ dir, outside, post, get }) => {
    await writeSineSong(outside, "elsewhere", ["click.wav"]);
    const victim = join(outside, "elsewhere", "song.json");
    const before = await Deno.readFile(victim);
    await Deno.mkdir(join(dir, "shared"));
    await Deno.symlink(victim, join(dir, "shared", "song.json"));
    await Deno.writeTextFile(join(outside, "list.json"), JSON.stringify({ songs: [] }));
    await Deno.symlink(join(outside, "list.json"), join(dir, "linked.json"));
    // A stem linked out of the library.
    await writeSineSong(dir, "song2", ["a.wav"]);
    await Deno.symlink(join(outside, "elsewhere", "click.wav"), join(dir, "song2", "b.wav"));
    await Deno.writeTextFile(
      join(dir, "song2", "song.json"),
      JSON.stringify({ title: "song2", tracks: [{ file: "a.wav" }, { file: "b.wav" }] }),
    );

    const library = await get("/api/library");
    assert.equal(library.status, 200);
    assert.ok(!library.text.includes(realDir(outside)), library.text);
    assert.match(library.text, /song.json leads out of the library/);
    const read = await get("/api/song?id=shared");
    assert.equal(read.status, 400, read.text);
    assert.ok(!read.text.includes(outside) && !read.text.includes(realDir(outside)), read.text);
    const value = { title: "written from the console", tracks: [{ file: "click.wav" }] };
    for (const ifVersion of ["", "x"]) {
      const wrote = await post("/api/song", { id: "shared", value, ifVersion });
      assert.ok(wrote.status >= 400, wrote.text);
      assert.ok(!wrote.text.includes(realDir(outside)), wrote.text);
    }
    assert.deepEqual(await Deno.readFile(victim), before, "the outside file is untouched");

    assert.equal((await get("/api/setlist?id=linked.json")).status, 400);
    const list = await post("/api/setlist", {
      id: "linked.json",
      value: { songs: ["song2"] },
      ifVersion: "",
    });
    assert.ok(list.status >= 400, list.text);
    assert.equal(await Deno.readTextFile(join(outside, "list.json")), '{"songs":[]}');

    const peaks = await get("/api/peaks?id=song2&points=8");
    assert.ok(peaks.status >= 400, peaks.text.slice(0, 200));
    assert.ok(!peaks.text.includes(realDir(outside)), peaks.text);
    const audition = await post("/api/audition", { id: "song2", at: 0 });
    assert.ok(audition.status >= 400, audition.text);
  });
});

Deno.test("console refuses: a track file outside the library, without saying it exists", async () => {
  await withConsole(async ({ dir, outside, post, get }) => {
    await writeSineSong(dir, "song2", ["click.wav"]);
    await writeSineSong(dir, "Stems", ["bass.wav"]);
    await writeSineSong(outside, "private", ["voice-memo.wav"]);
    const manifest = join(dir, "song2", "song.json");
    const before = await Deno.readFile(manifest);
    const versionOf = async () => JSON.parse((await get("/api/song?id=song2")).text).version;
    const tracks = (file: string) => ({
      title: "song2",
      tracks: [{ file: "click.wav" }, { file }],
    });
    const memo = join(outside, "private", "voice-memo.wav");
    const depth = "../".repeat(20);
    const replies = [];
    for (const file of [memo, `${depth}${memo.slice(1)}`, `${depth}etc/hostname.wav`]) {
      const reply = await post("/api/song", {
        id: "song2",
        value: tracks(file),
        ifVersion: await versionOf(),
      });
      assert.equal(reply.status, 422, reply.text);
      assert.ok(
        !reply.text.includes(realDir(outside)) && !reply.text.includes(outside),
        reply.text,
      );
      replies.push(reply.body.error.replaceAll(file, "FILE"));
    }
    // A file that exists and one that does not are refused in the same words.
    const missing = await post("/api/song", {
      id: "song2",
      value: tracks(`${depth}etc/no-such-file-here.wav`),
      ifVersion: await versionOf(),
    });
    assert.equal(missing.status, 422);
    assert.equal(
      replies[2],
      missing.body.error.replaceAll(`${depth}etc/no-such-file-here.wav`, "FILE"),
    );
    assert.deepEqual(await Deno.readFile(manifest), before);

    // Inside the library, a sibling folder's stem is fine.
    const sibling = await post("/api/song", {
      id: "song2",
      value: tracks("../Stems/bass.wav"),
      ifVersion: await versionOf(),
    });
    assert.equal(sibling.status, 200, sibling.text);

    // A song.json written by hand that names an outside file: no peaks of it, no audition.
    await Deno.writeTextFile(manifest, JSON.stringify(tracks(memo)));
    const peaks = await get("/api/peaks?id=song2&points=8");
    assert.ok(peaks.status >= 400, peaks.text.slice(0, 200));
    assert.ok(!peaks.text.includes(realDir(outside)), peaks.text);
    assert.ok((await post("/api/audition", { id: "song2", at: 0 })).status >= 400);
  });
});

Deno.test("console refuses: a save without ifVersion, and all but one of racing saves", async () => {
  await withConsole(async ({ dir, post, get }) => {
    await writeSineSong(dir, "song3", ["click.wav"]);
    await Deno.writeTextFile(join(dir, "sunday.json"), JSON.stringify({ songs: ["song3"] }));
    const value = (i: number) => ({ title: `browser ${i}`, tracks: [{ file: "click.wav" }] });
    const blind = await post("/api/song", { id: "song3", value: value(9) });
    assert.equal(blind.status, 428, blind.text);
    const blindList = await post("/api/setlist", { id: "sunday.json", value: { songs: [] } });
    assert.equal(blindList.status, 428, blindList.text);

    const { version } = JSON.parse((await get("/api/song?id=song3")).text);
    const songs = await Promise.all(
      Array.from(
        { length: 6 },
        (_, i) => post("/api/song", { id: "song3", ifVersion: version, value: value(i) }),
      ),
    );
    const statuses = songs.map((reply) => reply.status).sort();
    console.log(`6 racing song saves: ${statuses.join(",")}`);
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409]);

    const list = JSON.parse((await get("/api/setlist?id=sunday.json")).text).version;
    const lists = await Promise.all(
      Array.from(
        { length: 6 },
        (_, i) =>
          post("/api/setlist", {
            id: "sunday.json",
            ifVersion: list,
            value: { title: `b${i}`, songs: ["song3"] },
          }),
      ),
    );
    const listStatuses = lists.map((reply) => reply.status).sort();
    console.log(`6 racing setlist saves: ${listStatuses.join(",")}`);
    assert.deepEqual(listStatuses, [200, 409, 409, 409, 409, 409]);
  });
});

Deno.test("console refuses: audition, stop and edits while the show plays (state not yet published)", async () => {
  await withConsole(async ({ dir, player, post }) => {
    await writeSineSong(dir, "Stems", ["keys.wav"]);
    await writeSineSong(dir, "Other", ["pad.wav"]);
    // The show's song keeps its stems in a sibling folder.
    const live = join(dir, "Live");
    await Deno.mkdir(live);
    await Deno.writeTextFile(
      join(live, "song.json"),
      JSON.stringify({ title: "Live", tracks: [{ file: "../Stems/keys.wav" }] }),
    );
    await player.loadSong(live);
    player.play(); // the offline engine has not rendered a block: state still says "stopped"
    const manifest = await Deno.readFile(join(live, "song.json"));
    const edit = await post("/api/song", {
      id: "Live",
      ifVersion: "",
      value: { title: "Live", tracks: [{ file: "../Stems/keys.wav", gainDb: -3 }] },
    });
    assert.equal(edit.status, 423, edit.text);
    assert.deepEqual(await Deno.readFile(join(live, "song.json")), manifest);
    const audition = await post("/api/audition", { id: "Other", at: 0 });
    assert.equal(audition.status, 423, audition.text);
    const stop = await post("/api/stop", {});
    assert.equal(stop.status, 423, stop.text);
    const signal = await post("/api/test-signal", { output: 1 });
    assert.equal(signal.status, 423, signal.text);
    player.render(4800);
    assert.equal(player.state, "playing", "the show still plays");
    assert.equal(player.title, "Live");
    // The console's own audition can be stopped from the console.
    player.stop();
    player.render(256);
    assert.equal((await post("/api/audition", { id: "Other", at: 0 })).status, 200);
    assert.equal((await post("/api/stop", {})).status, 200);
  });
});

Deno.test("console refuses: peaks beyond the caps (points, points × channels × stems)", async () => {
  await withConsole(async ({ dir, get }) => {
    await writeSineSong(dir, "song1", ["a.wav", "b.wav"]);
    for (const points of ["1e9", "65537", "-5", "abc"]) {
      const reply = await get(`/api/peaks?id=song1&points=${points}`);
      assert.equal(reply.status, 400, `points=${points}: ${reply.status}`);
    }
    // More points than frames: as many as there are frames (2 s at 48 kHz = 96000 > 65536 is
    // refused above; a 1 ms window has 48 frames).
    const window = await get("/api/peaks?id=song1&points=1000&start=0&end=0.001");
    assert.equal(window.status, 200, window.text.slice(0, 200));
    const peaks = JSON.parse(window.text);
    assert.ok(peaks.tracks[0].channels[0].max.length <= 48, "no more points than frames");
    // 33 mono stems × 65,536 points is over 2^21 values in one reply: refused whole.
    const stems = Array.from({ length: 33 }, (_, i) => `s${i}.wav`);
    await writeSineSong(dir, "many", stems);
    const many = await get("/api/peaks?id=many&points=65536");
    assert.equal(many.status, 400, many.text.slice(0, 200));
    assert.match(JSON.parse(many.text).error, /fewer points/);
    assert.equal((await get("/api/peaks?id=many&points=2000")).status, 200);
    // A start so far (1e15 s) that the default end (start + one frame) rounds back onto it:
    // refused naming `start`, not the native "invalid argument" of a stem's absolute path.
    const far = await get("/api/peaks?id=song1&points=10&start=1e15");
    assert.equal(far.status, 400, far.text.slice(0, 200));
    assert.match(JSON.parse(far.text).error, /^start /, far.text);
    assert.ok(!far.text.includes(dir), far.text);
  });
});

Deno.test("console: its session cookie is its own, not the remote's", async () => {
  await withConsole(async ({ port, cookie }) => {
    assert.match(cookie, /^stemplay_console=[0-9a-f]{64}$/);
    const token = cookie.split("=")[1];
    const asRemote = await fetch(`http://127.0.0.1:${port}/api/library`, {
      headers: { cookie: `stemplay_session=${token}` },
    });
    await asRemote.body?.cancel();
    assert.equal(asRemote.status, 401);
  });
});

Deno.test("console: the peaks cache stays bounded, least recently used first", async () => {
  const folder = await Deno.makeTempDir({ prefix: "stemplay-peaks-cache-" });
  try {
    const write = async (name: string, secondsAgo: number) => {
      const path = join(folder, `${name}.peaks`);
      await Deno.writeFile(path, new Uint8Array(1000));
      const when = new Date(Date.now() - secondsAgo * 1000);
      await Deno.utime(path, when, when);
    };
    await write("old", 300);
    await write("used", 200);
    await write("new", 100);
    await touchPeaksEntry(join(folder, "used.peaks")); // read again just now
    await boundPeaksCache(folder, 2000);
    const left = [];
    for await (const entry of Deno.readDir(folder)) left.push(entry.name);
    assert.deepEqual(left.sort(), ["new.peaks", "used.peaks"]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
