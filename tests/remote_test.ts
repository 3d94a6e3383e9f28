/**
 * The web remote's security and protocol, over real HTTP and WebSocket on loopback: nothing
 * readable or actionable without the PIN, `/?pin=` and the form log in with an HttpOnly cookie,
 * wrong PINs are limited per address, WebSocket and action requests check Origin and the
 * session, and no request reaches anything but the command layer.
 */
import assert from "node:assert/strict";
import { type Player, type RemoteServer, serveRemote, StemplayError } from "../mod.ts";
import {
  LOCKOUT_SECONDS,
  MAX_WRONG_PINS,
  randomPin,
  RemoteGate,
} from "../src/control/remote_auth.ts";
import { SONG_TITLES, withShow } from "./support/show_rig.ts";
import { waitFor } from "./support/wait.ts";

const PIN = "482913";

async function withRemote(fn: (web: RemoteServer, player: Player, base: string) => Promise<void>) {
  await withShow({ backend: "null" }, async (player) => {
    const web = await serveRemote(player, { port: 0, hostname: "127.0.0.1", pin: PIN });
    try {
      await fn(web, player, `http://127.0.0.1:${web.port}`);
    } finally {
      await web.close();
    }
  });
}

/** Logs in with `/?pin=` and returns the session cookie ("name=value"). */
async function login(base: string): Promise<string> {
  const response = await fetch(`${base}/?pin=${PIN}`, { redirect: "manual" });
  await response.body?.cancel();
  assert.equal(response.status, 303);
  return response.headers.get("set-cookie")!.split(";")[0];
}

/** A WebSocket upgrade by hand, to read the status of a refusal. */
async function upgradeStatus(port: number, headers: Record<string, string>): Promise<number> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = [
    "GET /ws HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([key, value]) => `${key}: ${value}`),
  ];
  await connection.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
  const buffer = new Uint8Array(1024);
  const read = await connection.read(buffer);
  connection.close();
  const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
  return Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
}

function postAction(base: string, action: unknown, headers: Record<string, string>) {
  return fetch(`${base}/action`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(action),
  });
}

Deno.test("remote: without the PIN nothing of the show is readable or actionable", async () => {
  await withRemote(async (web, player, base) => {
    const origin = { origin: base };
    const page = await fetch(`${base}/`);
    const text = await page.text();
    assert.equal(page.status, 200);
    assert.match(text, /name="pin"/);
    assert.doesNotMatch(text, new RegExp(SONG_TITLES[0]));
    assert.doesNotMatch(text, /remote\.js/);
    for (const path of ["/remote.js", "/remote.css", "/session"]) {
      const response = await fetch(`${base}${path}`);
      await response.body?.cancel();
      assert.equal(response.status, 401, path);
    }
    const action = await postAction(base, { type: "play" }, origin);
    assert.equal(action.status, 401);
    assert.deepEqual(await action.json(), { ok: false, error: "log in first" });
    assert.equal(await upgradeStatus(web.port, origin), 401);
    // A cookie the server never gave is no session.
    const forged = await postAction(base, { type: "play" }, {
      ...origin,
      cookie: "stemplay_session=" + "0".repeat(64),
    });
    await forged.body?.cancel();
    assert.equal(forged.status, 401);
    assert.equal(player.state, "stopped");
    assert.equal(web.sessions, 0);
  });
});

Deno.test("remote: /?pin= and the PIN form log in with an HttpOnly session cookie", async () => {
  await withRemote(async (web, player, base) => {
    const response = await fetch(`${base}/?pin=${PIN}`, { redirect: "manual" });
    await response.body?.cancel();
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/");
    const setCookie = response.headers.get("set-cookie")!;
    assert.match(setCookie, /^stemplay_session=[0-9a-f]{64}; /);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(";")[0];
    const page = await fetch(`${base}/`, { headers: { cookie } });
    assert.match(await page.text(), /<script src="\/remote\.js"/);
    assert.match(page.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
    const script = await fetch(`${base}/remote.js`, { headers: { cookie } });
    assert.equal(script.status, 200);
    assert.match(await script.text(), /new WebSocket/);
    assert.equal(web.sessions, 1);

    // The form: from this remote's own page (its Origin), not from anywhere else.
    const form = (origin?: string) =>
      fetch(`${base}/login`, {
        method: "POST",
        body: new URLSearchParams({ pin: PIN }),
        headers: origin ? { origin } : {},
        redirect: "manual",
      });
    const good = await form(base);
    await good.body?.cancel();
    assert.equal(good.status, 303);
    assert.match(good.headers.get("set-cookie")!, /HttpOnly/);
    for (const origin of [undefined, "http://evil.example"]) {
      const bad = await form(origin);
      await bad.body?.cancel();
      assert.equal(bad.status, 403, `origin ${origin}`);
      assert.equal(bad.headers.get("set-cookie"), null);
    }

    // With the session: an action plays, the WebSocket sends the status.
    const played = await postAction(base, { type: "play" }, { origin: base, cookie });
    assert.deepEqual(await played.json(), { ok: true, message: "playing" });
    await waitFor("playing", () => player.state === "playing");
    const socket = new WebSocket(`ws://127.0.0.1:${web.port}/ws`, {
      headers: { origin: base, cookie },
    } as unknown as string[]);
    const first = await new Promise<{ type: string; status: { song: { title: string } } }>(
      (resolve, reject) => {
        socket.onmessage = (event) => resolve(JSON.parse(event.data));
        socket.onerror = () => reject(new Error("WebSocket failed"));
      },
    );
    assert.equal(first.type, "status");
    assert.equal(first.status.song.title, SONG_TITLES[0]);
    await waitFor("one connection", () => web.connections === 1);
    socket.close();
    await waitFor("no connection", () => web.connections === 0);
  });
});

Deno.test("remote: a wrong PIN logs nobody in; after 10 that address waits 60 s", async () => {
  await withRemote(async (_web, _player, base) => {
    for (let attempt = 1; attempt < MAX_WRONG_PINS; attempt++) {
      const wrong = await fetch(`${base}/?pin=000000`, { redirect: "manual" });
      const text = await wrong.text();
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers.get("set-cookie"), null);
      assert.match(text, new RegExp(`Wrong PIN \\(${MAX_WRONG_PINS - attempt} tr`));
      assert.doesNotMatch(text, new RegExp(SONG_TITLES[0]));
    }
    const tenth = await fetch(`${base}/?pin=000000`, { redirect: "manual" });
    assert.equal(tenth.status, 429);
    assert.match(await tenth.text(), /wait 60 s/);
    // Now even the right PIN waits.
    const right = await fetch(`${base}/?pin=${PIN}`, { redirect: "manual" });
    await right.body?.cancel();
    assert.equal(right.status, 429);
    assert.equal(right.headers.get("set-cookie"), null);
    const retry = Number(right.headers.get("retry-after"));
    assert.ok(retry > 0 && retry <= LOCKOUT_SECONDS, `retry-after ${retry}`);
  });
});

Deno.test("remote: the PIN limit counts per address and ends after 60 s", () => {
  const gate = new RemoteGate("123456");
  const start = 1_000_000;
  for (let i = 0; i < MAX_WRONG_PINS - 1; i++) {
    assert.deepEqual(gate.login("10.0.0.5", "999999", start), {
      ok: false,
      reason: "wrong",
      triesLeft: MAX_WRONG_PINS - 1 - i,
    });
  }
  assert.equal(gate.login("10.0.0.5", "999999", start).ok, false);
  const locked = gate.login("10.0.0.5", "123456", start + 59_000);
  assert.deepEqual(locked, { ok: false, reason: "locked", retryAfterSeconds: 1, everyone: false });
  // Another device is not held up by the guesser.
  assert.equal(gate.login("10.0.0.6", "123456", start + 1000).ok, true);
  // 60 s on, the address may try again, and the right PIN works.
  assert.equal(gate.login("10.0.0.5", "123456", start + LOCKOUT_SECONDS * 1000).ok, true);
  // Random PINs: six digits.
  for (let i = 0; i < 20; i++) assert.match(randomPin(), /^\d{6}$/);
});

Deno.test("remote: WebSocket and action requests check Origin and the session", async () => {
  await withRemote(async (web, player, base) => {
    const cookie = await login(base);
    for (
      const origin of [undefined, "http://evil.example", "null", `http://localhost:${web.port}`]
    ) {
      const headers: Record<string, string> = { cookie };
      if (origin) headers.origin = origin;
      const action = await postAction(base, { type: "play" }, headers);
      await action.body?.cancel();
      assert.equal(action.status, 403, `action from ${origin}`);
      assert.equal(await upgradeStatus(web.port, headers), 403, `WebSocket from ${origin}`);
    }
    assert.equal(player.state, "stopped");
    assert.equal(await upgradeStatus(web.port, { origin: base, cookie }), 101);
  });
});

Deno.test("remote: requests reach the command layer and nothing else", async () => {
  await withRemote(async (_web, player, base) => {
    const cookie = await login(base);
    const headers = { origin: base, cookie };
    // No file is served but the page's own.
    for (
      const path of [
        "/deno.json",
        "/mod.ts",
        "/web/index.html",
        "/../deno.json",
        "/%2e%2e/deno.json",
        "/index.html",
        "/login.html",
      ]
    ) {
      const response = await fetch(`${base}${path}`, { headers: { cookie } });
      await response.body?.cancel();
      assert.equal(response.status, 404, path);
    }
    // Only actions of the command layer, checked before anything runs.
    const load = await postAction(base, { type: "load", path: "/etc/passwd" }, headers);
    const refused = await load.json();
    assert.equal(load.status, 400);
    assert.equal(refused.code, "INVALID_ACTION");
    assert.match(refused.error, /unknown action type the string "load"/);
    const extra = await postAction(base, { type: "play", file: "/tmp/x" }, headers);
    assert.match((await extra.json()).error, /play: unknown field "file"/);
    const marker = await postAction(base, { type: "jump", marker: "Coda" }, headers);
    assert.match((await marker.json()).error, /no marker "Coda"/);
    const notJson = await fetch(`${base}/action`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{play",
    });
    assert.equal(notJson.status, 400);
    await notJson.body?.cancel();
    const form = await fetch(`${base}/action`, {
      method: "POST",
      headers,
      body: new URLSearchParams({ type: "play" }),
    });
    assert.equal(form.status, 415);
    await form.body?.cancel();
    const huge = await postAction(base, { type: "goto", song: "x".repeat(10000) }, headers);
    assert.equal(huge.status, 413);
    await huge.body?.cancel();
    assert.equal(player.state, "stopped");
    assert.equal(player.setlist?.index, 0);
  });
});

Deno.test("remote: a PIN that is not 6 to 12 digits is refused", async () => {
  await withShow({ backend: "offline" }, async (player) => {
    for (const pin of ["12", "4321", "12345", "abcdef", "12345678901234", ""]) {
      await assert.rejects(
        () => serveRemote(player, { port: 0, hostname: "127.0.0.1", pin }),
        (error: unknown) =>
          error instanceof StemplayError && error.code === "INVALID_ARGUMENT" &&
          /6 to 12 digits/.test(error.message),
      );
    }
    const web = await serveRemote(player, { port: 0, hostname: "127.0.0.1" });
    assert.match(web.pin, /^\d{6}$/);
    await web.close();
  });
});

Deno.test("remote: a huge body to /login or /action is refused without being read", async () => {
  await withRemote(async (web, _player, base) => {
    // A stream that would go on for 64 MiB: the server must stop reading long before.
    const endless = () => {
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 64 << 20) return controller.close();
          sent += 1 << 16;
          controller.enqueue(new Uint8Array(1 << 16).fill(0x61));
        },
      });
    };
    const huge = await fetch(`${base}/login`, {
      method: "POST",
      body: endless(),
      headers: { origin: base, "content-type": "application/x-www-form-urlencoded" },
    });
    await huge.body?.cancel();
    assert.equal(huge.status, 413);
    const cookie = await login(base);
    const action = await fetch(`${base}/action`, {
      method: "POST",
      body: endless(),
      headers: { origin: base, cookie, "content-type": "application/json" },
    });
    await action.body?.cancel();
    assert.equal(action.status, 413);
    assert.equal(web.sessions, 1, "the huge login made no session");
  });
});

Deno.test("remote: a port in use is REMOTE_LISTEN, naming the fix", async () => {
  await withRemote(async (web, player) => {
    await assert.rejects(
      () => serveRemote(player, { port: web.port, hostname: "127.0.0.1", pin: PIN }),
      (error: unknown) =>
        error instanceof StemplayError && error.code === "REMOTE_LISTEN" &&
        /choose another with --remote PORT/.test(error.message),
    );
  });
});

Deno.test("remote: the key and tempo buttons change them, and the status carries them", async () => {
  await withRemote(async (web, player, base) => {
    const cookie = await login(base);
    const headers = { origin: base, cookie };
    const messages: {
      type: string;
      status?: { transpose: number; speed: number; keyTempo: string };
      buttons?: Record<string, { label: string; action: unknown }[]>;
    }[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${web.port}/ws`, {
      headers,
    } as unknown as string[]);
    socket.onmessage = (event) => messages.push(JSON.parse(event.data));
    const statusWith = (keyTempo: string) =>
      waitFor(
        `a status with "${keyTempo}"`,
        () => messages.some((m) => m.status?.keyTempo === keyTempo),
      );
    try {
      await statusWith("");
      await waitFor("the session", () => messages.some((m) => m.type === "session"));
      const buttons = messages.find((m) => m.type === "session")!.buttons!.keyTempo;
      assert.deepEqual(buttons.map((button) => button.label), [
        "Key −1",
        "Key +1",
        "Tempo −1%",
        "Tempo +1%",
      ]);
      // The page sends a button's action as it is: Key +1, then Tempo −1%.
      for (const index of [1, 2]) {
        const reply = await postAction(base, buttons[index].action, headers);
        assert.equal(reply.status, 200);
        assert.equal((await reply.json()).ok, true);
      }
      await player.keyTempoReady();
      await statusWith("key +1  tempo 118.8 bpm (99%)");
      const last = messages.findLast((m) => m.status)!.status!;
      assert.deepEqual([last.transpose, last.speed], [1, 0.99]);
      const bad = await postAction(base, { type: "speed", ratio: 3 }, headers);
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).code, "INVALID_ACTION");
      assert.equal(player.speed, 0.99);
    } finally {
      socket.close();
      await waitFor("no connection", () => web.connections === 0);
    }
  });
});
