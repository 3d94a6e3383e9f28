/**
 * The sync feed's security (docs/two-rigs.md): a follower on loopback, fed by a hand-made
 * primary (a plain UDP socket that signs with the codec), takes a valid packet and drops every
 * hostile one (another key, a replay, malformed bytes, a packet from another address): each is
 * counted in `health.sync.rejected`, said as a notice, and changes nothing. The primary drops
 * unsigned probes the same way, and a short key is refused before anything opens. The review's
 * defects (issue 27's attack report): a loop past this rig's end is clamped and said; junk never
 * changes health and reordered is told from replay; a restarted primary (new session) is
 * followed; a replayed ping neither subscribes nor amplifies (cookie round trip, freshness).
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { followSync, type Player, serveSync, StemplayError } from "../mod.ts";
import { decodeSyncPacket, encodeSyncPacket, type SyncState } from "../src/control/sync_packet.ts";
import { syncHealthOf } from "../src/control/sync_registry.ts";
import { SONG_TITLES, withShow } from "./support/show_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

const KEY = "correct horse battery staple";
const OTHER_KEY = "another key of enough bytes";

interface Peer {
  socket: dgram.Socket;
  port: number;
  received: { bytes: Uint8Array; port: number }[];
}

async function udpPeer(): Promise<Peer> {
  const socket = dgram.createSocket("udp4");
  const received: Peer["received"] = [];
  socket.on(
    "message",
    (bytes, from) => received.push({ bytes: new Uint8Array(bytes), port: from.port }),
  );
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return { socket, port: socket.address().port, received };
}

function send(peer: Peer, bytes: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve) => peer.socket.send(bytes, port, "127.0.0.1", () => resolve()));
}

function stateAt(position: number): SyncState {
  return {
    kind: "state",
    at: Date.now(),
    song: { index: 0, title: SONG_TITLES[0] },
    state: "paused",
    position,
    sampleRate: 48000,
    deviceLost: false,
  };
}

function rejected(player: Player): number {
  return syncHealthOf(player)?.rejected ?? -1;
}

Deno.test("sync: hostile packets are dropped, counted and said, and change nothing", async () => {
  await withShow({ backend: "null" }, async (player) => {
    const primary = await udpPeer();
    const stranger = await udpPeer();
    const notices: string[] = [];
    const follower = await followSync(player, {
      host: "127.0.0.1",
      port: primary.port,
      key: KEY,
      onNotice: (text) => notices.push(text),
    });
    try {
      await waitFor("the follower's first probe", () => primary.received.length > 0);
      const probe = primary.received[0];
      const decoded = decodeSyncPacket(KEY, probe.bytes);
      assert.ok(decoded.ok && decoded.message.kind === "ping", "the probe is signed with the key");
      assert.equal(decodeSyncPacket(OTHER_KEY, probe.bytes).ok, false);
      const to = probe.port;
      let seq = 1000n;
      // The answer to its probe, on a clock of our own (the follower measures the offset).
      const t0 = decoded.ok && decoded.message.kind === "ping" ? decoded.message.t0 : 0;
      const t = Date.now();
      const id = (decoded.ok ? decoded.session : 0n).toString(16);
      await send(
        primary,
        encodeSyncPacket(KEY, seq++, { kind: "pong", t0, t1: t, t2: t, id, cookie: "c" }),
        to,
      );
      const old = encodeSyncPacket(KEY, seq++, stateAt(48000));
      await send(primary, old, to);
      await waitFor("the valid state to move the follower", () => player.positionFrames === 48000);
      assert.equal(rejected(player), 0);

      const hostile: [string, Peer, Uint8Array][] = [
        ["another key", primary, encodeSyncPacket(OTHER_KEY, seq++, stateAt(96000))],
        ["a replay of the last packet", primary, old],
        ["an old sequence number", primary, encodeSyncPacket(KEY, 5n, stateAt(96000))],
        ["random bytes", primary, crypto.getRandomValues(new Uint8Array(200))],
        ["an empty datagram", primary, new Uint8Array(0)],
        [
          "a signed body that is not a message",
          primary,
          encodeSyncPacket(KEY, seq++, {
            kind: "state",
            position: "everywhere",
          } as unknown as SyncState),
        ],
        [
          "a probe sent back",
          primary,
          encodeSyncPacket(KEY, seq++, { kind: "ping", t0: 1, wall: Date.now() }),
        ],
        [
          "a valid packet from another address",
          stranger,
          encodeSyncPacket(KEY, seq++, stateAt(96000)),
        ],
      ];
      for (const [what, from, bytes] of hostile) {
        const before = rejected(player);
        await send(from, bytes, to);
        await waitFor(`${what} to be counted`, () => rejected(player) === before + 1);
        await sleep(60); // two ticks: anything it changed would show
        assert.equal(player.positionFrames, 48000, `${what} moved the player`);
        assert.equal(player.state, "stopped", `${what} changed the state`);
        assert.equal(player.setlist?.index, 0, `${what} changed the song`);
      }
      assert.equal(rejected(player), hostile.length);
      assert.ok(notices.some((text) => /dropped/.test(text)), `notices: ${notices.join(" | ")}`);
      assert.match(syncHealthOf(player)?.lastRejected ?? "", /not from the primary's address/);
      assert.equal(syncHealthOf(player)?.problem, undefined, "junk never sets the problem");

      // The channel still works: a valid packet after all that is taken.
      await send(primary, encodeSyncPacket(KEY, seq++, stateAt(24000)), to);
      await waitFor("a valid state after the attack", () => player.positionFrames === 24000);
    } finally {
      await follower.close();
      primary.socket.close();
      stranger.socket.close();
    }
  });
});

Deno.test("sync: the primary drops unsigned and replayed probes and answers a valid one", async () => {
  await withShow({ backend: "null" }, async (player) => {
    const server = await serveSync(player, { port: 0, key: KEY });
    const peer = await udpPeer();
    try {
      const wall = Date.now();
      await send(
        peer,
        encodeSyncPacket(OTHER_KEY, 1n, { kind: "ping", t0: 1, wall }),
        server.port,
      );
      await send(peer, new TextEncoder().encode("/stemplay/play"), server.port);
      const ping = encodeSyncPacket(KEY, 10n, { kind: "ping", t0: 1, wall });
      await send(peer, ping, server.port);
      await send(peer, ping, server.port);
      await waitFor("three drops", () => server.rejected === 3);
      const cookie = await cookieFrom(peer);
      await send(
        peer,
        encodeSyncPacket(KEY, 11n, { kind: "ping", t0: 2, wall, cookie }),
        server.port,
      );
      await waitFor("a pong and the state", () =>
        peer.received.some((r) => {
          const d = decodeSyncPacket(KEY, r.bytes);
          return d.ok && d.message.kind === "state";
        }));
      const pong = peer.received.map((r) => decodeSyncPacket(KEY, r.bytes))
        .find((d) => d.ok && d.message.kind === "pong");
      assert.ok(pong?.ok && pong.message.kind === "pong" && pong.message.t0 === 1);
      assert.equal(server.followers, 1);
      assert.equal(syncHealthOf(player)?.role, "primary");
    } finally {
      peer.socket.close();
      await server.close();
    }
  });
});

Deno.test("sync: a key shorter than 16 bytes is refused before anything opens", async () => {
  await withShow({ backend: "null" }, async (player) => {
    for (
      const open of [
        () => serveSync(player, { port: 0, key: "short" }),
        () => followSync(player, { host: "127.0.0.1", port: 9, key: "short" }),
      ]
    ) {
      await assert.rejects(open, (error: unknown) => {
        assert.ok(error instanceof StemplayError);
        assert.equal(error.code, "INVALID_ARGUMENT");
        assert.match(error.message, /at least 16/);
        return true;
      });
    }
    assert.equal(syncHealthOf(player), undefined);
  });
});

/** The cookie of the newest pong `peer` received. */
async function cookieFrom(peer: Peer): Promise<string> {
  let cookie: string | undefined;
  await waitFor("a pong with a cookie", () => {
    for (const r of peer.received) {
      const d = decodeSyncPacket(KEY, r.bytes);
      if (d.ok && d.message.kind === "pong") cookie = d.message.cookie;
    }
    return cookie !== undefined;
  });
  return cookie!;
}

function pongs(peer: Peer): number {
  return peer.received.filter((r) => {
    const d = decodeSyncPacket(KEY, r.bytes);
    return d.ok && d.message.kind === "pong";
  }).length;
}

/** A follower on `player` fed by a hand-made primary: `answer` pongs its newest ping from the
 * primary session given, `tx` signs anything as that session. */
async function handMade(
  player: Player,
  fn: (rig: {
    primary: Peer;
    to: number;
    notices: string[];
    answer: (session: bigint, seq: bigint) => Promise<void>;
    tx: (message: unknown, session: bigint, seq: bigint, from?: Peer) => Promise<void>;
  }) => Promise<void>,
): Promise<void> {
  const primary = await udpPeer();
  const notices: string[] = [];
  const follower = await followSync(player, {
    host: "127.0.0.1",
    port: primary.port,
    key: KEY,
    onNotice: (text) => notices.push(text),
  });
  try {
    await waitFor("the follower's first probe", () => primary.received.length > 0);
    const to = primary.received[0].port;
    const tx = (message: unknown, session: bigint, seq: bigint, from = primary) =>
      send(from, encodeSyncPacket(KEY, seq, message as SyncState, session), to);
    let answered = 0;
    const answer = async (session: bigint, seq: bigint) => {
      // Each answer to a ping not answered before (as a real primary does).
      await waitFor("a new probe", () => primary.received.length > answered);
      answered = primary.received.length;
      const last = decodeSyncPacket(KEY, primary.received[primary.received.length - 1].bytes);
      assert.ok(last.ok && last.message.kind === "ping");
      const t0 = last.message.t0;
      const id = (last.session ?? 0n).toString(16);
      await tx({ kind: "pong", t0, t1: t0, t2: t0, id, cookie: "c" }, session, seq);
    };
    await fn({ primary, to, notices, answer, tx });
  } finally {
    await follower.close();
    primary.socket.close();
  }
}

Deno.test("sync: a loop past the end of this rig's copy is clamped and said, not lost", async () => {
  await withShow({ backend: "null" }, async (player) => {
    await handMade(player, async ({ answer, tx, notices }) => {
      await answer(1n, 1n);
      const loop = { start: 18, end: player.duration + 0.01 };
      const state = { ...stateAt(18 * 48000), state: "playing", loop };
      await tx(state, 1n, 2n);
      await waitFor("the follower to play", () => player.state === "playing");
      await tx(state, 1n, 3n);
      await waitFor(
        "the mismatch said",
        () => /mismatch/.test(syncHealthOf(player)?.problem ?? ""),
      );
      assert.ok(notices.some((text) => /mismatch/.test(text)), notices.join(" | "));
      assert.equal(player.loopRange?.end, player.duration, "the loop ends at this rig's end");
    });
  });
});

Deno.test("sync: junk never changes health; reordered packets are told from replays", async () => {
  await withShow({ backend: "null" }, async (player) => {
    await handMade(player, async ({ answer, tx, notices, to }) => {
      const stranger = await udpPeer();
      try {
        await answer(1n, 1n);
        const lacking = { ...stateAt(0), song: { index: 1, title: "A song this rig lacks" } };
        let seq = 2n;
        await tx(lacking, 1n, seq++);
        await waitFor("missing", () => syncHealthOf(player)?.state === "missing");
        for (let i = 0; i < 20; i++) {
          await send(stranger, new Uint8Array([0]), to);
          await tx(lacking, 1n, seq++);
        }
        await waitFor("the junk counted", () => (syncHealthOf(player)?.rejected ?? 0) >= 20);
        assert.equal(syncHealthOf(player)?.state, "missing", "junk turned 'missing' around");
        assert.match(syncHealthOf(player)?.lastRejected ?? "", /dropped/);
        assert.match(syncHealthOf(player)?.problem ?? "", /^missing/);
        const missing = notices.filter((text) => text.startsWith("missing")).length;
        assert.equal(missing, 1, `"missing" said ${missing} times: ${notices.join(" | ")}`);

        const late = seq++;
        await tx(lacking, 1n, seq++);
        const before = syncHealthOf(player)?.rejected ?? 0;
        await tx(lacking, 1n, late);
        await waitFor("the late one counted", () => syncHealthOf(player)?.rejected === before + 1);
        assert.match(syncHealthOf(player)?.lastRejected ?? "", /reordered/);
        await tx(lacking, 1n, late);
        await waitFor("the repeat counted", () => syncHealthOf(player)?.rejected === before + 2);
        assert.match(syncHealthOf(player)?.lastRejected ?? "", /replay/);
      } finally {
        stranger.socket.close();
      }
    });
  });
});

Deno.test("sync: a restarted primary (a new session, lower sequence) is followed", async () => {
  await withShow({ backend: "null" }, async (player) => {
    await handMade(player, async ({ answer, tx }) => {
      await answer(0xaaaan, 1_000_000n);
      await tx(stateAt(48000), 0xaaaan, 1_000_001n);
      await waitFor("the first run's state", () => player.positionFrames === 48000);
      // Restarted after its clock stepped back: a new session, sequence numbers far below.
      await answer(0xbbbbn, 5n);
      await tx(stateAt(24000), 0xbbbbn, 6n);
      await waitFor("the new run's state", () => player.positionFrames === 24000);
      // The old run's packets, signed and newer in its own numbering, are refused now.
      const before = syncHealthOf(player)?.rejected ?? 0;
      await tx(stateAt(96000), 0xaaaan, 1_000_002n);
      await waitFor("the old session refused", () => syncHealthOf(player)?.rejected === before + 1);
      assert.match(syncHealthOf(player)?.lastRejected ?? "", /another session/);
      assert.equal(player.positionFrames, 24000);
    });
  });
});

Deno.test("sync: a replayed ping neither subscribes nor amplifies", async () => {
  await withShow({ backend: "null" }, async (player) => {
    const server = await serveSync(player, { port: 0, key: KEY });
    const follower = await udpPeer();
    const replayers = await Promise.all(Array.from({ length: 8 }, () => udpPeer()));
    const states = (peer: Peer) =>
      peer.received.filter((r) => {
        const d = decodeSyncPacket(KEY, r.bytes);
        return d.ok && d.message.kind === "state";
      }).length;
    try {
      const session = 0x1234n;
      const ping = (seq: bigint, cookie?: string, wall = Date.now()) =>
        encodeSyncPacket(KEY, seq, { kind: "ping", t0: 1, wall, cookie }, session);
      const first = ping(100n);
      await send(follower, first, server.port);
      await cookieFrom(follower);
      assert.equal(server.followers, 0, "a first ping (no round trip yet) subscribed");
      // The same signed ping from other ports: one window per session, so each is a replay.
      for (const peer of replayers) await send(peer, first, server.port);
      await waitFor("the replays refused", () => server.rejected === replayers.length);
      // A ping from an old capture (its wall clock a minute off) is refused.
      await send(follower, ping(101n, undefined, Date.now() - 60_000), server.port);
      await waitFor("the stale ping refused", () => server.rejected === replayers.length + 1);
      // The round trip: the cookie echoed from the address it went to subscribes.
      const cookie = await cookieFrom(follower);
      await send(replayers[0], ping(102n, cookie), server.port);
      await waitFor("a pong to the other address", () => pongs(replayers[0]) === 1);
      assert.equal(server.followers, 0, "a cookie from another address subscribed");
      await send(follower, ping(103n, cookie), server.port);
      await waitFor("the state to the proven address", () => states(follower) > 0);
      assert.equal(server.followers, 1);
      await sleep(100);
      for (const [i, peer] of replayers.entries()) {
        assert.equal(states(peer), 0, `replayer ${i} was sent state`);
        assert.ok(pongs(peer) <= (i === 0 ? 1 : 0), `replayer ${i} got ${pongs(peer)} pongs`);
      }
    } finally {
      follower.socket.close();
      for (const peer of replayers) peer.socket.close();
      await server.close();
    }
  });
});
