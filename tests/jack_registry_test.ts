/**
 * The test servers' hygiene: JACK's registry (/dev/shm/jack-shm-registry) has 8 server slots,
 * and a server killed by SIGKILL keeps its slot. A suite that kills servers (device loss) used
 * to fill it; the next start then cleared the registry, which broke every later client of the
 * suite's own process ("Cannot open shm segment"). A killed test server now gives its slot back
 * when it is stopped (tests/support/jack.ts).
 */
import assert from "node:assert/strict";
import { JackServer, jackTest } from "./support/jack.ts";

async function registryNames(): Promise<string> {
  const bytes = await Deno.readFile("/dev/shm/jack-shm-registry").catch(() => new Uint8Array());
  return new TextDecoder("latin1").decode(bytes);
}

const name = "JACK test servers: a killed server's registry slot is free again once it is stopped";
jackTest(name, [], async () => {
  const server = await JackServer.start();
  assert.ok((await registryNames()).includes(server.name), "a running server has a slot");
  await server.kill();
  assert.ok((await registryNames()).includes(server.name), "killed, it keeps its slot");
  await server.stop();
  assert.ok(!(await registryNames()).includes(server.name), "stopped, the slot is free");
});
