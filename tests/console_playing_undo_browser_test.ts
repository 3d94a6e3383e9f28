/**
 * The playing song's lock and the editor's undo (real Chromium, real files, a real player on
 * the null backend): Ctrl+Z pressed while the song is locked (its Undo button is disabled) must
 * not spend the undo step on a save the server refuses; once the lock lifts, Undo still takes
 * the last edit back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  clickButton,
  consoleTest,
  login,
  openSong,
  PLAYING_LOCK,
  readManifest,
  typeInto,
  waitForUnlock,
  waitUntil,
} from "./support/console_page.ts";

// The page's globals, for the functions puppeteer runs in the page.
// deno-lint-ignore no-explicit-any
declare const document: any;

consoleTest(
  "console: Ctrl+Z while the song is locked keeps the undo step for after the lock",
  async ({ root, web, player, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Goodness");
    await typeInto(page, 'input[name="tempo"]', "100");
    await waitUntil(
      "the tempo edit",
      async () => (await readManifest(root, "Goodness")).tempo === 100,
    );
    // The show plays Goodness (looping its Verse): the page locks by itself.
    await player.loadSong(join(root, "Goodness"));
    player.play();
    player.loopSection(player.markers[1]);
    await page.waitForSelector(PLAYING_LOCK);
    // Ctrl+Z on the locked page (outside any field): it is not undone, and says why.
    await page.$eval("h2, h1, body", (e) => e.focus?.());
    await page.keyboard.down("Control");
    await page.keyboard.press("z");
    await page.keyboard.up("Control");
    await page.waitForFunction(
      () => /^Not (saved|undone)/.test(document.querySelector(".notice")?.textContent ?? ""),
    );
    const notice = await page.$eval(".notice", (e) => e.textContent ?? "");
    const whileLocked = (await readManifest(root, "Goodness")).tempo;
    // The show stops: the lock lifts, and Undo takes the tempo edit back.
    player.stop();
    await waitForUnlock(page);
    await clickButton(page, "Undo");
    let undone = false;
    await waitUntil("the undo after the lock", async () => {
      undone = (await readManifest(root, "Goodness")).tempo === 120;
      const text = await page.$eval(".notice", (e) => e.textContent ?? "");
      return undone || text === "Saved." || /Nothing to undo/.test(text);
    }).catch(() => {});
    // "Saved." can show between the file read above and this one: read the file once more.
    undone = (await readManifest(root, "Goodness")).tempo === 120;
    console.log(`  while locked: "${notice}" (tempo ${whileLocked}); undone after: ${undone}`);
    assert.equal(whileLocked, 100, "nothing was written while locked");
    assert.ok(undone, "the Undo after the lock took the tempo edit back (120)");
  },
);
