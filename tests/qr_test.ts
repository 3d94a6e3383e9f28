/**
 * The remote's QR code on the screen decodes, with an independent decoder (jsQR), to the URL
 * with the PIN: the half-block characters are turned back into pixels as a terminal shows them
 * on a dark background (a lit half is light).
 */
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import jsQRModule from "npm:jsqr@1.4.0";
import { qrLines } from "../src/cli/remote_surfaces.ts";

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
