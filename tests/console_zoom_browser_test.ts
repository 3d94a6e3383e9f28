/**
 * Zoom to the sample, in a real browser (headless Chromium through puppeteer-core) on real
 * files: pressing + until the lanes show a few dozen frames gives a window read from the file
 * at one point per frame (each point IS a sample of the stem, not a stretched overview), drawn
 * where the stem sounds and blank where it is silent; scrolling moves the window by frames,
 * and zooming out returns to the whole song.
 */
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import type { Page } from "npm:puppeteer-core@25.16.0";
import {
  consoleTest,
  dragFlag,
  inkByColumn,
  login,
  markerBox,
  openSong,
  RATE,
  readManifest,
  SECONDS,
  stem,
  waitUntil,
} from "./support/console_page.ts";

// The page's globals, for the functions puppeteer runs in the page.
// deno-lint-ignore no-explicit-any
declare const document: any;

interface Peaks {
  sampleRate: number;
  tracks: { name: string; channels: { min: number[]; max: number[] }[] }[];
}

/** The window the lanes show, as the page says it: its first frame and its frames. */
function shownWindow(page: Page) {
  return page.$eval(".view-window", (e) => ({
    startFrame: Number(e.dataset.startFrame),
    frames: Number(e.dataset.frames),
    drawn: e.dataset.drawn === "true",
    text: e.textContent ?? "",
  }));
}

consoleTest(
  "console: the waveforms zoom to the sample, one point per frame read from the file",
  async ({ web, newPage }) => {
    const page = await newPage();
    const windows: { url: string; body: Peaks }[] = [];
    page.on("response", async (response) => {
      if (!response.url().includes("/api/peaks") || !response.url().includes("start=")) return;
      // The last zoom out's window may still be read as the test closes the page: its body is
      // gone then (an uncaught rejection failed the file once), and nothing waits for it.
      const body = await response.json().catch(() => undefined);
      if (body) windows.push({ url: response.url(), body });
    });
    await login(page, web);
    await openSong(page, "Way Maker");
    const whole = await shownWindow(page);
    assert.deepEqual([whole.startFrame, whole.frames], [0, SECONDS * RATE]);
    // + zooms in around the middle (4 s: only the Bass sounds there) until single frames show.
    for (let presses = 0; presses < 30; presses++) {
      const before = await shownWindow(page);
      if (before.frames <= 64) break;
      await page.keyboard.press("+");
      await page.waitForFunction(
        (frames: number) => {
          const e = document.querySelector(".view-window");
          return Number(e.dataset.frames) < frames && e.dataset.drawn === "true";
        },
        {},
        before.frames,
      );
    }
    const shown = await shownWindow(page);
    console.log(`zoomed to ${shown.frames} frames from frame ${shown.startFrame}: ${shown.text}`);
    assert.ok(shown.frames <= 64 && shown.frames >= 8, `a sample-level window: ${shown.frames}`);
    assert.ok(shown.startFrame > 3 * RATE && shown.startFrame < 5 * RATE, "around 4 s");
    assert.match(shown.text, /samples/);
    // The lanes were drawn from a window read at one point per frame: each point is the
    // stem's sample at that frame (16-bit in the file).
    const last = windows.at(-1)!;
    const bass = last.body.tracks[1].channels[0];
    assert.equal(bass.min.length, shown.frames, `one point per frame: ${last.url}`);
    const samples = stem(1)[0];
    for (let i = 0; i < shown.frames; i++) {
      const want = samples[shown.startFrame + i];
      assert.ok(Math.abs(bass.min[i] - want) < 1e-3, `frame ${shown.startFrame + i}`);
      assert.ok(Math.abs(bass.max[i] - want) < 1e-3, `frame ${shown.startFrame + i}`);
    }
    const ink = await inkByColumn(page, 4);
    assert.deepEqual(ink.map((columns) => columns.some(Boolean)), [false, true, false]);
    // Scrolling right moves the window by half of it, still one point per frame.
    await page.click('button[aria-label="Scroll right"]');
    await page.waitForFunction(
      (start: number) => {
        const e = document.querySelector(".view-window");
        return Number(e.dataset.startFrame) > start && e.dataset.drawn === "true";
      },
      {},
      shown.startFrame,
    );
    const scrolled = await shownWindow(page);
    assert.equal(scrolled.frames, shown.frames);
    assert.equal(scrolled.startFrame, shown.startFrame + Math.floor(shown.frames / 2));
    const next = windows.at(-1)!.body.tracks[1].channels[0];
    assert.equal(next.max.length, scrolled.frames);
    assert.ok(Math.abs(next.max[0] - samples[scrolled.startFrame]) < 1e-3);
    // Zoom out all the way: the whole song again.
    for (let presses = 0; presses < 30; presses++) {
      if ((await shownWindow(page)).frames === SECONDS * RATE) break;
      await page.keyboard.press("-");
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await page.waitForFunction(
      (frames: number) => Number(document.querySelector(".view-window").dataset.frames) === frames,
      {},
      SECONDS * RATE,
    );
  },
);

consoleTest(
  "console: a marker dragged in a zoomed window is saved at its time in the song",
  async ({ root, web, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Way Maker");
    await page.keyboard.press("+"); // 2 s to 6 s: the Verse flag (2 s) at the left edge
    await page.waitForFunction(() => {
      const e = document.querySelector(".view-window");
      return Number(e.dataset.frames) === 4 * 48000 /* 4 s */ && e.dataset.drawn === "true";
    });
    assert.equal((await shownWindow(page)).startFrame, 2 * RATE);
    const box = await markerBox(page, 1);
    const width = await page.$eval(".marker-row .lane", (e) => e.getBoundingClientRect().width);
    const pxPerSecond = width / 4;
    // 1.3 s to the right of 2 s: 3.3 s in the song, which snaps to the bar line at 4 s (read
    // without the window's start, 1.3 s would snap back to 2 s and change nothing).
    await dragFlag(page, box, 1.3 * pxPerSecond);
    await waitUntil(
      "song.json to change",
      async () => (await readManifest(root, "Way Maker")).markers[1].at !== 2,
    );
    assert.deepEqual((await readManifest(root, "Way Maker")).markers[1], { name: "Verse", at: 4 });
  },
);
