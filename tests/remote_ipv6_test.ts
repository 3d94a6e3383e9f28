/**
 * The web remote's limits over IPv6 count per /64 network: a guesser cannot escape the wrong-PIN
 * lockout or the per-address connection cap by moving through the addresses of its /64. Run in
 * `unshare -n` (loopback only), with two documentation /64s added to its loopback.
 */
import assert from "node:assert/strict";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";

const name = "remote ipv6: wrong PINs and connections count per /64 (inside unshare -n)";
Deno.test({
  name,
  ignore: ignoreWithout("unshare", name) || ignoreWithout("ip", name),
  async fn() {
    requireTool("unshare", name);
    requireTool("ip", name);
    const child = new URL("./support/remote_ipv6_child.ts", import.meta.url).pathname;
    const setup = [
      "ip link set lo up",
      ...[..."0123456789abcdef"].map((d) => `ip addr add 2001:db8:1::1${d}/64 dev lo nodad`),
      "ip addr add 2001:db8:1::1/64 dev lo nodad",
      "ip addr add 2001:db8:1::ff/64 dev lo nodad",
      "ip addr add 2001:db8:2::1/64 dev lo nodad",
      `exec "$0" run -A --no-check=remote "$1"`,
    ].join(" && ");
    const output = await new Deno.Command("unshare", {
      args: ["-n", "sh", "-c", setup, Deno.execPath(), child],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.deepEqual(result.guesses.slice(0, -1), Array(result.guesses.length - 1).fill(401));
    assert.equal(result.guesses.at(-1), 429, "the tenth wrong PIN from the /64 locks it");
    assert.equal(result.sameNet, 429, "another address of the same /64 is locked out too");
    assert.equal(result.otherNet, 303, "another /64 logs in");
    assert.equal(result.loopback, 303, "::1 logs in");
    assert.ok(result.heldOpen <= 32, `${result.heldOpen} connections held open from one /64`);
  },
});
