/**
 * One rig of the sync tests, in its own process on JACK (tests/support/sync_rig.ts): the
 * primary serves its feed and takes commands on stdin ("play", "jump Chorus", "vamp Chorus",
 * "exit", "goto 1", "stop"), answering "ok <command>"; the follower follows (with an injected
 * clock skew), prints "sync <health.sync as JSON>" every 100 ms and takes "failback" on
 * stdin. `heartbeat: N` turns the heartbeat on, on output N.
 *
 * @module
 */

import { followSync, Player, serveSync, setHeartbeat } from "../../mod.ts";
import { syncHealthOf } from "../../src/control/sync_registry.ts";
import { readLines } from "./midi_send.ts";
import { SYNC_KEY } from "./sync_rig.ts";

const options = JSON.parse(Deno.args[0]);
const player = await Player.open({
  backend: "jack",
  channels: 8, // the test server's ports (tests/support/jack.ts)
  sampleRate: 48000,
  blockFrames: options.blockFrames ?? 64,
});
await player.loadSetlist(options.setlist);
if (options.heartbeat) setHeartbeat(player, { output: options.heartbeat });
const print = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
let printing: ReturnType<typeof setInterval> | undefined;
Deno.addSignalListener("SIGTERM", async () => {
  clearInterval(printing);
  await player.close();
  Deno.exit(0);
});

if (options.role === "primary") {
  await serveSync(player, { port: options.port, key: SYNC_KEY });
  print("ready");
  for await (const line of readLines(Deno.stdin.readable)) {
    const [verb, arg] = line.split(" ");
    if (verb === "play") player.play();
    else if (verb === "stop") player.stop();
    else if (verb === "jump") player.jump(arg, { at: "bar" });
    else if (verb === "seek") player.seek(Number(arg));
    else if (verb === "vamp") player.loopSection(arg);
    else if (verb === "exit") player.exitLoop({ at: "end" });
    else if (verb === "goto") await player.goto(Number(arg));
    console.error(`primary ${((Date.now() % 1e6) / 1000).toFixed(2)} s: ${line}`);
    print(`ok ${line}`);
  }
} else {
  const follower = await followSync(player, {
    host: "127.0.0.1",
    port: options.port,
    key: SYNC_KEY,
    standby: options.standby ?? false,
    clockSkewMs: options.skewMs ?? 0,
    // On stderr, timed: a test's output then says why a relock happened.
    onNotice: (text) =>
      console.error(`follower ${((Date.now() % 1e6) / 1000).toFixed(2)} s: ${text}`),
  });
  print("ready");
  printing = setInterval(
    () =>
      print(`sync ${JSON.stringify({ ...syncHealthOf(player), position: player.positionFrames })}`),
    100,
  );
  // "failback": the follower's failback, answered "ok failback" (its message on stderr).
  for await (const line of readLines(Deno.stdin.readable)) {
    if (line === "failback") console.error(`follower: ${follower.failback()}`);
    print(`ok ${line}`);
  }
}
