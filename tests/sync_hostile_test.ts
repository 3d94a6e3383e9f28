/**
 * The sync feed's security (docs/two-rigs.md): a follower on loopback, fed by a hand-made
 * primary (a plain UDP socket that signs with the codec), takes a valid packet and drops every
 * hostile one (another key, a replay, malformed bytes, a packet from another address): each is
 * counted in `health.sync.rejected`, said as a notice, and changes nothing. The primary drops
 * unsigned probes the same way, and a short key is refused before anything opens.
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
      await send(primary, encodeSyncPacket(KEY, seq++, { kind: "pong", t0, t1: t, t2: t }), to);
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
        ["a probe sent back", primary, encodeSyncPacket(KEY, seq++, { kind: "ping", t0: 1 })],
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
      assert.match(syncHealthOf(player)?.problem ?? "", /not from the primary's address/);

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
      await send(peer, encodeSyncPacket(OTHER_KEY, 1n, { kind: "ping", t0: 1 }), server.port);
      await send(peer, new TextEncoder().encode("/stemplay/play"), server.port);
      const ping = encodeSyncPacket(KEY, 10n, { kind: "ping", t0: 1 });
      await send(peer, ping, server.port);
      await send(peer, ping, server.port);
      await waitFor("three drops", () => server.rejected === 3);
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
