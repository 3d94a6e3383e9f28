/**
 * A bus's level from every surface (issue 23): the web remote offers a −1 dB / +1 dB pair per
 * bus and steps it, ramped like every gain and never above +12 dB; on the play screen `b`
 * picks the bus and `{` `}` step it. Real HTTP and WebSocket on loopback; the screen in a real
 * terminal (tmux).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Player, serveRemote } from "../mod.ts";
import { withOsc, withShow } from "./support/show_rig.ts";
import { OscDump, oscsend } from "./support/osc_tools.ts";
import { loginFrom, openSocket } from "./support/remote_client.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";
import { writeStems } from "./support/songs.ts";
import { CLI } from "./support/cli.ts";

const PIN = "482913";

async function withRemote(fn: (player: Player, base: string, port: number) => Promise<void>) {
  await withShow({ backend: "null", channels: 4 }, async (player) => {
    const web = await serveRemote(player, { port: 0, hostname: "127.0.0.1", pin: PIN });
    try {
      await fn(player, `http://127.0.0.1:${web.port}`, web.port);
    } finally {
      await web.close();
    }
  });
}

Deno.test("bus gain: the remote has a step pair per bus, steps it, and stops at +12 dB", async () => {
  await withRemote(async (player, base, port) => {
    const { cookie } = await loginFrom(port, PIN);
    assert.ok(cookie, "logged in");
    const { socket, messages } = await openSocket(port, cookie);
    try {
      const deadline = Date.now() + 10_000;
      while (!messages.some((m) => JSON.parse(m).type === "session") && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const session = JSON.parse(messages.find((m) => JSON.parse(m).type === "session")!);
      const levels = session.buttons.levels as { label: string; action: unknown }[];
      for (const bus of player.buses) {
        for (const stepDb of [-1, 1]) {
          assert.ok(
            levels.some((b) =>
              JSON.stringify(b.action) ===
                JSON.stringify({ type: "busGain", bus: bus.name, stepDb })
            ),
            `a ${stepDb} dB button for ${bus.name}: ${JSON.stringify(levels)}`,
          );
        }
      }
    } finally {
      socket.close();
    }
    const post = async (action: unknown) => {
      const reply = await fetch(`${base}/action`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: base, cookie },
        body: JSON.stringify(action),
      });
      return await reply.json();
    };
    const inEars = player.bus("in-ears");
    let reply = await post({ type: "busGain", bus: "in-ears", stepDb: -1 });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    assert.match(reply.message, /bus in-ears -1\.0 dB/);
    assert.ok(Math.abs(inEars.gainDb - -1) < 1e-9, String(inEars.gainDb));
    inEars.gainDb = 12;
    reply = await post({ type: "busGain", bus: "in-ears", stepDb: 1 });
    assert.ok(Math.abs(inEars.gainDb - 12) < 1e-9, `stays at +12 dB, got ${inEars.gainDb}`);
    // A wrong bus name says which it may have meant.
    reply = await post({ type: "busGain", bus: "in-ear", stepDb: 1 });
    assert.equal(reply.ok, false);
    assert.match(reply.error, /no bus named "in-ear" .*\(did you mean "in-ears"\?\)/);
    // A marker name too, through the remote as through the keys.
    reply = await post({ type: "jump", marker: "Vrese" });
    assert.match(reply.error, /no marker "Vrese" .*\(did you mean "Verse"\?\)/);
  });
});

const keysName = "bus gain: b picks a bus on the play screen, { and } step it";
Deno.test({
  name: keysName,
  ignore: ignoreWithout("tmux", keysName),
  async fn() {
    requireTool("tmux", keysName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-bus-keys-" });
    const pane = new Pane(100, 30);
    try {
      await writeStems(join(dir, "Song"), [{ file: "02 Bass.wav", seconds: 30 }]);
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play Song --backend null --channels 4; echo "exit=$?"`,
        true,
      );
      await pane.waitFor((s) => s.includes("[] STOPPED"), "the song, stopped");
      await pane.keys("b");
      await pane.waitFor((s) => /> bus FOH .*selected/.test(s), "the first bus selected");
      await pane.keys("b");
      await pane.waitFor((s) => /> bus in-ears .*selected/.test(s), "the next bus selected");
      await pane.keys("{");
      await pane.waitFor((s) => s.includes("> bus in-ears -1.0 dB"), "in-ears down 1 dB");
      await pane.keys("}", "}");
      await pane.waitFor((s) => s.includes("> bus in-ears +1.0 dB"), "in-ears up 2 dB");
      await pane.quit();
      await pane.waitFor((s) => s.includes("exit=0"), "the exit");
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const oscName = "did you mean: OSC errors for a wrong marker, track, song or bus name suggest one";
Deno.test({
  name: oscName,
  ignore: ignoreWithout("oscsend", oscName) || ignoreWithout("oscdump", oscName),
  async fn() {
    requireTool("oscsend", oscName);
    requireTool("oscdump", oscName);
    await withOsc(async (_player, osc) => {
      const replies = await OscDump.start();
      try {
        await oscsend(osc.port, "/stemplay/reply", "i", String(replies.port));
        await oscsend(osc.port, "/stemplay/jump", "s", "Vrese");
        await replies.waitFor(
          /^\/stemplay\/error s ".*no marker \\?"Vrese\\?".*did you mean \\?"Verse\\?"/,
        );
        await oscsend(osc.port, "/stemplay/goto", "s", "Amazing Grase");
        await replies.waitFor(/^\/stemplay\/error s ".*did you mean \\?"Amazing Grace\\?"/);
        await oscsend(osc.port, "/stemplay/bus/gaindb", "sf", "in-ear", "-3");
        await replies.waitFor(/^\/stemplay\/error s ".*did you mean \\?"in-ears\\?"/);
        await oscsend(osc.port, "/stemplay/track/mute", "s", "Bas");
        await replies.waitFor(/^\/stemplay\/error s ".*did you mean \\?"Bass\\?"/);
      } finally {
        await replies.stop();
      }
    });
  },
});
