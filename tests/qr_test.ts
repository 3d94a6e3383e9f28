/**
 * The remote's QR code on the screen decodes, with an independent decoder (jsQR), to the URL
 * with the PIN: the half-block characters are turned back into pixels as a terminal shows them
 * on a dark background (a lit half is light). On the play screen (tmux) the QR code is drawn
 * only where it fits, and decodes there too; where it does not (80×24), the remote line does
 * not say "(scan to open)": the URL and PIN stand alone.
 */
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import jsQRModule from "npm:jsqr@1.4.0";
import { qrLines } from "../src/cli/remote_surfaces.ts";
import { CLI } from "./support/cli.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { writeShow } from "./support/show_rig.ts";
import { Pane } from "./support/tmux_pane.ts";

// The package is CommonJS with `export default` in its types: the function is the default.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** The lines as an RGBA image, `scale` pixels per module. */
function toImage(lines: string[], scale: number) {
  const rows = lines.length * 2, columns = Math.max(...lines.map((l) => [...l].length));
  const width = columns * scale, height = rows * scale;
  const data = new Uint8ClampedArray(width * height * 4);
  lines.forEach((line, index) => {
    [...line].forEach((char, column) => {
      const halves = [char === "█" || char === "▀", char === "█" || char === "▄"];
      halves.forEach((lit, half) => {
        for (let y = 0; y < scale; y++) {
          for (let x = 0; x < scale; x++) {
            const at = (((index * 2 + half) * scale + y) * width + column * scale + x) * 4;
            data.fill(lit ? 255 : 0, at, at + 3);
            data[at + 3] = 255;
          }
        }
      });
    });
  });
  return { data, width, height };
}

Deno.test("qr: the screen's QR code decodes to the remote's URL with the PIN", () => {
  for (const url of ["http://192.168.1.23:8080/?pin=123456", "http://10.0.0.5:80/?pin=4321"]) {
    const { data, width, height } = toImage(qrLines(url), 6);
    const found = jsQR(data, width, height);
    assert.equal(found?.data, url);
  }
  // Inverted (as a light terminal would show it) it is not what scanners expect: the test can
  // tell the two apart.
  const { data, width, height } = toImage(qrLines("http://192.168.1.23:8080/?pin=123456"), 6);
  for (let i = 0; i < data.length; i += 4) data.fill(255 - data[i], i, i + 3);
  assert.equal(jsQR(data, width, height, { inversionAttempts: "dontInvert" }), null);
});

function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** The play screen of a setlist with the remote on, in a pane `columns`×`rows`, waited for
 * until the remote's line shows. */
async function withRemoteScreen(
  columns: number,
  rows: number,
  fn: (screen: string, port: number) => void,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-qr-" });
  const pane = new Pane(columns, rows);
  const port = freeTcpPort();
  try {
    await writeShow(dir);
    await pane.start(dir);
    await pane.type(
      `${Deno.execPath()} run -A ${CLI} play setlist.json --backend null --remote ${port}` +
        ` --pin 482913; echo "exit=$?"`,
      true,
    );
    const screen = await pane.waitFor(
      (s) => s.includes(`:${port}/  PIN 482913`) && s.includes("STOPPED"),
      "the remote's line",
    );
    fn(screen, port);
    await pane.quit();
  } finally {
    await pane.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const fitsName =
  "qr: on a 100x60 screen the QR code is drawn, decodes, and the line says scan to open";
Deno.test({
  name: fitsName,
  ignore: ignoreWithout("tmux", fitsName),
  async fn() {
    requireTool("tmux", fitsName);
    await withRemoteScreen(100, 60, (screen, port) => {
      const line = screen.split("\n").find((l) => l.startsWith("remote: "));
      assert.ok(line, screen);
      assert.match(line, /PIN 482913 {2}\(scan to open\)/);
      const host = /remote: (http:\/\/[\d.]+:\d+\/)/.exec(line)![1];
      assert.ok(host.endsWith(`:${port}/`));
      // The QR code as the terminal shows it: the lines from its first to its last, from
      // its left edge.
      const lines = screen.split("\n");
      const first = lines.findIndex((l) => /[█▀▄]{7}/.test(l));
      const last = lines.findLastIndex((l) => /[█▀▄]{7}/.test(l));
      assert.ok(first >= 0 && last - first > 5, `no QR code:\n${screen}`);
      const qr = lines.slice(first, last + 1);
      const left = Math.min(...qr.map((l) => l.search(/[█▀▄]/)));
      const rows = qr.map((l) => [...l].slice(left).join("").trimEnd());
      const { data, width: w, height: h } = toImage(rows, 6);
      assert.equal(jsQR(data, w, h)?.data, `${host}?pin=482913`);
    });
  },
});

const shortName = "qr: on an 80x24 screen no QR code fits, and the line does not say scan to open";
Deno.test({
  name: shortName,
  ignore: ignoreWithout("tmux", shortName),
  async fn() {
    requireTool("tmux", shortName);
    await withRemoteScreen(80, 24, (screen) => {
      assert.doesNotMatch(screen, /[█▀▄]{7}/, "no QR code");
      assert.match(screen, /remote: http:\/\/[\d.]+:\d+\/ {2}PIN 482913/);
      assert.doesNotMatch(screen, /scan to open/, `a QR promised that is not there:\n${screen}`);
    });
  },
});
