/**
 * The OSC surface against a stranger's crafted packets, after the limits of osc_limits_test.ts:
 * many subscribes in one packet, replies larger than their request, bundles nested thousands
 * deep, zero-size bundle elements. Real UDP on loopback only (127.0.0.x), bounded in count;
 * nothing timed is asserted. They pass inside `unshare -n` (loopback only) too.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
// deno-lint-ignore no-import-prefix
import { toBuffer } from "npm:osc-min@2.1.2";
import { OSC_LIMITS } from "../mod.ts";
import { PacketRate } from "../src/control/osc_rate.ts";
import { oscPacket, OscPeer, type TestMessage } from "./support/osc_tools.ts";
import { withOsc } from "./support/show_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

/** A raw UDP socket on `host` that keeps the size of every packet it gets. */
async function sizesPeer(host = "127.0.0.1") {
  const socket = dgram.createSocket("udp4");
  const sizes: number[] = [];
  socket.on("message", (packet: Buffer) => sizes.push(packet.length));
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  return {
    sizes,
    send: (port: number, bytes: Uint8Array) =>
      new Promise<void>((resolve, reject) =>
        socket.send(Buffer.from(bytes), port, "127.0.0.1", (e) => e ? reject(e) : resolve())
      ),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

const subscribe = (port: number): TestMessage => ({
  address: "/stemplay/subscribe",
  args: [{ type: "integer", value: port }],
});

Deno.test("osc attack: one packet of 8 subscribes makes one subscription, its victim gets at most 10 packets", async () => {
  await withOsc(async (player, osc) => {
    // The victim host's 8 ports, and a forged packet "from" that host naming them all.
    const victims = await Promise.all(Array.from({ length: 8 }, () => OscPeer.start("127.0.0.9")));
    const forger = await OscPeer.start("127.0.0.9");
    try {
      await forger.send(osc.port, oscPacket(victims.map((victim) => subscribe(victim.port))));
      await waitFor("the packet read", () => osc.received === 1);
      assert.ok(osc.subscribers <= 1, `${osc.subscribers} subscriptions from one packet`);
      player.play();
      const total = () => victims.reduce((sum, victim) => sum + victim.packets, 0);
      await waitFor(
        "the subscriptions to end, or more than 10 packets",
        () => osc.subscribers === 0 || total() > 10,
      );
      await sleep(500);
      assert.ok(total() <= 10, `one forged packet sent its victim host ${total()} packets`);
    } finally {
      await forger.close();
      await Promise.all(victims.map((victim) => victim.close()));
    }
  });
});

/** The bytes of one message with `args`. */
function messageBytes(address: string, args: { type: string; value?: unknown }[]): Uint8Array {
  // deno-lint-ignore no-explicit-any
  const view = toBuffer({ address, args } as any);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

Deno.test("osc attack: an error reply is never much bigger than its request", async () => {
  await withOsc(async (_player, osc) => {
    const peer = await sizesPeer();
    try {
      const requests = [
        // 9,000 "T" arguments: 9 KB in, each described as "true, " in the reply (7 times more).
        messageBytes("/stemplay/play", Array.from({ length: 9000 }, () => ({ type: "true" }))),
        // A string of 9,000 control characters: JSON-escaped, six bytes each.
        messageBytes("/stemplay/play", [{ type: "string", value: "\u0001".repeat(9000) }]),
        // 12,000 path-like strings (60 KB): every one is a path to check in the reply.
        messageBytes(
          "/stemplay/play",
          Array.from({ length: 12000 }, () => ({ type: "string", value: "/ b" })),
        ),
      ];
      for (const [index, request] of requests.entries()) {
        await peer.send(osc.port, request);
        await waitFor(
          `the reply to request ${index + 1}`,
          () => peer.sizes.length === index + 1,
          60000,
        );
        const reply = peer.sizes[index];
        assert.ok(
          reply <= Math.max(Math.min(request.length, 1024), 300),
          `request ${index + 1}: ${request.length} bytes in, ${reply} bytes out`,
        );
      }
      // A small bad request still gets its whole explanation.
      await peer.send(osc.port, messageBytes("/stemplay/jump", []));
      await waitFor("the jump reply", () => peer.sizes.length === requests.length + 1);
      assert.ok(osc.errors >= 4);
    } finally {
      await peer.close();
    }
  });
});

/** `inner` wrapped in a bundle `depth` times. */
function nested(inner: Uint8Array, depth: number): Uint8Array {
  let bytes = inner;
  for (let level = 0; level < depth; level++) {
    const outer = new Uint8Array(20 + bytes.length);
    const view = new DataView(outer.buffer);
    outer.set(new TextEncoder().encode("#bundle\0"));
    view.setUint32(12, 1);
    view.setInt32(16, bytes.length);
    outer.set(bytes, 20);
    bytes = outer;
  }
  return bytes;
}

Deno.test("osc attack: bundles nested 3,000 deep and zero-size elements are refused before decoding", async () => {
  await withOsc(async (player, osc) => {
    const peer = await OscPeer.start();
    try {
      const play = messageBytes("/stemplay/play", []);
      await peer.send(osc.port, nested(play, 3000));
      await waitFor("the deep reply", () => peer.packets === 1);
      assert.match(peer.messages[0], /^\/stemplay\/error bundles nested more than 8 deep/);
      assert.doesNotMatch(peer.messages[0], /internal error/);

      // A zero-size element first, then 2,000 messages: counted through, not skipped.
      const count = 2000;
      const bundle = new Uint8Array(20 + count * (4 + play.length));
      const view = new DataView(bundle.buffer);
      bundle.set(new TextEncoder().encode("#bundle\0"));
      view.setUint32(12, 1);
      view.setInt32(16, 0);
      for (let index = 0, at = 20; index < count; index++, at += 4 + play.length) {
        view.setInt32(at, play.length);
        bundle.set(play, at + 4);
      }
      await peer.send(osc.port, bundle);
      await waitFor("the zero-size reply", () => peer.packets === 2);
      assert.match(peer.messages[1], /^\/stemplay\/error more than 32 messages in one packet/);
      assert.equal(player.state, "stopped");

      // The show still answers.
      await peer.send(osc.port, oscPacket({ address: "/stemplay/status" }));
      await waitFor("the status", () => peer.matching(/^\/stemplay\/state /).length === 1);
    } finally {
      await peer.close();
    }
  });
});

Deno.test("osc attack: 1,024 forged source addresses a second do not lock out a controller", () => {
  // The rate table itself, with its clock given (the loopback version needs 1,024 sockets
  // bound within one second). A forger needs only 1,024 packets a second from spoofed
  // addresses to keep it full.
  const rate = new PacketRate(OSC_LIMITS.packetsPerSecond, OSC_LIMITS.rateSources);
  assert.equal(rate.admit("192.168.1.20", 0), "ok"); // the foot pedal, earlier
  for (let second = 0; second < 3; second++) {
    for (let index = 0; index < 5000; index++) {
      rate.admit(`10.${second}.${index >> 8}.${index & 255}`, 1000 * second + index / 10);
    }
    assert.ok(rate.sources <= OSC_LIMITS.rateSources, `${rate.sources} sources remembered`);
    // The pedal's next press, in the middle of the flood's second.
    assert.equal(rate.admit("192.168.1.20", 1000 * second + 600), "ok", `second ${second}`);
  }
  // Its own limit still holds.
  let admitted = 0;
  for (let index = 0; index < 100; index++) {
    if (rate.admit("192.168.1.30", 2700) === "ok") admitted++;
  }
  assert.equal(admitted, OSC_LIMITS.packetsPerSecond);
});

Deno.test("osc attack: a message of 60,000 arguments is refused unread", async () => {
  await withOsc(async (player, osc) => {
    const peer = await OscPeer.start();
    try {
      // 64 KB of "T" tags: decoded, 60,000 objects (20-180 ms of the event loop each packet).
      await peer.send(
        osc.port,
        messageBytes("/stemplay/play", Array.from({ length: 60000 }, () => ({ type: "true" }))),
      );
      await waitFor("the reply", () => peer.packets === 1);
      assert.match(peer.messages[0], /^\/stemplay\/error a message with more than 16 arguments/);
      // The same in a bundle, after a play: nothing of it runs.
      const bundle = oscPacket([
        { address: "/stemplay/play" },
        { address: "/stemplay/play", args: Array.from({ length: 17 }, () => ({ type: "true" })) },
      ]);
      await peer.send(osc.port, bundle);
      await waitFor("the second reply", () => peer.packets === 2);
      assert.match(peer.messages[1], /more than 16 arguments/);
      assert.equal(player.state, "stopped");
      assert.equal(osc.errors, 2);
    } finally {
      await peer.close();
    }
  });
});
