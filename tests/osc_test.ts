/**
 * The OSC surface, driven by an independent client (liblo's oscsend and oscdump) on loopback:
 * every address of the table reaches the player, subscribers get status, /stemplay/status
 * answers the sender, every kind of bad input is answered with /stemplay/error and counted
 * while the show goes on, and subscriptions expire.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type OscServer, type Player, serveOsc } from "../mod.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { OscDump, oscPacket, OscPeer, OscRelay, oscsend } from "./support/osc_tools.ts";
import { MARKERS, SONG_TITLES, withShow } from "./support/show_rig.ts";
import { sleep, waitFor } from "./support/wait.ts";

interface Rig {
  player: Player;
  osc: OscServer;
  dump: OscDump;
  relay: OscRelay;
  /** The folder of the show's files. */
  dir: string;
  /** oscsend through the relay, so replies reach oscdump. */
  send(address: string, types?: string, ...args: string[]): Promise<void>;
}

/** A null-device player with the show, an OSC server, oscdump and the relay. */
async function withOsc(
  fn: (rig: Rig) => Promise<void>,
  subscriptionSeconds?: number,
): Promise<void> {
  await withShow({ backend: "null" }, async (player, dir) => {
    const osc = await serveOsc(player, { port: 0, hostname: "127.0.0.1", subscriptionSeconds });
    const dump = await OscDump.start();
    const relay = await OscRelay.start(osc.port, dump.port);
    try {
      await fn({
        player,
        osc,
        dump,
        relay,
        dir,
        send: (address, types, ...args) => oscsend(relay.port, address, types, ...args),
      });
    } finally {
      await relay.close();
      await dump.stop();
      await osc.close();
    }
  });
}

function oscTest(name: string, fn: () => Promise<void>) {
  Deno.test({
    name,
    ignore: ignoreWithout("oscsend", name) || ignoreWithout("oscdump", name),
    async fn() {
      requireTool("oscsend", name);
      requireTool("oscdump", name);
      await fn();
    },
  });
}

oscTest("osc: transport, setlist and show addresses reach the player", async () => {
  await withOsc(async ({ player, send, osc }) => {
    await send("/stemplay/play");
    await waitFor("playing", () => player.state === "playing");
    await send("/stemplay/pause");
    await waitFor("paused", () => player.state === "paused");
    await send("/stemplay/jump", "ss", "Chorus", "now");
    await waitFor("at the chorus", () => Math.abs(player.position - MARKERS[2].at) < 0.01);
    await send("/stemplay/stop");
    await waitFor(
      "stopped at the start",
      () => player.state === "stopped" && player.position === 0,
    );

    await send("/stemplay/next");
    await waitFor("song 2", () => player.setlist?.index === 1 && player.title === SONG_TITLES[1]);
    await send("/stemplay/previous");
    await waitFor("song 1", () => player.setlist?.index === 0);
    await send("/stemplay/goto", "i", "2");
    await waitFor("song 2 by goto", () => player.setlist?.index === 1);
    await send("/stemplay/goto", "f", "1"); // a whole float is a number too
    await waitFor("song 1 by goto f", () => player.setlist?.index === 0);

    await send("/stemplay/countin", "i", "2");
    await waitFor("count-in 2", () => player.countIn === 2);
    await send("/stemplay/countin", "i", "0");
    await waitFor("count-in off", () => player.countIn === 0);

    await send("/stemplay/play");
    await waitFor("playing again", () => player.state === "playing");
    // Marker 4 (Bridge) by number, on the next bar: scheduled, not yet taken.
    await send("/stemplay/jump", "i", "4");
    await waitFor("a jump scheduled", () => player.scheduledJump !== undefined);
    const { at } = player.scheduledJump!;
    assert.equal(at % 2, 0, `on a bar line (2 s a bar), got ${at}`);
    await send("/stemplay/canceljump");
    await waitFor("the jump cancelled", () => player.scheduledJump === undefined);
    await send("/stemplay/vamp", "s", "Verse");
    await waitFor("looping the verse", () => player.loopRange?.start === MARKERS[1].at);
    assert.equal(player.loopRange!.end, MARKERS[2].at);
    await send("/stemplay/exitloop");
    await waitFor("leaving the loop", () => player.loopRange === undefined);
    await send("/stemplay/vamp");
    await waitFor("looping the current section", () => player.loopRange !== undefined);
    await send("/stemplay/exitloop");

    await send("/stemplay/fadeout", "f", "0.2");
    await waitFor("faded out, paused", () => player.state === "paused");
    await send("/stemplay/fadein", "i", "1"); // an integer number of seconds is accepted
    await waitFor("fading in, playing", () => player.state === "playing");
    assert.equal(osc.errors, 0);
  });
});

oscTest("osc: track and bus addresses reach the player", async () => {
  await withOsc(async ({ player, send, dump, osc }) => {
    const [, guide, bass, keys] = player.tracks;
    await send("/stemplay/track/gain", "sf", "Bass", "0.5");
    await waitFor("bass at 0.5", () => Math.abs(bass.gain - 0.5) < 1e-6);
    await send("/stemplay/track/gaindb", "if", "4", "-6");
    await waitFor("keys at -6 dB", () => Math.abs(keys.gainDb + 6) < 1e-4);
    await send("/stemplay/track/gain", "ii", "4", "1"); // i where f is expected
    await waitFor("keys at unity", () => keys.gain === 1);
    await send("/stemplay/track/mute", "si", "guide", "1"); // names ignore case
    await waitFor("guide muted", () => guide.muted);
    await send("/stemplay/track/mute", "ii", "2", "0");
    await waitFor("guide unmuted", () => !guide.muted);
    await send("/stemplay/track/mute", "sT", "Guide"); // OSC 1.1 True
    await waitFor("guide muted by T", () => guide.muted);
    await send("/stemplay/track/solo", "ii", "3", "1");
    await waitFor("bass soloed", () => bass.solo);
    await send("/stemplay/track/solo", "si", "Bass", "0");
    await waitFor("bass unsoloed", () => !bass.solo);
    // No bus of that name: refused by the command layer, naming it.
    await send("/stemplay/bus/gain", "sf", "balcony", "0.5");
    const line = await dump.waitFor(/^\/stemplay\/error s "\/stemplay\/bus\/gain: .*balcony/);
    assert.match(line, /bus/);
    assert.equal(osc.errors, 1);
  });
});

oscTest(
  "osc: a bus gain above +12 dB is refused naming the range, the in-ears unchanged",
  async () => {
    await withOsc(async ({ player, send, dump, osc }) => {
      const inEars = player.bus("in-ears");
      inEars.gainDb = -6;
      // Linear 1000 (+60 dB), unauthenticated: answered with the range, never applied.
      await send("/stemplay/bus/gain", "sf", "in-ears", "1000");
      const line = await dump.waitFor(/^\/stemplay\/error s "\/stemplay\/bus\/gain: /);
      assert.match(line, /\+12 dB/);
      assert.equal(osc.errors, 1);
      assert.ok(Math.abs(inEars.gainDb + 6) < 1e-9, `in-ears at ${inEars.gainDb} dB`);
      // The same surface still sets a gain within the range.
      await send("/stemplay/bus/gain", "sf", "in-ears", "2");
      await waitFor("in-ears at 2", () => Math.abs(inEars.gain - 2) < 1e-6);
    });
  },
);

oscTest(
  "osc: a subscriber gets the status at once and every change; /stemplay/status answers the sender",
  async () => {
    await withOsc(async ({ player, send, dump, osc, relay }) => {
      await send("/stemplay/subscribe");
      // Renewed twice a second, as docs/remote.md tells a controller to (a subscription
      // otherwise ends after 10 packets).
      const renewal = setInterval(
        () => relay.sendRaw(oscPacket({ address: "/stemplay/subscribe" })),
        500,
      );
      try {
        await subscribedRun(player, send, dump, osc);
      } finally {
        clearInterval(renewal);
      }
    });
  },
);

/** The subscriber test's steps, while its subscription is renewed. */
async function subscribedRun(
  player: Player,
  send: Rig["send"],
  dump: OscDump,
  osc: OscServer,
): Promise<void> {
  await dump.waitFor(/^\/stemplay\/state s "stopped"$/);
  await dump.waitFor(/^\/stemplay\/position ff 0\.0+ 20\.0+$/);
  await dump.waitFor(/^\/stemplay\/song is 1 "Amazing Grace"$/);
  await dump.waitFor(/^\/stemplay\/marker s "Intro"$/);
  await dump.waitFor(/^\/stemplay\/health sii "ok" 0 \d+$/);
  assert.equal(osc.subscribers, 1);

  let from = dump.lines.length;
  await send("/stemplay/play");
  await dump.waitFor(/^\/stemplay\/state s "playing"$/, from);
  await sleep(1500);
  const positions = dump.matching(/^\/stemplay\/position /).length;
  // At most 10 a second while playing (plus the first one), and they do flow.
  assert.ok(positions >= 3 && positions <= 1 + 10 * 1.5 + 2, `${positions} positions in 1.5 s`);

  from = dump.lines.length;
  await send("/stemplay/jump", "ss", "Bridge", "now");
  await dump.waitFor(/^\/stemplay\/marker s "Bridge"$/, from);
  await send("/stemplay/goto", "i", "2");
  await dump.waitFor(/^\/stemplay\/song is 2 "Way Maker"$/, from);
  await dump.waitFor(/^\/stemplay\/state s "stopped"$/, from);
  // A change made elsewhere (here the library itself, as the keys would) is seen too.
  player.play();
  await dump.waitFor(/^\/stemplay\/state s "playing"$/, dump.lines.length - 1);
  player.pause();
  await dump.waitFor(/^\/stemplay\/state s "paused"$/, from);
  await sleep(400);
  // Paused: nothing changes, nothing is sent.
  const quiet = dump.lines.length;
  await sleep(500);
  assert.equal(dump.lines.length, quiet, dump.lines.slice(quiet).join(" | "));

  // /stemplay/status: one of each, to the sender (the relay, which hands them to oscdump).
  await send("/stemplay/status");
  await dump.waitFor(/^\/stemplay\/spokencues is -1 "this song has no spoken cues/, quiet);
  const answer = dump.lines.slice(quiet).map((line) => line.split(" ")[0]);
  assert.deepEqual(answer, [
    "/stemplay/state",
    "/stemplay/position",
    "/stemplay/song",
    "/stemplay/marker",
    "/stemplay/bar",
    "/stemplay/loop",
    "/stemplay/nextsection",
    "/stemplay/notice",
    "/stemplay/master",
    "/stemplay/health",
    "/stemplay/midiclock",
    "/stemplay/spokencues",
  ]);
  assert.equal(osc.errors, 0);
}

oscTest("osc: subscribe with a port sends status to that port of the sender's host", async () => {
  await withOsc(async ({ player, send, dump }) => {
    const other = await OscDump.start();
    try {
      await send("/stemplay/subscribe", "i", String(other.port));
      await other.waitFor(/^\/stemplay\/state s "stopped"$/);
      player.play();
      await other.waitFor(/^\/stemplay\/state s "playing"$/);
      // The relay (the sender's own port) did not subscribe: oscdump behind it got nothing.
      assert.deepEqual(dump.lines, []);
    } finally {
      await other.stop();
    }
  });
});

oscTest(
  "osc: bad input is answered with /stemplay/error and counted, and the show goes on",
  async () => {
    await withOsc(async ({ player, send, dump, osc, relay }) => {
      await send("/stemplay/play");
      await waitFor("playing", () => player.state === "playing");
      const gains = player.tracks.map((track) => track.gain);

      relay.sendRaw(new Uint8Array([0x2f, 0x78, 0x79])); // "/xy" without its terminator
      await dump.waitFor(/^\/stemplay\/error s "malformed packet \(3 bytes\)/);
      await send("/stemplay/dance");
      await dump.waitFor(/^\/stemplay\/error s "unknown address \/stemplay\/dance"$/);
      await send("/stemplay/*");
      await dump.waitFor(/^\/stemplay\/error s "unknown address \/stemplay\/\* \(patterns/);
      await send("/stemplay/goto", "si", "two", "2");
      await dump.waitFor(
        /^\/stemplay\/error s "\/stemplay\/goto takes i \(song number from 1\) or s \(song title\); got type tags \\?",si\\?" \(\\?"two\\?", 2\)"$/,
      );
      await send("/stemplay/goto", "f", "1.5");
      await dump.waitFor(/^\/stemplay\/error s "\/stemplay\/goto takes i .*1\.5/);
      await send("/stemplay/play", "i", "1");
      await dump.waitFor(/^\/stemplay\/error s "\/stemplay\/play takes no arguments/);
      await send("/stemplay/jump", "ss", "Chorus", "later");
      await dump.waitFor(
        /^\/stemplay\/error s "\/stemplay\/jump takes .*now, beat, bar or section/,
      );
      await send("/stemplay/track/gain", "sf", "Tuba", "0.5");
      await dump.waitFor(/^\/stemplay\/error s "\/stemplay\/track\/gain: no track named \\?"Tuba/);
      await send("/stemplay/track/mute", "ii", "9", "1");
      await dump.waitFor(
        /^\/stemplay\/error s "\/stemplay\/track\/mute: no track 9 \(this song has 1 to 5\)"$/,
      );
      await send("/stemplay/jump", "s", "Coda");
      await dump.waitFor(
        /^\/stemplay\/error s "\/stemplay\/jump: no marker \\?"Coda\\?" \(markers: 1 Intro/,
      );
      await send("/stemplay/track/gain", "sf", "Bass", "-1");
      await dump.waitFor(/^\/stemplay\/error s "\/stemplay\/track\/gain: .*gain/);

      await waitFor("eleven errors counted", () => osc.errors === 11);
      assert.equal(player.state, "playing");
      assert.deepEqual(player.tracks.map((track) => track.gain), gains);
      // And the surface still works.
      await send("/stemplay/pause");
      await waitFor("paused", () => player.state === "paused");
      assert.equal(osc.errors, 11);
      assert.ok(osc.received >= 13);
    });
  },
);

oscTest("osc: a subscription expires unless renewed", async () => {
  await withOsc(async ({ player, send, dump, osc }) => {
    await send("/stemplay/subscribe");
    await dump.waitFor(/^\/stemplay\/state s "stopped"$/);
    await sleep(600);
    await send("/stemplay/subscribe"); // renewed: lasts another second from here
    await sleep(600);
    assert.equal(osc.subscribers, 1);
    player.play();
    await dump.waitFor(/^\/stemplay\/state s "playing"$/);
    await waitFor("the subscription to expire", () => osc.subscribers === 0);
    // Lines sent before it expired may still be on their way through oscdump (CI saw a
    // position and a health line arrive late under load): let them land first.
    await sleep(500);
    const before = dump.lines.length;
    player.pause();
    await sleep(500);
    assert.deepEqual(dump.lines.slice(before), []);
  }, 1);
});

oscTest("osc: an error reply names the song and the file, never a folder", async () => {
  await withOsc(async ({ player, send, dump, dir }) => {
    await send("/stemplay/goto", "i", "2");
    await waitFor("song 2", () => player.setlist?.index === 1);
    // Song 1 has lost a stem: going back to it fails, naming the file.
    const bass = join(dir, "song1", "bass.wav");
    await Deno.rename(bass, bass + ".away");
    await send("/stemplay/goto", "i", "1");
    const line = await dump.waitFor(/^\/stemplay\/error /);
    assert.match(
      line,
      /^\/stemplay\/error s "\/stemplay\/goto: song 1 \\?"Amazing Grace\\?": .*\bbass\.wav/,
    );
    assert.ok(!line.includes(dir), line);
    assert.doesNotMatch(line, /stemplay-show-|song1\/|\/tmp\b/);
    // Song 1 whole again, song 2 not: song 1 plays and the next song's error is in the
    // health words a subscriber gets, with the file's name only.
    await Deno.rename(bass + ".away", bass);
    await Deno.remove(join(dir, "song2", "bass.wav"));
    await send("/stemplay/goto", "i", "1");
    await waitFor("song 2 failing to preload", () => player.setlist?.nextError !== undefined);
    await send("/stemplay/subscribe");
    const health = await dump.waitFor(/^\/stemplay\/health /);
    assert.match(health, /the next song cannot load: .*\bbass\.wav/);
    assert.doesNotMatch(health, /stemplay-show-|song2\/|\/tmp\b/);
    for (const printed of dump.lines) assert.ok(!printed.includes(dir), printed);
  });
});

oscTest("osc: listens on this machine only unless told otherwise, and says where", async () => {
  await withShow({ backend: "null" }, async (player) => {
    await using osc = await serveOsc(player, { port: 0 });
    assert.equal(osc.hostname, "127.0.0.1");
    assert.deepEqual(osc.addresses, [`127.0.0.1:${osc.port}`]);
    await using lan = await serveOsc(player, { port: 0, hostname: "0.0.0.0" });
    const expected = Deno.networkInterfaces()
      .filter((net) => net.family === "IPv4")
      .map((net) => `${net.address}:${lan.port}`);
    assert.deepEqual(lan.addresses, [...new Set(expected)]);
    assert.ok(lan.addresses.includes(`127.0.0.1:${lan.port}`));
    // An interface address other than loopback reaches the LAN server, not the default one.
    const other = Deno.networkInterfaces().find((net) =>
      net.family === "IPv4" && !net.address.startsWith("127.")
    );
    if (other) {
      const peer = await OscPeer.start(other.address);
      try {
        await peer.sendTo(other.address, osc.port, oscPacket({ address: "/stemplay/status" }));
        await peer.sendTo(other.address, lan.port, oscPacket({ address: "/stemplay/status" }));
        await waitFor(
          "the LAN server's answer",
          () => peer.matching(/^\/stemplay\/state /).length === 1,
        );
        await sleep(300);
        assert.equal(osc.received, 0);
        assert.equal(peer.matching(/^\/stemplay\/state /).length, 1);
      } finally {
        await peer.close();
      }
    }
  });
});

oscTest(
  "osc: /stemplay/transpose and /stemplay/speed set the key and tempo; refusals get /stemplay/error",
  async () => {
    await withOsc(async ({ player, send, dump, osc }) => {
      await send("/stemplay/transpose", "f", "2");
      await waitFor("key +2", () => player.transpose === 2);
      await send("/stemplay/speed", "f", "0.9"); // a float32 0.9 is 0.9, not 0.899999976
      await waitFor("speed 0.9", () => player.speed === 0.9);
      await player.keyTempoReady();
      // player.tempo is song time (the recording's bpm); the timeline runs at 90%.
      assert.equal(player.timelineSpeed, 0.9, "the song is prepared at 90%");
      assert.equal(osc.errors, 0);

      await send("/stemplay/transpose", "f", "13");
      await dump.waitFor(
        /^\/stemplay\/error s "\/stemplay\/transpose: transpose: \\?"semitones\\?" 13 is out of range/,
      );
      await send("/stemplay/speed", "s", "fast");
      await dump.waitFor(/^\/stemplay\/error s "\/stemplay\/speed takes f \(tempo ratio/);
      await send("/stemplay/play");
      await waitFor("playing", () => player.state === "playing");
      // While playing, a key change is taken too (the old key plays on until the new one
      // crossfades in at the same place).
      await send("/stemplay/transpose", "f", "0");
      await waitFor("key 0 while playing", () => player.transpose === 0);
      await player.keyTempoReady();
      assert.deepEqual([player.transpose, player.speed], [0, 0.9]);
      assert.equal(player.state, "playing");
      assert.equal(osc.errors, 2, "the two refusals, and no more");
    });
  },
);
