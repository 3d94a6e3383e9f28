/**
 * Run inside `unshare -n` by tests/remote_ipv6_test.ts, where loopback is the only network and
 * two documentation /64s (2001:db8:1::/64, 2001:db8:2::/64) are added to it: serves the remote on
 * "::" and guesses PINs from many addresses of one /64. Prints one JSON line of what happened.
 *
 * @module
 */

import { serveRemote } from "../../mod.ts";
import { MAX_WRONG_PINS } from "../../src/control/remote_auth.ts";
import { holdConnections, loginFrom, release } from "./remote_client.ts";
import { withShow } from "./show_rig.ts";
import { sleep } from "./wait.ts";

const PIN = "482913";
const NET1 = "2001:db8:1::";

await withShow({ backend: "offline" }, async (player) => {
  const web = await serveRemote(player, { port: 0, hostname: "::", pin: PIN });
  try {
    const guesses: number[] = [];
    for (let i = 0; i < MAX_WRONG_PINS; i++) {
      const from = `${NET1}${(0x10 + i).toString(16)}`;
      guesses.push((await loginFrom(web.port, "000000", from, {}, `${NET1}1`)).status);
    }
    const sameNet = await loginFrom(web.port, PIN, `${NET1}ff`, {}, `${NET1}1`);
    const otherNet = await loginFrom(web.port, PIN, "2001:db8:2::1", {}, "2001:db8:2::1");
    const loopback = await loginFrom(web.port, PIN, "::1", {}, "::1");
    // Connections per /64: 48 from 8 addresses of one /64.
    const held = [];
    for (let i = 0; i < 8; i++) {
      held.push(
        ...await holdConnections(
          web.port,
          `${NET1}${(0x10 + i).toString(16)}`,
          6,
          undefined,
          `${NET1}1`,
        ),
      );
    }
    await sleep(300);
    const heldOpen = held.filter((s) => !s.closed).length;
    release(held);
    console.log(JSON.stringify({
      guesses,
      sameNet: sameNet.status,
      otherNet: otherNet.status,
      loopback: loopback.status,
      heldOpen,
    }));
  } finally {
    await web.close();
  }
});
