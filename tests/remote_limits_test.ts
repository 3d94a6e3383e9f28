/**
 * The web remote's limits, attacked on loopback with real TCP (bounded in count and time):
 * idle and slow connections are capped and timed out while a logged-in page keeps its status,
 * Host must name this machine (DNS rebinding), PIN checks are limited for all addresses
 * together, sessions are never evicted while in use and close their sockets when they end, and
 * a PIN in a link from another site counts for nothing.
 */
import assert from "node:assert/strict";
import net from "node:net";
import type { Player } from "../mod.ts";
import { serveRemote } from "../mod.ts";
import { addressKey } from "../src/control/address_key.ts";
import { DEFAULT_HTTP_LIMITS } from "../src/control/http_limits.ts";
import { startRemote } from "../src/control/remote.ts";
import {
  MAX_PIN_CHECKS,
  MAX_SESSIONS,
  MAX_WRONG_PINS,
  PIN_WINDOW_SECONDS,
  RemoteGate,
} from "../src/control/remote_auth.ts";
import {
  headerOf,
  type HeldSocket,
  holdConnections,
  loginFrom,
  openSocket,
  rawRequest,
  release,
} from "./support/remote_client.ts";
import { withShow } from "./support/show_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

const PIN = "482913";
type Remote = Awaited<ReturnType<typeof startRemote>>;

async function withRemote(
  tuning: Partial<Parameters<typeof startRemote>[2]>,
  fn: (web: Remote, player: Player, base: string) => Promise<void>,
  options: { allowHosts?: string[] } = {},
) {
  await withShow({ backend: "null" }, async (player) => {
    const web = await startRemote(
      player,
      { port: 0, hostname: "127.0.0.1", pin: PIN, ...options },
      { ...DEFAULT_HTTP_LIMITS, ...tuning },
    );
    try {
      await fn(web, player, `http://127.0.0.1:${web.port}`);
    } finally {
      await web.close();
    }
  });
}

function rssMiB(): number {
  return Math.round(Deno.memoryUsage().rss / 2 ** 20);
}

Deno.test({
  name: "remote limits: a flood of idle connections is capped; the logged-in page keeps going",
  sanitizeResources: false, // node:net sockets the server destroyed close after the test
  sanitizeOps: false,
  async fn() {
    await withRemote({ headerTimeoutMs: 4000 }, async (web, player, base) => {
      const { cookie } = await loginFrom(web.port, PIN);
      const page = await openSocket(web.port, cookie!);
      const rssBefore = rssMiB();
      // One address alone: at most 32 of its 40 stay open.
      const one = await holdConnections(web.port, "127.0.0.50", 40);
      await sleep(300);
      const fromOne = one.filter((s) => !s.closed).length;
      assert.ok(fromOne <= DEFAULT_HTTP_LIMITS.maxPerAddress, `${fromOne} from one address`);
      release(one);
      // Many addresses: 20 × 30 = 600 idle connections; at most 256 in all stay open.
      const flood: HeldSocket[] = [];
      for (let i = 0; i < 20; i++) {
        flood.push(...await holdConnections(web.port, `127.0.0.${100 + i}`, 30));
      }
      await sleep(300);
      const survived = flood.filter((s) => !s.closed).length;
      console.log(
        `flood: ${survived} of ${flood.length} idle connections held open, ` +
          `server counts ${JSON.stringify(web.httpCounts)}, RSS ${rssBefore} → ${rssMiB()} MiB`,
      );
      assert.ok(survived < DEFAULT_HTTP_LIMITS.maxConnections, `${survived} held open`);
      // During the flood the page still gets the show's changes.
      const before = page.messages.length;
      player.tracks[1].muted = true;
      await waitFor("a status over the open WebSocket", () => page.messages.length > before);
      assert.match(page.messages.at(-1)!, /"muted":true/);
      // Left alone, the idle ones are closed by the header timeout.
      await waitFor("the idle connections closed", () => flood.every((s) => s.closed), 10000);
      release(flood);
      // And a page loads again.
      const reload = await fetch(`${base}/`, { headers: { cookie: cookie! } });
      assert.equal(reload.status, 200);
      assert.match(await reload.text(), /remote\.js/);
      assert.equal(page.socket.readyState, WebSocket.OPEN);
      page.socket.close();
    });
  },
});

Deno.test({
  name: "remote limits: slow headers, idle keep-alives and huge headers are closed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({ headerTimeoutMs: 600, idleTimeoutMs: 400 }, async (web) => {
      const silent = await holdConnections(web.port, "127.0.0.1", 1);
      // Half a request, one more header byte every 100 ms: the header timer runs regardless.
      const slow = await holdConnections(
        web.port,
        "127.0.0.1",
        1,
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nX-Slow: `,
      );
      const drip = setInterval(() => slow[0].socket.write("a"), 100);
      // A kept-alive connection after one full answer.
      const kept = await holdConnections(
        web.port,
        "127.0.0.1",
        1,
        `GET /login.css HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\n\r\n`,
      );
      let answered = "";
      kept[0].socket.on("data", (chunk) => answered += chunk.toString());
      try {
        await waitFor("the silent connection closed", () => silent[0].closed, 8000);
        await waitFor("the slow connection closed", () => slow[0].closed, 8000);
        await waitFor("the kept-alive connection closed", () => kept[0].closed, 8000);
        assert.match(answered, /^HTTP\/1\.1 200/);
      } finally {
        clearInterval(drip);
        release([...silent, ...slow, ...kept]);
      }
      // 50 KB of headers: refused, not held.
      const huge = await rawRequest(web.port, {
        path: "/",
        headers: { host: `127.0.0.1:${web.port}`, "x-big": "a".repeat(50_000) },
      });
      assert.ok(huge.status === 431 || Number.isNaN(huge.status), `status ${huge.status}`);
      assert.ok(web.httpCounts.timedOut >= 3, JSON.stringify(web.httpCounts));
    });
  },
});

Deno.test({
  name: "remote limits: a Host that is not this machine is refused everywhere (DNS rebinding)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({}, async (web) => {
      const port = web.port;
      const evil = `evil.example:${port}`;
      const { cookie } = await loginFrom(port, PIN);
      const tries: {
        method?: string;
        path: string;
        headers: Record<string, string>;
        body?: string;
      }[] = [
        { path: "/", headers: { host: evil } },
        { path: `/?pin=${PIN}`, headers: { host: evil } },
        {
          method: "POST",
          path: "/login",
          headers: {
            host: evil,
            origin: `http://${evil}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: `pin=${PIN}`,
        },
        {
          method: "POST",
          path: "/action",
          headers: {
            host: evil,
            origin: `http://${evil}`,
            cookie: cookie!,
            "content-type": "application/json",
          },
          body: '{"type":"play"}',
        },
        {
          path: "/ws",
          headers: {
            host: evil,
            origin: `http://${evil}`,
            cookie: cookie!,
            upgrade: "websocket",
            connection: "Upgrade",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            "sec-websocket-version": "13",
          },
        },
        { path: "/", headers: {} }, // no Host at all
      ];
      for (const request of tries) {
        const reply = await rawRequest(port, request);
        assert.ok([421, 403, 400].includes(reply.status), `${request.path}: ${reply.status}`);
        assert.equal(headerOf(reply.head, "set-cookie"), undefined);
        assert.doesNotMatch(reply.body, /stemplay|file:|\.ts\b|Error/);
      }
      // This machine's names pass.
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `127.0.0.7:${port}`]) {
        const reply = await rawRequest(port, { path: "/login.css", headers: { host } });
        assert.equal(reply.status, 200, host);
      }
    });
    // A name given with allowHosts passes too.
    await withRemote({}, async (web) => {
      const reply = await rawRequest(web.port, {
        path: "/login.css",
        headers: { host: `stage.example:${web.port}` },
      });
      assert.equal(reply.status, 200);
    }, { allowHosts: ["stage.example"] });
  },
});

Deno.test("remote limits: the library listens on loopback unless told otherwise", async () => {
  await withShow({ backend: "offline" }, async (player) => {
    const web = await serveRemote(player, { port: 0, pin: PIN });
    try {
      assert.equal(web.hostname, "127.0.0.1");
    } finally {
      await web.close();
    }
  });
});

Deno.test({
  name: "remote limits: at most 100 PIN checks a minute from all addresses together",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({}, async (web) => {
      const started = performance.now();
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      let message = "";
      for (let i = 0; i < 120; i++) {
        // A fresh address for every guess: the per-address lockout never sees two.
        const reply = await loginFrom(web.port, "000000", `127.0.1.${i + 1}`);
        statuses.push(reply.status);
        if (reply.status === 429) {
          retryAfter = headerOf(reply.head, "retry-after");
          message = reply.body;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const wrong = statuses.filter((s) => s === 401).length;
      console.log(
        `PIN guesses from 120 addresses in ${seconds.toFixed(1)} s: ${wrong} checked, ` +
          `${120 - wrong} refused (at most ${MAX_PIN_CHECKS} in any ${PIN_WINDOW_SECONDS} s)`,
      );
      assert.equal(wrong, MAX_PIN_CHECKS);
      assert.ok(statuses.slice(MAX_PIN_CHECKS).every((s) => s === 429), String(statuses));
      assert.ok(Number(retryAfter) > 0 && Number(retryAfter) <= PIN_WINDOW_SECONDS);
      assert.match(message, /Too many PIN tries/);
      // Even the right PIN, from a new address, waits.
      const right = await loginFrom(web.port, PIN, "127.0.2.1");
      assert.equal(right.status, 429);
      assert.equal(right.cookie, undefined);
      assert.ok(web.pinPauseSeconds > 0);
    });
  },
});

Deno.test("remote limits: the PIN window slides, wrong tries are pruned, IPv6 counts per /64", () => {
  const gate = new RemoteGate(PIN);
  const start = 1_000_000;
  for (let i = 0; i < MAX_PIN_CHECKS; i++) {
    assert.equal(gate.login(`10.0.${i >> 8}.${i & 255}`, "000000", start + i).ok, false);
  }
  const paused = gate.login("10.9.9.9", PIN, start + 59_000);
  assert.deepEqual(paused, { ok: false, reason: "locked", retryAfterSeconds: 1, everyone: true });
  assert.equal(gate.login("10.9.9.9", PIN, start + 60_000).ok, true);

  // The wrong-tries table keeps only the last minute's addresses.
  const pruned = new RemoteGate(PIN);
  const now = Date.now();
  for (let i = 0; i < 50; i++) pruned.login(`10.3.0.${i}`, "000000", now - 61_000);
  for (let i = 0; i < 20; i++) pruned.login(`10.4.0.${i}`, "000000", now);
  assert.equal(pruned.trackedAddresses, 20);

  const keys = new RemoteGate(PIN);
  for (let i = 0; i < MAX_WRONG_PINS; i++) keys.login(`2001:db8:1:2::${i + 1}`, "000000", start);
  const sameNet = keys.login("2001:db8:1:2:ffff::9", PIN, start + 1000);
  assert.equal(sameNet.ok, false, "the /64 is locked out");
  assert.equal(keys.login("2001:db8:1:3::1", PIN, start + 1000).ok, true, "another /64 is not");
  assert.equal(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  assert.equal(addressKey("::ffff:192.168.1.5"), "192.168.1.5");
  assert.equal(addressKey("192.168.1.5"), "192.168.1.5");
});

Deno.test("remote limits: a new login never evicts a session used in the last minute", () => {
  const ended: string[] = [];
  const open = new Set<string>();
  const gate = new RemoteGate(PIN, {
    onSessionEnd: (token) => ended.push(token),
    inUse: (token) => open.has(token),
  });
  const start = 1_000_000;
  const tokens: string[] = [];
  for (let i = 0; i < MAX_SESSIONS; i++) {
    const result = gate.login(`10.1.0.${i}`, PIN, start + i * 10);
    assert.ok(result.ok);
    tokens.push(result.token);
  }
  const full = gate.login("10.2.0.1", PIN, start + 30_000);
  assert.equal(full.ok, false);
  assert.equal(!full.ok && full.reason, "full");
  assert.deepEqual(ended, []);
  // A minute on: the first session has an open page (in use), the second was used just now.
  open.add(tokens[0]);
  assert.ok(gate.use(tokens[1], start + 61_000));
  const later = gate.login("10.2.0.1", PIN, start + 61_000);
  assert.ok(later.ok);
  assert.deepEqual(ended, [tokens[2]], "the idlest unused session made room");
});

Deno.test({
  name: "remote limits: past 64 devices a login is refused with a message, none evicted",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({}, async (web) => {
      const cookies: string[] = [];
      for (let i = 0; i < MAX_SESSIONS; i++) {
        const reply = await loginFrom(web.port, PIN, `127.0.3.${i + 1}`);
        assert.equal(reply.status, 303);
        cookies.push(reply.cookie!);
      }
      const refused = await loginFrom(web.port, PIN, "127.0.4.1");
      assert.ok(refused.status === 503 || refused.status === 429, String(refused.status));
      assert.equal(refused.cookie, undefined);
      assert.match(refused.body, /Too many devices/);
      assert.equal(web.sessions, MAX_SESSIONS);
      const first = await fetch(`http://127.0.0.1:${web.port}/session`, {
        headers: { cookie: cookies[0] },
      });
      assert.equal(first.status, 204, "the first device is still logged in");
    });
  },
});

Deno.test({
  name: "remote limits: a session that ends closes its WebSockets",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({ sessionMs: 1500 }, async (web, player) => {
      const { cookie } = await loginFrom(web.port, PIN);
      const page = await openSocket(web.port, cookie!);
      const closed = new Promise<number>((resolve) => page.socket.onclose = (e) => resolve(e.code));
      player.tracks[0].muted = true; // status keeps flowing until the session ends
      const code = await Promise.race([closed, sleep(10000).then(() => -1)]);
      assert.equal(code, 1008, "closed by the server when the session ended");
      assert.equal(web.connections, 0);
    });
  },
});

Deno.test({
  name: "remote limits: a PIN in a link from another site logs in no one and locks out no one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({}, async (web, _player, base) => {
      const crossSite: Record<string, string>[] = [
        { "sec-fetch-site": "cross-site" },
        { referer: "http://evil.example/page" },
        { origin: "http://evil.example" },
      ];
      for (const headers of crossSite) {
        const right = await loginFrom(web.port, PIN, "127.0.5.1", headers);
        assert.equal(right.status, 200, JSON.stringify(headers));
        assert.equal(right.cookie, undefined);
        for (let i = 0; i < MAX_WRONG_PINS + 1; i++) {
          const wrong = await loginFrom(web.port, "000000", "127.0.5.1", headers);
          assert.equal(wrong.status, 200);
        }
      }
      assert.equal(web.sessions, 0);
      // The phone itself: not locked out, by a scanned URL or by its own page's link.
      const mine: Record<string, string>[] = [{}, { "sec-fetch-site": "none" }, {
        referer: `${base}/`,
      }];
      for (const headers of mine) {
        const reply = await loginFrom(web.port, PIN, "127.0.5.1", headers);
        assert.equal(reply.status, 303, JSON.stringify(headers));
      }
    });
  },
});

Deno.test({
  name: "remote limits: malformed requests and WebSocket frames end nothing but their connection",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({ headerTimeoutMs: 1000, idleTimeoutMs: 500 }, async (web, _player, base) => {
      const host = `127.0.0.1:${web.port}`;
      const garbage = [
        "\x00\x01\x02\xff\r\n\r\n",
        "GET\r\n\r\n",
        `GET http://evil.example/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `GET //../../etc/passwd HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `GET / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -5\r\n\r\n`,
        `POST /action HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
        `GET / HTTP/1.1\r\nHost: ${host}\r\nBad Header\r\n\r\n`,
        `GET /?pin=%ff%fe HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `GET / HTTP/9.9\r\nHost: ${host}\r\n\r\n`,
      ];
      const held: HeldSocket[] = [];
      for (const text of garbage) {
        held.push(...await holdConnections(web.port, "127.0.0.1", 1, text));
      }
      await waitFor("every malformed connection closed", () => held.every((s) => s.closed), 8000);
      // A logged-in WebSocket that sends junk and a too-big message is closed; the server lives.
      const { cookie } = await loginFrom(web.port, PIN);
      const page = await openSocket(web.port, cookie!);
      const closed = new Promise<number>((resolve) => page.socket.onclose = (e) => resolve(e.code));
      page.socket.send("x".repeat(64 * 1024));
      assert.equal(await closed, 1009, "too big");
      const reload = await fetch(`${base}/`, { headers: { cookie: cookie! } });
      assert.equal(reload.status, 200);
      await reload.body?.cancel();
    });
  },
});

Deno.test({
  name: "remote limits: pipelined requests that are never read close their connection",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Timeouts far away: only the pipelining bounds can close these connections.
    const slow = { headerTimeoutMs: 120_000, idleTimeoutMs: 120_000, bodyTimeoutMs: 120_000 };
    await withRemote(slow, async (web, _player, base) => {
      const host = `127.0.0.1:${web.port}`;
      // A browser's keep-alive: many requests one after another on one connection, each read.
      const [kept] = await holdConnections(web.port, "127.0.0.1", 1);
      let text = "";
      kept.socket.on("data", (chunk) => text += chunk.toString());
      for (let i = 1; i <= 3 * DEFAULT_HTTP_LIMITS.maxPipelined; i++) {
        kept.socket.write(`GET /login.css HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        await waitFor(`answer ${i}`, () => text.split("HTTP/1.1 200").length - 1 === i);
      }
      assert.equal(kept.closed, false, "a connection that reads its answers stays open");
      release([kept]);
      // Requests written 4,000 at a time, answers never read: each answer (the PIN page,
      // ~1.5 KB) would wait in the server's memory, 40× what the client sent.
      const rssBefore = rssMiB();
      const flood: HeldSocket[] = [];
      for (let i = 0; i < 3; i++) {
        const [held] = await holdConnections(web.port, `127.0.6.${i + 1}`, 1);
        held.socket.removeAllListeners("data");
        held.socket.pause();
        held.socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(4000));
        flood.push(held);
      }
      // (A paused client does not see the close: the server's counts tell.)
      await waitFor("the unread connections closed", () => web.httpCounts.open === 0);
      console.log(
        `pipelining: 12,000 unread requests, server counts ${JSON.stringify(web.httpCounts)}, ` +
          `RSS ${rssBefore} → ${rssMiB()} MiB`,
      );
      assert.equal(web.httpCounts.unread, 3, JSON.stringify(web.httpCounts));
      release(flood);
      const reply = await fetch(`${base}/login.css`);
      assert.equal(reply.status, 200);
      await reply.body?.cancel();
    });
  },
});

Deno.test({
  name: "remote limits: with every connection held by idle strangers, a logged-in page still acts",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Header timeout far away: only making room can let the page in.
    await withRemote({ headerTimeoutMs: 120_000 }, async (web, _player, base) => {
      const { cookie } = await loginFrom(web.port, PIN);
      const page = await openSocket(web.port, cookie!);
      // 9 addresses × 30 idle connections (no request sent): more than the 256 in all.
      const flood: HeldSocket[] = [];
      for (let i = 0; i < 9; i++) {
        flood.push(...await holdConnections(web.port, `127.0.7.${i + 1}`, 30));
      }
      await waitFor("the limit full", () => web.httpCounts.open >= 256);
      // The page's own requests (a new connection each) get through: the oldest idle
      // connection makes room, never the open WebSocket.
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 }); // a new connection each
      try {
        for (let i = 0; i < 5; i++) {
          const reply = await fetch(`${base}/session`, { headers: { cookie: cookie! }, client });
          assert.equal(reply.status, 204);
          await reply.body?.cancel();
        }
      } finally {
        client.close();
      }
      assert.ok(web.httpCounts.open <= DEFAULT_HTTP_LIMITS.maxConnections);
      assert.ok(web.httpCounts.evicted >= 5, JSON.stringify(web.httpCounts));
      assert.equal(page.socket.readyState, WebSocket.OPEN);
      console.log(`idle flood of ${flood.length}: counts ${JSON.stringify(web.httpCounts)}`);
      release(flood);
      page.socket.close();
    });
  },
});

Deno.test({
  name: "remote limits: with every connection held by slow PIN forms, a logged-in page still acts",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Body timeout far away: only making room can let the page in.
    await withRemote({ bodyTimeoutMs: 120_000 }, async (web, _player, base) => {
      const host = `127.0.0.1:${web.port}`;
      const { cookie } = await loginFrom(web.port, PIN);
      // 9 addresses × 30 PIN forms whose bodies never come (1 byte of 200): requests under way.
      const form = `POST /login HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\np`;
      const flood: HeldSocket[] = [];
      for (let i = 0; i < 9; i++) {
        flood.push(...await holdConnections(web.port, `127.0.8.${i + 1}`, 30, form));
      }
      await waitFor("the limit full", () => web.httpCounts.open >= 256);
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 }); // a new connection each
      try {
        for (let i = 0; i < 5; i++) {
          const reply = await fetch(`${base}/session`, { headers: { cookie: cookie! }, client });
          assert.equal(reply.status, 204);
          await reply.body?.cancel();
        }
      } finally {
        client.close();
      }
      assert.ok(web.httpCounts.open <= DEFAULT_HTTP_LIMITS.maxConnections);
      assert.ok(web.httpCounts.evicted >= 5, JSON.stringify(web.httpCounts));
      console.log(`slow-form flood of ${flood.length}: counts ${JSON.stringify(web.httpCounts)}`);
      release(flood);
      // The server still answers a PIN form in full.
      const reply = await fetch(`${base}/login`, {
        method: "POST",
        headers: { origin: base, "content-type": "application/x-www-form-urlencoded" },
        body: `pin=${PIN}`,
        redirect: "manual",
      });
      assert.equal(reply.status, 303);
      await reply.body?.cancel();
    });
  },
});

Deno.test({
  name: "remote limits: refused WebSocket upgrades holding every connection let a page act",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRemote({}, async (web, _player, base) => {
      const host = `127.0.0.1:${web.port}`;
      const { cookie } = await loginFrom(web.port, PIN);
      // 9 addresses × 30 upgrades without a session: each is refused (401) and closed a second
      // later, time enough to fill the 256 connections again and again.
      const upgrade = `GET /ws HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\n` +
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
      // Each keeps its side open after the refusal (allowHalfOpen), so only the server's close,
      // a second later, frees the connection.
      const flood: net.Socket[] = [];
      let refused = 0;
      for (let i = 0; i < 9 * 30; i++) {
        const socket = net.connect({
          port: web.port,
          host: "127.0.0.1",
          localAddress: `127.0.9.${(i % 9) + 1}`,
          allowHalfOpen: true,
        });
        socket.on("error", () => {});
        socket.once("data", () => refused++);
        socket.write(upgrade);
        flood.push(socket);
      }
      await waitFor("the limit full of refused upgrades", () => refused >= 250);
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 }); // a new connection each
      try {
        for (let i = 0; i < 5; i++) {
          const reply = await fetch(`${base}/session`, { headers: { cookie: cookie! }, client });
          assert.equal(reply.status, 204);
          await reply.body?.cancel();
        }
      } finally {
        client.close();
      }
      assert.ok(web.httpCounts.open <= DEFAULT_HTTP_LIMITS.maxConnections);
      console.log(`upgrade flood of ${flood.length}: counts ${JSON.stringify(web.httpCounts)}`);
      for (const socket of flood) socket.destroy();
    });
  },
});
