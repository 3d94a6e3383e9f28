/**
 * The song that is playing, in the console (real Chromium, real files, a real player on the
 * null backend): its editor says it is locked and why (the show, or the console's own
 * audition), its fields and markers cannot be changed, a save that gets through anyway is
 * refused and writes nothing, and the lock lifts by itself when the song stops.
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
  "console: the song the show plays is locked for editing, and unlocks when it stops",
  async ({ root, web, player, newPage }) => {
    // The show plays Way Maker, looping its Verse (so it does not end during the test).
    await player.loadSong(join(root, "Way Maker"));
    player.play();
    player.loopSection(player.markers[1]);
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Way Maker");
    const lock = await page.waitForSelector(PLAYING_LOCK);
    assert.match(await lock!.evaluate((e) => e.textContent ?? ""), /playing in the show/);
    const gain = 'input[name="tracks[2].gainDb"]';
    assert.equal(await page.$eval(gain, (e) => e.disabled), true, "fields are read-only");
    assert.equal(
      await page.$eval("button.add-marker", (e) => e.disabled),
      true,
      "no marker is added",
    );
    // A save that gets past the page anyway (a page opened before the show started) is refused
    // and writes nothing: what plays stays what was loaded.
    const file = join(root, "Way Maker", "song.json");
    const before = await Deno.readFile(file);
    const refused = await page.evaluate(async () => {
      const song = await (await fetch("/api/song?id=Way%20Maker")).json();
      const value = { ...song.value, tempo: 90 };
      const response = await fetch("/api/song", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: "Way Maker", value, ifVersion: song.version }),
      });
      return { status: response.status, playing: song.playing };
    });
    assert.deepEqual(refused, { status: 423, playing: "show" });
    assert.deepEqual(await Deno.readFile(file), before, "nothing was written");
    // Another song is not locked.
    await page.click('a[href="#/"]');
    await page.waitForSelector("table.songs tbody tr");
    await openSong(page, "Goodness");
    assert.equal(await page.$(PLAYING_LOCK), null);
    assert.equal(await page.$eval(gain, (e) => e.disabled), false);
    // Back to the playing song; the show stops: the lock lifts without a reload.
    await page.click('a[href="#/"]');
    await page.waitForSelector("table.songs tbody tr");
    await openSong(page, "Way Maker");
    await page.waitForSelector(PLAYING_LOCK);
    player.stop();
    await waitForUnlock(page);
    await page.waitForFunction(
      (gain: string) => document.querySelector(gain).disabled === false,
      {},
      gain,
    );
    await typeInto(page, gain, "-3");
    await waitUntil(
      "the edit after the stop",
      async () => (await readManifest(root, "Way Maker")).tracks[1].gainDb === -3,
    );
  },
);

consoleTest(
  "console: the song the console auditions is locked until Stop audition",
  async ({ root, web, player, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Goodness");
    await clickButton(page, "Play from here");
    await waitUntil("the audition", () => Promise.resolve(player.title === "Goodness"));
    const lock = await page.waitForSelector(PLAYING_LOCK);
    assert.match(await lock!.evaluate((e) => e.textContent ?? ""), /audition/);
    assert.equal(
      await page.$eval('input[name="tempo"]', (e) => e.disabled),
      true,
      "fields are read-only while it is heard",
    );
    assert.equal(
      await page.$eval('button[aria-label="Solo Bass (audition)"]', (e) => e.disabled),
      false,
      "the audition's own buttons still work",
    );
    await clickButton(page, "Stop audition");
    await waitForUnlock(page);
    await typeInto(page, 'input[name="tempo"]', "100");
    await waitUntil(
      "the tempo after the audition",
      async () => (await readManifest(root, "Goodness")).tempo === 100,
    );
  },
);
