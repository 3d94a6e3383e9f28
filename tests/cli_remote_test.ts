/**
 * `stemplay play … --osc PORT --remote PORT [--pin PIN]`: the flags' usage errors, a piped run
 * driven over OSC (oscsend, oscdump) and logged into over HTTP, and the screen (in tmux)
 * showing the remote's URL, PIN and QR code until a device logs in.
 */
import assert from "node:assert/strict";
import { CLI, runCli } from "./support/cli.ts";
import { loginFrom, rawRequest } from "./support/remote_client.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { freeUdpPort, OscDump, oscsend } from "./support/osc_tools.ts";
import { writeShow } from "./support/show_rig.ts";
import { Pane } from "./support/tmux_pane.ts";

function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

function run(args: string[]) {
  return runCli(["play", ...args]);
}

Deno.test("cli remote: bad --osc, --remote and --pin are usage errors", async () => {
  const cases: [string[], RegExp][] = [
    [["--remote", "8080", "--pin", "12ab"], /--pin must be 6 to 12 digits, got "12ab"/],
    [["--remote", "8080", "--pin", "4321"], /--pin must be 6 to 12 digits, got "4321"/],
    [["--allow-host", "stage.example"], /--allow-host needs --remote PORT/],
    [["--remote", "8080", "--allow-host", "a b"], /--allow-host must be a host name/],
    [["--pin", "4321"], /--pin needs --remote PORT/],
    [["--osc", "70000"], /--osc must be a whole number from 1 to 65535/],
    [["--osc", "9000", "--remote", "9000"], /--osc and --remote need different ports/],
  ];
  for (const [flags, message] of cases) {
    const { code, stderr } = await run(["song", "--backend", "null", ...flags]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, message);
  }
});

const pipedName = "cli remote: a piped play is driven over OSC and opens the web remote";
Deno.test({
  name: pipedName,
  ignore: ignoreWithout("oscsend", pipedName) || ignoreWithout("oscdump", pipedName),
  async fn() {
    requireTool("oscsend", pipedName);
    requireTool("oscdump", pipedName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-remote-" });
    const dump = await OscDump.start();
    const oscPort = await freeUdpPort();
    const webPort = freeTcpPort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-A", CLI, "play", await writeShow(dir), "--backend", "null"],
        ...["--osc", String(oscPort), "--remote", String(webPort)],
        ...["--allow-host", "stage.example"],
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr: string[] = [];
    const reading = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        stderr.push(chunk);
      }
    })();
    const stdout = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream(),
    );
    try {
      const deadline = Date.now() + 90_000;
      let pin: string | undefined;
      while (!pin && Date.now() < deadline) {
        pin = new RegExp(`remote: http://[\\d.]+:${webPort}/ {2}PIN (\\d{6})`).exec(
          stderr.join(""),
        )?.[1];
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(pin, `no remote line in:\n${stderr.join("")}`);
      const text = stderr.join("");
      // --osc listens on the LAN by choice, and says so: every interface's address.
      const oscLine = /osc: udp (.*)/.exec(text)?.[1] ?? "";
      for (const net of Deno.networkInterfaces().filter((net) => net.family === "IPv4")) {
        assert.ok(oscLine.includes(`${net.address}:${oscPort}`), `${net.address} in "${oscLine}"`);
      }
      assert.match(text, /[█▀▄]{7}/, "the QR code");
      // It says where it listens: every IPv4 address, each one named.
      assert.match(
        text,
        new RegExp(`remote listens on 0\\.0\\.0\\.0:${webPort}: .*127\\.0\\.0\\.1`),
      );

      await oscsend(oscPort, "/stemplay/subscribe", "i", String(dump.port));
      await dump.waitFor(/^\/stemplay\/song is 1 "Amazing Grace"$/);
      await oscsend(oscPort, "/stemplay/goto", "i", "2");
      await dump.waitFor(/^\/stemplay\/song is 2 "Way Maker"$/);

      // Host must name this machine, or one given with --allow-host.
      const allowed = await rawRequest(webPort, {
        path: "/login.css",
        headers: { host: `stage.example:${webPort}` },
      });
      assert.equal(allowed.status, 200);
      const rebound = await rawRequest(webPort, {
        path: "/login.css",
        headers: { host: `evil.example:${webPort}` },
      });
      assert.equal(rebound.status, 421);

      const wrong = await fetch(`http://127.0.0.1:${webPort}/?pin=000000`, { redirect: "manual" });
      await wrong.body?.cancel();
      assert.equal(wrong.status, 401);
      const right = await fetch(`http://127.0.0.1:${webPort}/?pin=${pin}`, { redirect: "manual" });
      await right.body?.cancel();
      assert.equal(right.status, 303);
      // 100 PIN checks from many addresses pause the checks; piped output says so once.
      for (let address = 1; address <= 10; address++) {
        for (let i = 0; i < 10; i++) await loginFrom(webPort, "000000", `127.0.7.${address}`);
      }
      const paused = await loginFrom(webPort, pin, "127.0.8.1");
      assert.equal(paused.status, 429);
      const until = Date.now() + 15_000;
      while (!/remote: PIN checks paused \d+ s/.test(stderr.join("")) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(stderr.join(""), /remote: PIN checks paused \d+ s/);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await reading;
      await stdout.catch(() => {});
      await dump.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const screenName =
  "cli remote: the screen shows the URL, the PIN and a QR code until a device logs in";
Deno.test({
  name: screenName,
  ignore: ignoreWithout("tmux", screenName),
  async fn() {
    requireTool("tmux", screenName);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-remote-" });
    const pane = new Pane(100, 60);
    const webPort = freeTcpPort();
    try {
      await writeShow(dir);
      await pane.start(dir);
      await pane.type(
        `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null --remote ${webPort}` +
          ` --pin 482913; echo "exit=$?"`,
        true,
      );
      let screen = await pane.waitFor(
        (s) => s.includes(`:${webPort}/  PIN 482913  (scan to open)`),
        "the remote's line",
      );
      assert.match(screen, /remote: http:\/\/[\d.]+:\d+\/ {2}PIN 482913/);
      assert.match(screen, /[█▀▄]{7}/, "the QR code");
      const login = await fetch(`http://127.0.0.1:${webPort}/?pin=482913`, { redirect: "manual" });
      await login.body?.cancel();
      screen = await pane.waitFor((s) => s.includes("PIN 482913  (1 device)"), "one device");
      assert.doesNotMatch(screen, /[█▀▄]{7}/, "the QR code is gone");
      // 100 PIN checks from many addresses: the checks pause, and the screen says so.
      for (let address = 1; address <= 10; address++) {
        for (let i = 0; i < 10; i++) await loginFrom(webPort, "000000", `127.0.6.${address}`);
      }
      await pane.waitFor((s) => /PIN checks paused \d+ s/.test(s), "the PIN pause");
      await pane.keys("q");
      await pane.waitFor((s) => s.includes("exit=0"), "the exit status");
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
