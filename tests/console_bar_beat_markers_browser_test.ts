/**
 * Markers written in bars and beats (`"at": "3.3"`, docs/songs.md) in the console, in headless
 * Chromium on a real library: the page draws, shows and orders them by the seconds the song's
 * tempo gives them, not by the text read as seconds.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import type { Page } from "npm:puppeteer-core@25.16.0";
import {
  consoleTest,
  dragFlag,
  login,
  markerBox,
  openSong,
  readManifest,
  SECONDS,
  waitUntil,
} from "./support/console_page.ts";

// deno-lint-ignore no-explicit-any
declare const document: any;

/** Way Maker (120 bpm in 4/4: a bar is 2 s) with its Chorus at bar 3, beat 3: 5 s. */
async function writeBarBeatMarkers(root: string): Promise<void> {
  const file = join(root, "Way Maker", "song.json");
  const song = JSON.parse(await Deno.readTextFile(file));
  song.markers = [
    { name: "Intro", at: 0 },
    { name: "Verse", at: 2 },
    { name: "Chorus", at: "3.3" },
  ];
  await Deno.writeTextFile(file, JSON.stringify(song, null, 2) + "\n");
}

/** Opens a song's editor that does not load (the player refuses the file, so no lanes are
 * drawn: the page is where it gets fixed), up to its markers table. */
async function openBrokenSong(page: Page, title: string): Promise<void> {
  await page.click(`button[aria-label="Open ${title}"]`);
  await page.waitForSelector("table.markers tbody tr");
}

consoleTest(
  "console: a marker in bars and beats is drawn, shown and kept in order at its seconds",
  async ({ root, web, newPage }) => {
    await writeBarBeatMarkers(root);
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Way Maker");
    const lane = await page.$eval(".marker-row .lane", (e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, width: r.width };
    });
    const pxPerSecond = lane.width / SECONDS;
    const chorus = await markerBox(page, 2);
    const drawnAt = (chorus.x - lane.left) / pxPerSecond;
    assert.ok(Math.abs(drawnAt - 5) < 0.1, `the Chorus flag is drawn at ${drawnAt} s, not 5 s`);
    const row = await page.$$eval(
      "table.markers tbody tr:nth-child(3) td",
      (cells) => [cells[1].querySelector("input").value, cells[2].textContent.trim()],
    );
    assert.deepEqual(row, ["5", "3.3"], "its seconds and its bar.beat as written");
    // The Verse dragged from 2 s to bar 3 (4 s): still before the Chorus (5 s), so the file
    // keeps its order and is saved; the Chorus keeps its bars and beats.
    await dragFlag(page, await markerBox(page, 1), 2.6 * pxPerSecond);
    await waitUntil(
      "song.json to change",
      async () => (await readManifest(root, "Way Maker")).markers[1].at !== 2,
    );
    const { markers } = await readManifest(root, "Way Maker");
    assert.deepEqual(markers, [
      { name: "Intro", at: 0 },
      { name: "Verse", at: 4 },
      { name: "Chorus", at: "3.3" },
    ]);
    assert.ok(
      !(await page.evaluate(() => document.body.textContent.includes("Not saved"))),
      "the move is saved",
    );
  },
);

consoleTest(
  "console: a marker added to a file whose markers are out of order saves them in order",
  async ({ root, web, newPage }) => {
    // Edited by hand: the player refuses it ("comes before the marker above it").
    const file = join(root, "Way Maker", "song.json");
    const song = JSON.parse(await Deno.readTextFile(file));
    song.markers = [{ name: "Chorus", at: "4.1" }, { name: "Verse", at: 2 }];
    await Deno.writeTextFile(file, JSON.stringify(song, null, 2) + "\n");
    const page = await newPage();
    await login(page, web);
    await openBrokenSong(page, "Way Maker");
    await page.click("button.add-marker"); // at "Play from": 0 s
    await waitUntil(
      "song.json to change",
      async () => (await readManifest(root, "Way Maker")).markers.length === 3,
    );
    assert.deepEqual((await readManifest(root, "Way Maker")).markers, [
      { name: "Marker 3", at: 0 },
      { name: "Verse", at: 2 },
      { name: "Chorus", at: "4.1" },
    ]);
  },
);

consoleTest(
  "console: a marker in bars and beats the tempo does not place shows no seconds",
  async ({ root, web, newPage }) => {
    const file = join(root, "Way Maker", "song.json");
    const song = JSON.parse(await Deno.readTextFile(file));
    song.markers = [{ name: "Intro", at: 0 }, { name: "Odd", at: "2.9" }]; // 4/4: no beat 9
    await Deno.writeTextFile(file, JSON.stringify(song, null, 2) + "\n");
    const page = await newPage();
    await login(page, web);
    await openBrokenSong(page, "Way Maker");
    const row = await page.$$eval("table.markers tbody tr:nth-child(2) td", (cells) => {
      const input = cells[1].querySelector("input");
      return [input.value, input.placeholder, cells[2].textContent.trim()];
    });
    assert.deepEqual(row, ["", "not on the tempo", "2.9"]);
  },
);
