/**
 * The console's first paint on loopback (issue 25's target: ≤ 1 s), in headless Chromium:
 * a fresh browser context each run (no cache, no cookies), logged in by the PIN in the URL.
 * Printed per run and as medians, nothing asserted:
 * - first contentful paint (the browser's own `paint` entry);
 * - the library listed (the songs table has its rows: what a user waits for);
 * - a song opened with its waveform lanes drawn (the page's own `lanesMs`, and the wall time
 *   from the click).
 *
 * Run: `deno run -A --lock=tests/deno.lock bench/console_paint_report.ts` (needs chromium;
 * the test lockfile keeps puppeteer-core out of the player's). CONSOLE_PAINT_RUNS changes the 7.
 *
 * @module
 */

import { Player, serveConsole } from "../mod.ts";
import { launchChromium } from "../tests/support/chromium.ts";
import { PIN, RATE, writeLibrary } from "../tests/support/console_page.ts";

const RUNS = Number(Deno.env.get("CONSOLE_PAINT_RUNS") ?? "7");

// The page's globals, for the functions puppeteer runs in the page.
// deno-lint-ignore no-explicit-any
declare const document: any;
// deno-lint-ignore no-explicit-any
declare const performance: any;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const root = await Deno.makeTempDir({ prefix: "stemplay-paint-" });
const player = await Player.open({ backend: "null", sampleRate: RATE, channels: 2 });
const chrome = await launchChromium();
const web = await serveConsole(player, { library: root, port: 0, pin: PIN });
const paint: number[] = [];
const listed: number[] = [];
const lanes: number[] = [];
try {
  await writeLibrary(root);
  for (let run = 0; run < RUNS; run++) {
    const context = await chrome.browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    const start = performance.now();
    await page.goto(`${web.url}?pin=${PIN}`);
    await page.waitForSelector("table.songs tbody tr");
    const listedMs = performance.now() - start;
    const fcp = await page.evaluate(() =>
      performance.getEntriesByType("paint")
        .find((entry: { name: string }) => entry.name === "first-contentful-paint")?.startTime
    );
    const click = performance.now();
    await page.click(`button[aria-label="Open Way Maker"]`);
    await page.waitForFunction(() => document.body.dataset.lanesMs !== undefined);
    const lanesWall = performance.now() - click;
    paint.push(fcp ?? NaN);
    listed.push(listedMs);
    lanes.push(lanesWall);
    console.log(
      `run ${run + 1}: first contentful paint ${fcp?.toFixed(0)} ms, library listed ` +
        `${listedMs.toFixed(0)} ms, song lanes drawn ${lanesWall.toFixed(0)} ms after the click`,
    );
    await context.close();
  }
  console.log(
    `console on loopback, medians of ${RUNS}: first contentful paint ${
      median(paint).toFixed(0)
    } ms, ` +
      `library listed ${median(listed).toFixed(0)} ms, a song's lanes ${
        median(lanes).toFixed(0)
      } ms ` +
      `(target: first paint ≤ 1000 ms)`,
  );
} finally {
  await chrome.close();
  await web.close();
  await player.close();
  await Deno.remove(root, { recursive: true });
}
