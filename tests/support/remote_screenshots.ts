/**
 * Screenshots of the web remote for docs/remote.md, taken in headless Chromium: a phone in
 * portrait (390×844), a tablet (1024×768), and the PIN page. Run by hand:
 *
 * ```sh
 * deno run -A tests/support/remote_screenshots.ts docs/
 * ```
 *
 * The show is the tests' two-song setlist, playing in the chorus with the guide muted.
 *
 * @module
 */

import { join } from "node:path";
import { serveRemote } from "../../mod.ts";
import { launchChromium } from "./chromium.ts";
import { withShow } from "./show_rig.ts";

const folder = Deno.args[0] ?? "docs";
await withShow({ backend: "null" }, async (player) => {
  const web = await serveRemote(player, { port: 0, hostname: "127.0.0.1", pin: "482913" });
  player.masterGain = 0.25; // the test stems are loud: -12 dB, so the meters show no clipping
  player.seek(9.2);
  player.play();
  player.tracks[1].muted = true;
  const chrome = await launchChromium();
  try {
    const shots = [
      { name: "remote-phone.png", width: 390, height: 844, mobile: true },
      { name: "remote-tablet.png", width: 1024, height: 768, mobile: true },
    ];
    for (const shot of shots) {
      const page = await chrome.browser.newPage();
      await page.setViewport({
        width: shot.width,
        height: shot.height,
        isMobile: shot.mobile,
        hasTouch: true,
      });
      await page.goto(`http://127.0.0.1:${web.port}/?pin=482913`);
      await page.waitForFunction("document.getElementById('song').textContent !== '…'");
      await new Promise((resolve) => setTimeout(resolve, 600));
      await page.screenshot({ path: join(folder, shot.name) });
      console.log(join(folder, shot.name));
    }
    const login = await chrome.browser.createBrowserContext();
    const page = await login.newPage();
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await page.goto(`http://127.0.0.1:${web.port}/?pin=0000`);
    await page.screenshot({ path: join(folder, "remote-pin.png") });
    console.log(join(folder, "remote-pin.png"));
  } finally {
    await chrome.close();
    await web.close();
  }
});
