/**
 * The OSC surface under a stranger's packets (issue 21): floods of subscribes, spoofed
 * subscriptions, huge bundles, fast senders and long action queues are bounded, refused with
 * one clear error reply, and counted. Real UDP on loopback only (other hosts are stood for by
 * 127.0.0.2 …, which Linux routes to loopback), bounded in count; nothing timed is asserted.
 * They pass inside a network namespace with loopback only, too:
 * `unshare -n sh -c 'ip link set lo up && deno test -A tests/osc_limits_test.ts'`.
 */
import assert from "node:assert/strict";
import { serveOsc } from "../mod.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { oscBundleOf, oscPacket, OscPeer, oscsend, type TestMessage } from "./support/osc_tools.ts";
import { withOsc, withShow } from "./support/show_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

/** Waits until `peer` has received nothing new for `quietMs`. */
async function settle(peer: OscPeer, quietMs = 300): Promise<void> {
  let seen = -1;
  while (peer.packets !== seen) {
    seen = peer.packets;
    await sleep(quietMs);
  }
}

const subscribe = (port?: number): TestMessage => ({
  address: "/stemplay/subscribe",
  args: port === undefined ? [] : [{ type: "integer", value: port }],
});
const status: TestMessage = { address: "/stemplay/status" };

Deno.test("osc limits: a subscribe flood holds at most 8 per host and 64 in all", async () => {
  await withOsc(async (_player, osc) => {
    const flooder = await OscPeer.start("127.0.0.1");
    const hosts = await Promise.all(
      Array.from({ length: 9 }, (_, index) => OscPeer.start(`127.0.0.${index + 2}`)),
    );
    try {
      // 5,100 subscribes in three bundles (the flood): each bundle is refused whole.
      for (let bundle = 0; bundle < 3; bundle++) {
        const ports = Array.from({ length: 1700 }, (_, index) => 20000 + bundle * 1700 + index);
        await flooder.send(osc.port, oscPacket(ports.map(subscribe)));
      }
      await waitFor(
        "the flood's answers",
        () => flooder.matching(/^\/stemplay\/error /).length >= 3,
      );
      await settle(flooder);
      assert.equal(osc.subscribers, 0, `${osc.subscribers} subscribers after the flood`);
      assert.equal(flooder.matching(/^\/stemplay\/error /).length, 3);
      assert.match(flooder.messages[0], /more than 32 messages in one packet/);

      // Nine hosts, twelve subscriptions each, one a packet.
      for (const [index, host] of hosts.entries()) {
        for (let port = 0; port < 12; port++) {
          await host.send(osc.port, oscPacket(subscribe(30000 + index * 100 + port)));
        }
      }
      await waitFor("every subscribe answered", () => osc.received === 3 + 9 * 12);
      await Promise.all(hosts.map((host) => settle(host)));
      assert.equal(osc.subscribers, 64, `${osc.subscribers} subscribers`);
      for (const host of hosts.slice(0, 8)) {
        assert.equal(host.matching(/most one host may have/).length, 4, host.messages.join(" | "));
      }
      assert.equal(hosts[8].matching(/the most there may be/).length, 12);

      // A port below 1024 is never subscribed.
      await hosts[8].send(osc.port, oscPacket(subscribe(53)));
      await waitFor(
        "the refusal",
        () => hosts[8].matching(/subscribe takes .*1024 to 65535/).length === 1,
      );
    } finally {
      await flooder.close();
      await Promise.all(hosts.map((host) => host.close()));
    }
  });
});

const spoofName = "osc limits: a spoofed subscribe sends its victim at most 10 packets";
Deno.test({
  name: spoofName,
  ignore: ignoreWithout("oscsend", spoofName),
  async fn() {
    requireTool("oscsend", spoofName);
    await withOsc(async (player, osc) => {
      const victim = await OscPeer.start();
      try {
        // One datagram from oscsend naming the victim's port; the victim never renews.
        await oscsend(osc.port, "/stemplay/subscribe", "i", String(victim.port));
        await waitFor("the first status", () => victim.packets >= 1);
        player.play();
        await waitFor(
          "the subscription to end, or more than 10 packets",
          () => osc.subscribers === 0 || victim.packets > 10,
        );
        await sleep(500);
        assert.ok(victim.packets <= 10, `the victim got ${victim.packets} packets`);
        assert.equal(osc.subscribers, 0);
      } finally {
        await victim.close();
      }
    });
  },
});

Deno.test("osc limits: a subscriber that renews keeps getting status", async () => {
  await withOsc(async (player, osc) => {
    const client = await OscPeer.start();
    try {
      await client.send(osc.port, oscPacket(subscribe()));
      player.play();
      // Renew every 5 packets received, as the docs tell a controller to (every 0.5 s).
      let renewedAt = 0;
      await waitFor("30 packets", () => {
        if (client.packets - renewedAt >= 5) {
          renewedAt = client.packets;
          client.send(osc.port, oscPacket(subscribe()));
        }
        return client.packets >= 30;
      });
      assert.equal(osc.subscribers, 1);
    } finally {
      await client.close();
    }
  });
});

Deno.test("osc limits: a packet of more than 32 messages is one error reply, none of it runs", async () => {
  await withOsc(async (player, osc) => {
    const peer = await OscPeer.start();
    try {
      await peer.send(osc.port, oscPacket(Array(33).fill({ address: "/stemplay/play" })));
      await waitFor("the refusal", () => peer.packets === 1);
      assert.match(
        peer.messages[0],
        /^\/stemplay\/error more than 32 messages in one packet .*none of them was run/,
      );
      // Bundles inside a bundle are counted through: 2 × 20 is too many as well.
      const twenty = oscPacket(Array(20).fill({ address: "/stemplay/play" }));
      await peer.send(osc.port, oscBundleOf([twenty, twenty]));
      await waitFor("the nested refusal", () => peer.packets === 2);
      assert.match(peer.messages[1], /^\/stemplay\/error more than 32 messages in one packet/);
      assert.equal(player.state, "stopped");
      // A 64 KB bundle of status requests: one error reply, no status.
      const many = Math.floor(65000 / 28);
      await peer.send(osc.port, oscPacket(Array(many).fill(status)));
      await waitFor("the third refusal", () => peer.packets >= 3);
      await settle(peer);
      assert.equal(peer.packets, 3, `${peer.packets - 2} replies to one 64 KB status bundle`);
      assert.equal(player.state, "stopped");
      // 32 status requests in one packet: one status reply (five messages in one packet).
      await peer.send(osc.port, oscPacket(Array(32).fill(status)));
      await waitFor("the status", () => peer.packets >= 4);
      await settle(peer);
      assert.equal(peer.packets, 4, `${peer.packets - 3} replies to 32 status requests`);
      assert.equal(peer.matching(/^\/stemplay\/state /).length, 1);
      assert.equal(peer.matching(/^\/stemplay\/health /).length, 1);
    } finally {
      await peer.close();
    }
  });
});

Deno.test("osc limits: one error reply per packet, naming the first problem", async () => {
  await withOsc(async (_player, osc) => {
    const peer = await OscPeer.start();
    try {
      const bad = ["/a", "/b", "/c", "/d", "/e"].map((address) => ({ address }));
      await peer.send(osc.port, oscPacket(bad));
      await waitFor("the reply", () => peer.packets >= 1);
      await settle(peer);
      assert.deepEqual(peer.messages, [
        "/stemplay/error unknown address /a (and 4 more problems in this packet)",
      ]);
      assert.equal(osc.errors, 5);
    } finally {
      await peer.close();
    }
  });
});

Deno.test("osc limits: more than 50 packets a second from one address are dropped and counted", async () => {
  await withOsc(async (_player, osc) => {
    const peer = await OscPeer.start();
    try {
      const started = performance.now();
      const bytes = oscPacket(status);
      for (let packet = 0; packet < 120; packet++) await peer.send(osc.port, bytes);
      await waitFor("120 packets received", () => osc.received === 120);
      const seconds = (performance.now() - started) / 1000;
      await settle(peer);
      const statuses = peer.matching(/^\/stemplay\/state /).length;
      const windows = Math.ceil(seconds) + 1;
      assert.ok(statuses <= 50 * windows, `${statuses} answered in ${windows} windows`);
      assert.equal(osc.rateLimited, 120 - statuses);
      assert.ok(osc.rateLimited >= 120 - 50 * windows, `${osc.rateLimited} dropped`);
      const notices = peer.matching(/^\/stemplay\/error too many packets from 127\.0\.0\.1/).length;
      assert.ok(notices >= 1 && notices <= windows, `${notices} notices`);
    } finally {
      await peer.close();
    }
  });
});

Deno.test("osc limits: at most 64 actions wait; more are refused with an error reply", async () => {
  await withOsc(async (player, osc) => {
    const peers = await Promise.all(
      Array.from({ length: 6 }, (_, index) => OscPeer.start(`127.0.1.${index + 1}`)),
    );
    try {
      const gotos = Array.from({ length: 32 }, (_, index) => ({
        address: "/stemplay/goto",
        args: [{ type: "integer", value: 1 + (index % 2) }],
      }));
      // 192 gotos in six packets from six hosts (so no rate limit is what refuses them).
      await Promise.all(peers.map((peer) => peer.send(osc.port, oscPacket(gotos))));
      await waitFor(
        "every action run or refused",
        () => osc.received === 6 && osc.pendingActions === 0,
        60000,
      );
      const refusals = peers.flatMap((peer) => peer.matching(/64 actions are waiting/));
      assert.ok(
        refusals.length >= 1,
        `no refusal: ${peers.map((peer) => peer.messages).join(" | ")}`,
      );
      assert.ok(osc.errors >= 192 - 64 - 32, `${osc.errors} refused`);
      // The show still answers.
      await peers[0].send(
        osc.port,
        oscPacket({ address: "/stemplay/goto", args: [{ type: "integer", value: 2 }] }),
      );
      await waitFor("song 2", () => player.setlist?.index === 1);
    } finally {
      await Promise.all(peers.map((peer) => peer.close()));
    }
  });
});

Deno.test("osc limits: packetsPerSecond raises the rate limit; a bad value is refused", async () => {
  await withShow({ backend: "null" }, async (player) => {
    await assert.rejects(
      serveOsc(player, { port: 0, packetsPerSecond: 0 }),
      /packetsPerSecond must be a number >= 1, got 0/,
    );
    await using osc = await serveOsc(player, { port: 0, packetsPerSecond: 1000 });
    const peer = await OscPeer.start();
    try {
      const bytes = oscPacket(status);
      for (let packet = 0; packet < 120; packet++) await peer.send(osc.port, bytes);
      await waitFor("120 packets received", () => osc.received === 120);
      assert.equal(osc.rateLimited, 0);
    } finally {
      await peer.close();
    }
  });
});
