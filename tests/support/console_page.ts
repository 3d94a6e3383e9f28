/**
 * The console in headless Chromium for the browser tests: a library of three songs (stems
 * that sound in known seconds) and a setlist, a console on the null backend, and what a user
 * does on its page (log in, open a song, type into a field).
 *
 * @module
 */

import { join } from "node:path";
// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import type { Page } from "npm:puppeteer-core@25.16.0";
import { type ConsoleServer, Player, serveConsole } from "../../mod.ts";
import { encodeWav } from "../../src/sources/wav.ts";
import { type Chromium, chromiumPath, launchChromium } from "./chromium.ts";
import { ignoreWithout, requireTool } from "./require_tool.ts";

// The page's globals, for the functions puppeteer runs in the page.
// deno-lint-ignore no-explicit-any
declare const document: any;

export const PIN = "90125783";
export const RATE = 48000;
export const SECONDS = 8;
/** 120 bpm in 4/4: a bar is 2 s. */
export const BAR = 2;
export const STEMS = ["Click", "Bass", "Keys"];

/** Stem `k` is silent but for seconds [2k + 1, 2k + 3): its lane must show ink only there. */
export function stem(k: number): Float32Array[] {
  const samples = new Float32Array(SECONDS * RATE);
  for (let i = (2 * k + 1) * RATE; i < (2 * k + 3) * RATE; i++) samples[i] = 0.8 * Math.sin(i / 9);
  return [samples, samples];
}

export async function writeLibrary(root: string): Promise<void> {
  for (const name of ["Amazing Grace", "Way Maker", "Goodness"]) {
    const folder = join(root, name);
    await Deno.mkdir(folder);
    const tracks = [];
    for (const [k, stemName] of STEMS.entries()) {
      await Deno.writeFile(join(folder, `${stemName}.wav`), encodeWav(stem(k), RATE, "s16"));
      tracks.push({ file: `${stemName}.wav`, name: stemName });
    }
    const manifest = {
      title: name,
      tempo: 120,
      timeSignature: [4, 4],
      markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 2 }],
      tracks,
    };
    await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
  const setlist = { title: "Sunday", songs: ["Amazing Grace", "Way Maker", "Goodness"] };
  await Deno.writeTextFile(join(root, "sunday.json"), JSON.stringify(setlist, null, 2) + "\n");
}

export interface Rig {
  root: string;
  web: ConsoleServer;
  /** The player auditions go to (the null backend: it runs in real time). */
  player: Player;
  newPage: (viewport?: { width: number; height: number }) => Promise<Page>;
}

export function consoleTest(name: string, fn: (rig: Rig) => Promise<void>) {
  const ignore = chromiumPath() === undefined && ignoreWithout("chromium", name);
  Deno.test({
    name,
    ignore,
    sanitizeResources: false, // puppeteer's pipes close after the test's own end
    sanitizeOps: false,
    async fn() {
      if (!chromiumPath()) requireTool("chromium", name);
      const root = await Deno.makeTempDir({ prefix: "stemplay-console-" });
      const player = await Player.open({ backend: "null", sampleRate: RATE, channels: 2 });
      let chrome: Chromium | undefined;
      let web: ConsoleServer | undefined;
      try {
        await writeLibrary(root);
        web = await serveConsole(player, { library: root, port: 0, pin: PIN });
        chrome = await launchChromium();
        const browser = chrome.browser;
        await fn({
          root,
          web,
          player,
          newPage: async (viewport = { width: 1440, height: 900 }) => {
            const context = await browser.createBrowserContext(); // its own cookies
            const page = await context.newPage();
            await page.setViewport(viewport);
            return page;
          },
        });
      } finally {
        await chrome?.close();
        await web?.close();
        await player.close();
        await Deno.remove(root, { recursive: true });
      }
    },
  });
}

export async function login(page: Page, web: ConsoleServer): Promise<void> {
  await page.goto(`${web.url}?pin=${PIN}`);
  await page.waitForSelector("table.songs tbody tr");
}

export async function openSong(page: Page, title: string): Promise<void> {
  await page.click(`button[aria-label="Open ${title}"]`);
  await page.waitForSelector(".lane-row[data-track] .lane");
  await page.waitForFunction(() => document.body.dataset.lanesMs !== undefined);
}

/**
 * Where a marker's flag is on the page, read in the page in one step: the marker row puts its
 * flags back as the lanes load and as a zoomed window settles, so a handle found first can be
 * replaced before its box is asked for (a null box, seen in CI).
 */
export async function markerBox(
  page: Page,
  index: number,
): Promise<{ x: number; y: number; height: number }> {
  const box = await page.waitForFunction(
    (index: number) => {
      const host = document.querySelector(".marker-row .lane")?.firstElementChild;
      const flag = host?.shadowRoot?.querySelector(`[data-marker="${index}"]`);
      const rect = flag?.isConnected ? flag.getBoundingClientRect() : undefined;
      return rect && rect.width > 0 && { x: rect.x, y: rect.y, height: rect.height };
    },
    {},
    index,
  );
  return await box.jsonValue() as { x: number; y: number; height: number };
}

/** Drags a marker's flag (`box`, from markerBox) `dx` pixels to the right, in ten steps as a
 * hand moves, and lets go. */
export async function dragFlag(
  page: Page,
  box: { x: number; y: number; height: number },
  dx: number,
): Promise<void> {
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + 1, y);
  await page.mouse.down();
  for (let step = 1; step <= 10; step++) await page.mouse.move(box.x + 1 + step * dx / 10, y);
  await page.mouse.up();
}

/** Replaces a field's text as a user would, then leaves it (which commits the edit). */
export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.$eval(selector, (e) => {
    e.value = "";
    e.focus();
  });
  await page.keyboard.type(text);
  await page.keyboard.press("Tab");
}

/** The editor's notice that the song is playing (in the show or the console's audition). */
export const PLAYING_LOCK = ".playing-lock";

/** Clicks the first button whose text is `label`, as an operator would. */
export async function clickButton(page: Page, label: string): Promise<void> {
  await page.evaluate(
    (text: string) =>
      [...document.querySelectorAll("button")]
        .find((button) => button.textContent.trim() === text).click(),
    label,
  );
}

/** Waits until the editor's playing lock has lifted. */
export async function waitForUnlock(page: Page): Promise<void> {
  await page.waitForFunction(
    (lock: string) => document.querySelector(lock) === null,
    {},
    PLAYING_LOCK,
  );
}

export async function readManifest(root: string, song: string) {
  return JSON.parse(await Deno.readTextFile(join(root, song, "song.json")));
}

export async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = performance.now() + 15000;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** For each lane, which of `columns` equal slices of its canvas have a waveform taller than a
 * flat line. */
export function inkByColumn(page: Page, columns: number): Promise<boolean[][]> {
  return page.evaluate((columns: number) => {
    const rows = [...document.querySelectorAll(".lane-row[data-track] .lane")];
    return rows.map((lane) => {
      const host = lane.firstElementChild;
      const canvases = [...(host.shadowRoot?.querySelectorAll("canvas") ?? [])]
        .filter((c) => c.width > 0 && c.getBoundingClientRect().width > 0);
      const left = host.getBoundingClientRect().left;
      const width = host.getBoundingClientRect().width;
      const ink = new Array(columns).fill(false);
      for (const canvas of canvases) {
        const context = canvas.getContext("2d")!;
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        const box = canvas.getBoundingClientRect();
        for (let x = 0; x < canvas.width; x++) {
          // Silence is drawn as a flat line a pixel or two high: audio is taller than that.
          let inked = 0;
          for (let y = 0; y < canvas.height; y++) {
            if (data[(y * canvas.width + x) * 4 + 3] > 0) inked++;
          }
          if (inked <= canvas.height / 8) continue;
          const at = box.left + (x / canvas.width) * box.width - left;
          ink[Math.min(columns - 1, Math.floor((at / width) * columns))] = true;
        }
      }
      return ink;
    });
  }, columns);
}
