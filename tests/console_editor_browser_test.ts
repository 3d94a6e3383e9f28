/**
 * The console's song and setlist editors in a real browser (headless Chromium through
 * puppeteer-core), on real files and a real player (the null backend): tap tempo, a song's
 * key and tempo and each stem's pitched flag, a setlist entry's key and tempo, and the
 * audition's loop of a section and solo of a stem.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import type { Page } from "npm:puppeteer-core@25.16.0";
import { encodeWav } from "../src/sources/wav.ts";
import {
  clickButton,
  consoleTest,
  login,
  openSong,
  RATE,
  readManifest,
  typeInto,
  waitUntil,
} from "./support/console_page.ts";

// The page's globals, for the functions puppeteer runs in the page.
// deno-lint-ignore no-explicit-any
declare const document: any;
// deno-lint-ignore no-explicit-any
declare const KeyboardEvent: any;

consoleTest(
  "console: Tap fills the tempo with the median of the last taps, saved only by Save tempo",
  async ({ root, web, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Goodness");
    const before = await Deno.readFile(join(root, "Goodness", "song.json"));
    // The taps are timed by the page's own clock, set for each tap (performance.now() answers
    // the tap's time while it is dispatched), so the machine's load cannot move them.
    await page.evaluate(() => {
      const button = document.querySelector("button.tap");
      const key = () =>
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "t", bubbles: true }));
      const now = performance.now;
      let clock = now.call(performance);
      const tapAt = (time: number, how: () => void) => {
        clock = time;
        how();
      };
      Object.defineProperty(performance, "now", { value: () => clock, configurable: true });
      try {
        // 7 taps at 200 bpm, a pause longer than 2 s, then 3 taps at 96 bpm (one of them the T
        // key): without the reset, the median of the last 8 taps would be 300 ms (200 bpm).
        let at = clock;
        for (let i = 0; i < 7; i++, at += 300) tapAt(at, () => button.click());
        at += 2100 - 300;
        for (let i = 0; i < 3; i++, at += 625) tapAt(at, i === 1 ? key : () => button.click());
      } finally {
        Object.defineProperty(performance, "now", { value: now, configurable: true });
      }
    });
    await page.waitForFunction(() => document.querySelector('input[name="tempo"]').value === "96");
    assert.match(await page.$eval(".notice", (e) => e.textContent ?? ""), /Tapped 96 bpm/);
    assert.deepEqual(
      await Deno.readFile(join(root, "Goodness", "song.json")),
      before,
      "a tapped tempo is not saved until Save tempo",
    );
    await page.click("button.save-tempo");
    await waitUntil(
      "the tapped tempo in song.json",
      async () => (await readManifest(root, "Goodness")).tempo === 96,
    );
  },
);

/** Types `text` into a field until `saved` (the file on disk has it), three tries at most: the
 * page draws its fields again when a save or a load comes back, which puts them back to the
 * file's value and loses keys typed meanwhile; a user types again. */
async function typeUntilSaved(
  page: Page,
  selector: string,
  text: string,
  saved: () => Promise<boolean>,
): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await typeInto(page, selector, text);
    const end = performance.now() + 5000;
    while (performance.now() < end) {
      if (await saved()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  assert.fail(`${selector} = ${text} was not saved after three tries`);
}

consoleTest(
  "console: a song's transpose, speed and pitched flags, and a setlist entry's key and tempo",
  async ({ root, web, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Amazing Grace");
    await typeUntilSaved(
      page,
      'input[name="transpose"]',
      "2",
      async () => (await readManifest(root, "Amazing Grace")).transpose === 2,
    );
    await typeUntilSaved(
      page,
      'input[name="speed"]',
      "0.9",
      async () => (await readManifest(root, "Amazing Grace")).speed === 0.9,
    );
    assert.equal(await page.$eval('input[name="tracks[3].pitched"]', (e) => e.checked), true);
    await page.click('input[name="tracks[3].pitched"]'); // Keys: not pitched
    await waitUntil(
      "pitched",
      async () => (await readManifest(root, "Amazing Grace")).tracks[2].pitched === false,
    );
    const song = join(root, "Amazing Grace", "song.json");
    const saved = await Deno.readFile(song);
    await typeInto(page, 'input[name="transpose"]', "13");
    const error = await page.waitForSelector('[id="error-transpose"]');
    assert.match(await error!.evaluate((e) => e.textContent ?? ""), /out of range/);
    assert.deepEqual(await Deno.readFile(song), saved, "the bad value wrote nothing");
    const manifest = await readManifest(root, "Amazing Grace");
    assert.equal(manifest.transpose, 2);
    assert.equal(manifest.speed, 0.9);

    await page.goto(`${web.url}#/setlist/sunday.json`);
    await page.waitForSelector(".entries li");
    // The library's songs (the "Song to add" menu) arrive on their own: the list drawn again
    // then puts every field back to the file's value, and keys typed before are lost.
    await page.waitForFunction(() => document.querySelectorAll(".setlist option").length > 1);
    const setlist = join(root, "sunday.json");
    const entry = async () => JSON.parse(await Deno.readTextFile(setlist)).songs[1];
    await typeUntilSaved(
      page,
      'input[name="songs[1].transpose"]',
      "-2",
      async () => (await entry()).transpose === -2,
    );
    await typeUntilSaved(
      page,
      'input[name="songs[1].speed"]',
      "1.1",
      async () => (await entry()).speed === 1.1,
    );
    assert.deepEqual(await entry(), { song: "Way Maker", transpose: -2, speed: 1.1 });
    const list = await Deno.readFile(setlist);
    // The list is drawn again when the save above comes back (and when the file's change is
    // noticed): keys typed into the field it replaced are lost, so type again, as a user would.
    let listError = null;
    for (let attempt = 0; attempt < 3 && !listError; attempt++) {
      await typeInto(page, 'input[name="songs[1].speed"]', "3");
      listError = await page.waitForSelector('[id="error-songs[1].speed"]', { timeout: 5000 })
        .catch(() => null);
    }
    assert.match(await listError!.evaluate((e) => e.textContent ?? ""), /out of range/);
    assert.deepEqual(await Deno.readFile(setlist), list, "the bad value wrote nothing");
  },
);

/** Three stems that sound all through 8 seconds, with sections at 0, 2 and 5 s. */
async function writeLoopSong(root: string): Promise<void> {
  const folder = join(root, "Loop Song");
  await Deno.mkdir(folder);
  const files = ["Pad.wav", "Bass.wav", "Keys.wav"];
  for (const [k, file] of files.entries()) {
    const samples = new Float32Array(8 * RATE).map((_, i) => 0.3 * Math.sin(i / (7 + 3 * k)));
    await Deno.writeFile(join(folder, file), encodeWav([samples, samples], RATE, "s16"));
  }
  const manifest = {
    title: "Loop Song",
    markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 2 }, { name: "Chorus", at: 5 }],
    tracks: files.map((file) => ({ file, bus: "FOH" })),
  };
  await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify(manifest, null, 2) + "\n");
}

consoleTest(
  "console: Loop this section and Solo audition through the real player",
  async ({ root, web, player, newPage }) => {
    await writeLoopSong(root);
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Loop Song");
    await page.click('button[aria-label="Loop section Verse"]');
    await waitUntil("the loop", () => Promise.resolve(player.loopRange !== undefined));
    assert.deepEqual(player.loopRange, { start: 2, end: 5 }, "Verse: to the Chorus marker");
    assert.equal(player.title, "Loop Song");
    await page.waitForFunction(() =>
      document.querySelector('button[aria-label="Loop section Verse"]').textContent === "End loop"
    );
    // Solo the Bass: the other stems fall silent, as the player's meters show.
    const heard = async (want: boolean[]) => {
      let agreeing = 0;
      await waitUntil(`the stems heard as ${want}`, async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const peaks = player.readPeaks();
        agreeing = peaks.every((peak, i) => (peak > 0) === want[i]) ? agreeing + 1 : 0;
        return agreeing >= 3; // three readings in a row, past any ramp
      });
    };
    await page.click('button[aria-label="Solo Bass (audition)"]');
    await waitUntil("the solo", () => Promise.resolve(player.tracks[1]?.solo === true));
    assert.deepEqual(player.tracks.map((track) => track.solo), [false, true, false]);
    await heard([false, true, false]);
    assert.equal(
      await page.$eval(
        'button[aria-label="Solo Bass (audition)"]',
        (e) => e.getAttribute("aria-pressed"),
      ),
      "true",
    );
    await page.click('button[aria-label="Solo Bass (audition)"]'); // un-solo
    await waitUntil("no solo", () => Promise.resolve(player.tracks.every((t) => !t.solo)));
    await heard([true, true, true]);
    assert.deepEqual(player.loopRange, { start: 2, end: 5 }, "the loop goes on");
    // The Chorus loops to the song's end; End loop leaves it.
    await page.click('button[aria-label="Loop section Chorus"]');
    await waitUntil("the Chorus loop", () => Promise.resolve(player.loopRange?.start === 5));
    assert.deepEqual(player.loopRange, { start: 5, end: 8 });
    await page.click('button[aria-label="Loop section Chorus"]');
    await waitUntil("the loop's end", () => Promise.resolve(player.loopRange === undefined));
    await clickButton(page, "Stop audition");
    await waitUntil("the audition's end", () => Promise.resolve(player.tracks.length === 0));
  },
);
