/**
 * OSC command latency: from the moment a controller's packet is sent on loopback to the moment
 * the action reaches the engine (the Player's transport call runs). One iteration alternates
 * `/stemplay/pause` and `/stemplay/play`; the player's two methods are wrapped so the iteration
 * ends the instant the command layer calls them. The target is p99 ≤ 2 ms.
 *
 * Group "osc command" has the bare UDP trip on loopback (send → the receiving socket's message
 * event, the same node:dgram sockets, no OSC) as its baseline, so `deno bench` prints how much
 * the decoding, the address table, validation and dispatch add; "dispatch only" is the command
 * layer called directly, without the network. Between iterations (not timed) the offline engine
 * renders one block, which takes the command as the audio callback would.
 *
 * @module
 */

import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { dispatch, Player, serveOsc } from "../mod.ts";

const BLOCK_FRAMES = 256;
const player = await Player.open({ backend: "offline", blockFrames: BLOCK_FRAMES });
const tone = new Float32Array(player.sampleRate * 10).map((_, i) => 0.1 * Math.sin(i / 8));
player.addTrack([tone, tone.slice()]);
// Thousands of packets a second from one sender: the stranger's limit of 50 would drop them.
const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1", packetsPerSecond: Infinity });

/** Resolves when the wrapped transport call runs. */
let reached: (() => void) | undefined;
const play = player.play.bind(player);
const pause = player.pause.bind(player);
player.play = () => {
  play();
  reached?.();
};
player.pause = () => {
  pause();
  reached?.();
};

function packet(address: string): Buffer {
  // An OSC message without arguments: the address and the type tag string ",", each padded.
  const pad = (text: string) => text + "\0".repeat(4 - (text.length % 4));
  return Buffer.from(pad(address) + pad(","), "latin1");
}
const PLAY = packet("/stemplay/play");
const PAUSE = packet("/stemplay/pause");

const sender = dgram.createSocket("udp4");
await new Promise<void>((resolve) => sender.bind(0, "127.0.0.1", () => resolve()));
const echo = dgram.createSocket("udp4");
await new Promise<void>((resolve) => echo.bind(0, "127.0.0.1", () => resolve()));
let echoed: (() => void) | undefined;
echo.on("message", () => echoed?.());

let flip = false;

Deno.bench({
  name: "UDP loopback alone (send → message event)",
  group: "osc command",
  baseline: true,
  async fn() {
    const arrived = new Promise<void>((resolve) => echoed = resolve);
    sender.send(PLAY, echo.address().port, "127.0.0.1");
    await arrived;
  },
});

Deno.bench({
  name: "OSC packet → engine (/stemplay/play or /pause reaches the Player)",
  group: "osc command",
  async fn(b) {
    flip = !flip;
    const done = new Promise<void>((resolve) => reached = resolve);
    b.start();
    sender.send(flip ? PLAY : PAUSE, osc.port, "127.0.0.1");
    await done;
    b.end();
    player.render(BLOCK_FRAMES); // the engine takes the command (its ring never fills)
  },
});

Deno.bench({
  name: "dispatch only (no network)",
  group: "osc command",
  async fn(b) {
    flip = !flip;
    b.start();
    await dispatch(player, { type: flip ? "play" : "pause" });
    b.end();
    player.render(BLOCK_FRAMES);
  },
});

globalThis.addEventListener("unload", () => {
  sender.close();
  echo.close();
});
