/**
 * The web remote in a real browser: headless Chromium (Debian's `chromium`) driven with
 * puppeteer-core, on loopback. Taps, not clicks: the page is for touch screens.
 */
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import type { Page } from "npm:puppeteer-core@25.16.0";
import { type Player, type RemoteServer, serveRemote } from "../mod.ts";
import { chromiumPath, launchChromium } from "./support/chromium.ts";
import { holdConnections, release } from "./support/remote_client.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { MARKERS, SONG_TITLES, TRACK_NAMES, withShow } from "./support/show_rig.ts";
import { CUE_SONG_TITLE, writeSpokenCueSong } from "./support/spoken_cue_song.ts";
import { TcpProxy } from "./support/tcp_proxy.ts";
import { sleep, waitFor } from "./support/wait.ts";

const PIN = "482913";
const PHONE = { width: 390, height: 844, hasTouch: true, isMobile: true };

/** Runs `fn` with a player (`backend`), the remote on it, and a headless Chromium. */
function browserTest(
  name: string,
  backend: "null" | "offline",
  fn: (player: Player, web: RemoteServer, newPage: () => Promise<Page>) => Promise<void>,
) {
  // chromium's name on PATH differs between distributions: look for it, then apply the policy.
  const ignore = chromiumPath() === undefined && ignoreWithout("chromium", name);
  Deno.test({
    name,
    ignore,
    sanitizeResources: false, // puppeteer's pipes close after the test's own end
    sanitizeOps: false,
    async fn() {
      if (!chromiumPath()) requireTool("chromium", name);
      await withShow({ backend }, async (player) => {
        const web = await serveRemote(player, { port: 0, hostname: "127.0.0.1", pin: PIN });
        const chrome = await launchChromium();
        try {
          await fn(player, web, async () => {
            const context = await chrome.browser.createBrowserContext(); // its own cookies
            const page = await context.newPage();
            await page.setViewport(PHONE);
            return page;
          });
        } finally {
          await chrome.close();
          await web.close();
        }
      });
    },
  });
}

function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? "");
}

async function waitText(page: Page, selector: string, expected: string | RegExp) {
  const matches = (value: string) =>
    typeof expected === "string" ? value === expected : expected.test(value);
  let last = "";
  const end = performance.now() + 15000;
  while (!matches(last = await text(page, selector).catch(() => ""))) {
    if (performance.now() > end) throw new Error(`${selector} reads "${last}", not ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function openRemote(page: Page, port: number): Promise<void> {
  await page.goto(`http://127.0.0.1:${port}/?pin=${PIN}`);
  await waitText(page, "#song", SONG_TITLES[0]);
}

browserTest(
  "browser: the page opened with the PIN shows the song, its sections and the setlist",
  "null",
  async (_player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    assert.equal(new URL(page.url()).search, "", "the PIN is not left in the address bar");
    assert.equal(await text(page, "#state"), "STOPPED");
    assert.equal(await text(page, "#marker"), "Intro");
    assert.equal(await text(page, "#song-number"), "Song 1 of 2");
    assert.equal(await text(page, "#health"), "Audio OK");
    await waitText(page, "#next-section", "Verse in 2 bars");
    assert.deepEqual(
      await page.$$eval("#section-buttons button", (buttons) => buttons.map((b) => b.textContent)),
      MARKERS.map((m) => m.name),
    );
    assert.deepEqual(
      await page.$$eval("#track-buttons button", (buttons) => buttons.map((b) => b.textContent)),
      TRACK_NAMES,
    );
    assert.deepEqual(
      await page.$$eval("#setlist li", (items) => items.map((i) => [i.textContent, i.className])),
      [[SONG_TITLES[0], "current"], [SONG_TITLES[1], "next"]],
    );
    const labels = await page.$$eval("button", (buttons) => buttons.map((b) => b.textContent!));
    for (
      const word of [
        "Play",
        "Pause",
        "Stop",
        "Next",
        "Previous",
        "Vamp",
        "Exit loop",
        "Count-in",
        "Fade out",
      ]
    ) {
      assert.ok(labels.some((label) => label.includes(word)), `a button labelled ${word}`);
    }
    // Big touch targets: every button at least 64 CSS pixels tall on a phone.
    const heights = await page.$$eval(
      "button",
      (b) => b.filter((e) => e.offsetParent !== null).map((e) => e.getBoundingClientRect().height),
    );
    assert.ok(Math.min(...heights) >= 64, `smallest button ${Math.min(...heights)} px`);
    // Portrait phone: nothing wider than the screen.
    assert.equal(await page.evaluate("document.documentElement.scrollWidth"), PHONE.width);
  },
);

browserTest(
  "browser: tapping Play plays, Pause pauses, a track button mutes",
  "null",
  async (player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    await page.tap("button.play");
    await waitFor("the player to play", () => player.state === "playing");
    await waitText(page, "#state", "PLAYING");
    await page.tap('button[data-action=\'{"type":"pause"}\']');
    await waitFor("the player to pause", () => player.state === "paused");
    await page.tap("#track-buttons button:nth-child(3)");
    await waitFor("Bass muted", () => player.tracks[2].muted);
    await page.waitForSelector("#track-buttons button:nth-child(3).muted");
    await page.tap("#count-in");
    await waitFor("the count-in on", () => player.countIn === 1);
    await waitText(page, "#count-in", "Count-in: 1");
  },
);

browserTest(
  "browser: a section button jumps on the next bar line",
  "offline",
  async (player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    player.play();
    player.render(48000); // 1 s: bar 1 (2 s a bar)
    assert.equal(player.position, 1);
    await page.tap("#section-buttons button:nth-child(3)"); // Chorus, at 8 s
    await waitFor("the jump to be armed", () => player.scheduledJump !== undefined);
    assert.equal(player.scheduledJump!.at, 2, "on the bar line at 2 s");
    await page.waitForSelector("#section-buttons button:nth-child(3).armed");
    player.render(48000 / 2); // 1.5 s: still in the intro
    assert.equal(player.position, 1.5);
    player.render(48000); // 2.5 s of playing: the jump happened at 2 s
    assert.equal(player.position, MARKERS[2].at + 0.5);
    await waitText(page, "#marker", "Chorus");
  },
);

browserTest(
  "browser: two browsers at once see each other's actions",
  "null",
  async (player, web, newPage) => {
    const first = await newPage();
    const second = await newPage();
    await openRemote(first, web.port);
    await openRemote(second, web.port);
    assert.equal(web.sessions, 2);
    await first.tap("#track-buttons button:nth-child(2)"); // Guide
    await second.waitForSelector("#track-buttons button:nth-child(2).muted");
    await second.tap("button.play");
    await waitText(first, "#state", "PLAYING");
    // Next while playing: the first tap arms it (label kept), every screen says so.
    await first.tap('button[data-action=\'{"type":"next"}\']');
    await waitText(first, "#message", "tap again for next song");
    await first.waitForSelector("button.next.confirm");
    assert.match(await text(first, "button.next"), /Next$/);
    await waitText(second, "#notice", "phone: tap again for next song");
    assert.equal(player.setlist?.index, 0);
    await sleep(300);
    await first.tap('button[data-action=\'{"type":"next"}\']');
    await waitText(second, "#song", SONG_TITLES[1]);
    await waitText(second, "#state", "STOPPED");
    assert.equal(player.setlist?.index, 1);
  },
);

browserTest(
  "browser: a double-tap bounce on Stop never stops; a song in the setlist is tapped to go",
  "null",
  async (player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    await page.tap("button.play");
    await waitText(page, "#state", "PLAYING");
    // Two presses in one moment (a bounce): both requests leave in the same tick.
    await page.evaluate(
      "{ const b = document.querySelector('button.stop'); b.click(); b.click(); }",
    );
    await waitText(page, "#message", "tap again to stop");
    await sleep(400);
    assert.equal(player.state, "playing");
    // Tap a song of the setlist, then again: it goes there.
    await page.tap("#setlist li:nth-child(2) button");
    await waitText(page, "#message", `tap again to go to 2 ${SONG_TITLES[1]}`);
    await sleep(300);
    await page.tap("#setlist li:nth-child(2) button");
    await waitText(page, "#song", SONG_TITLES[1]);
    assert.equal(player.setlist?.index, 1);
    // The page may show the new title a push before it shows the stop: the next tap is made
    // on a page that knows it is stopped.
    await waitText(page, "#state", "STOPPED");
    // Stopped, a song still takes a second tap (the page asks).
    await page.tap("#setlist li:nth-child(1) button");
    await waitText(page, "#message", `tap again to go to ${SONG_TITLES[0]}`);
    // A status push redraws the list between the two taps (as when a song's title loads):
    // the second tap, on the new button, still confirms.
    const first = await page.$("#setlist li:nth-child(1) button");
    await page.evaluate("document.getElementById('setlist').dataset.key = ''");
    player.masterGain = 0.5; // a change, so a push
    while (await first!.evaluate((b) => b.isConnected)) await sleep(20);
    await sleep(300);
    assert.equal(player.setlist?.index, 1);
    await page.tap("#setlist li:nth-child(1) button");
    await waitText(page, "#song", SONG_TITLES[0]);
  },
);

browserTest(
  "browser: the stage lock leaves Play, Pause, jumps, Vamp and Exit loop until the PIN",
  "null",
  async (player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    await page.tap("#lock");
    await page.waitForSelector("body.locked");
    assert.equal(await page.$eval("button.next", (b) => b.hasAttribute("disabled")), true);
    assert.equal(await page.$eval("button.play", (b) => b.hasAttribute("disabled")), false);
    assert.equal(
      await page.$eval("#track-buttons button", (b) => b.hasAttribute("disabled")),
      true,
    );
    // The server holds the lock: a request the page would not send is refused too.
    const refused = await page.evaluate(async () => {
      const response = await fetch("/action", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "mute", track: 1 }),
      });
      return [response.status, (await response.json()).code];
    });
    assert.deepEqual(refused, [423, "LOCKED"]);
    assert.equal(player.tracks[0].muted, false);
    await page.tap("button.play");
    await waitFor("playing while locked", () => player.state === "playing");
    await page.type("#unlock-pin", "111111");
    await page.tap("#unlock button");
    await waitText(page, "#message", /wrong PIN/);
    await page.type("#unlock-pin", PIN);
    await page.tap("#unlock button");
    await page.waitForSelector("body:not(.locked)");
    await page.tap("#track-buttons button:nth-child(1)");
    await waitFor("Click muted", () => player.tracks[0].muted);
  },
);

browserTest(
  "browser: levels: the master gain steps, the outputs meter, a clip shows in the health",
  "null",
  async (player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    await waitText(page, "#master-gain", "Master +0.0 dB");
    await page.tap("button.master-down");
    await waitText(page, "#master-gain", "Master -1.0 dB");
    assert.ok(Math.abs(player.masterGain - 0.891) < 0.001);
    await waitText(page, "#bus-gains", /FOH \+0\.0 dB/);
    await page.tap("button.play");
    // The test stems are loud enough to clip at +0 dB.
    await page.tap("button.master-up");
    await waitText(page, "#master-gain", "Master +0.0 dB");
    await page.waitForFunction(
      "(document.querySelector('#meters .bar > div')?.style.width ?? '0%') !== '0%'",
    );
    await waitText(page, "#health", /Clipped: \d+ samples/);
  },
);

browserTest(
  "browser: the page reconnects by itself when the connection drops and returns",
  "null",
  async (player, web, newPage) => {
    const proxy = TcpProxy.start(web.port);
    try {
      const page = await newPage();
      await page.goto(`http://127.0.0.1:${proxy.port}/?pin=${PIN}`);
      await waitText(page, "#song", SONG_TITLES[0]);
      assert.equal(
        await page.$eval("#connection", (e) => (e as unknown as { hidden: boolean }).hidden),
        true,
      );
      proxy.cut();
      await page.waitForSelector("#connection:not([hidden])");
      // Meanwhile, on stage, the show goes on.
      player.tracks[3].muted = true;
      player.play();
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a few tries fail
      proxy.restore();
      await page.waitForSelector("#connection[hidden]", { timeout: 15000 });
      await waitText(page, "#state", "PLAYING");
      await page.waitForSelector("#track-buttons button:nth-child(4).muted");
      // And it acts again.
      await page.tap('button[data-action=\'{"type":"pause"}\']');
      await waitFor("paused through the restored connection", () => player.state === "paused");
    } finally {
      proxy.close();
    }
  },
);

browserTest(
  "browser: a wrong PIN sees nothing and can do nothing; the right one typed logs in",
  "null",
  async (player, web, newPage) => {
    const page = await newPage();
    const response = await page.goto(`http://127.0.0.1:${web.port}/?pin=000000`);
    assert.equal(response?.status(), 401);
    const body = await page.evaluate("document.body.innerText") as string;
    assert.match(body, /Wrong PIN/);
    assert.doesNotMatch(body, new RegExp(SONG_TITLES[0]));
    assert.equal(await page.$("#song"), null);
    // Its scripts cannot act or listen either.
    const tries = await page.evaluate(async () => {
      const action = await fetch("/action", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "play" }),
      });
      const opened = await new Promise((resolve) => {
        const socket = new WebSocket(`ws://${location.host}/ws`);
        socket.onopen = () => resolve(true);
        socket.onerror = () => resolve(false);
      });
      const script = await fetch("/remote.js");
      return { action: action.status, opened, script: script.status };
    });
    assert.deepEqual(tries, { action: 401, opened: false, script: 401 });
    assert.equal(player.state, "stopped");
    assert.equal(web.sessions, 0);
    // The form, as a person would use it.
    await page.type("#pin", PIN);
    await Promise.all([page.waitForNavigation(), page.tap("button[type=submit]")]);
    await waitText(page, "#song", SONG_TITLES[0]);
    assert.equal(web.sessions, 1);
  },
);

browserTest(
  "browser: a logged-in page keeps working through a connection flood; a new page loads after",
  "null",
  async (player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    // 400 idle connections from 16 other loopback addresses: more than the server holds.
    const flood = [];
    for (let i = 0; i < 16; i++) {
      flood.push(...await holdConnections(web.port, `127.0.0.${200 + i}`, 25));
    }
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const held = flood.filter((s) => !s.closed).length;
      assert.ok(held < 256, `${held} of ${flood.length} idle connections held open`);
      // The page still sees the show change.
      player.play();
      await waitText(page, "#state", "PLAYING");
      player.tracks[3].muted = true;
      await page.waitForSelector("#track-buttons button:nth-child(4).muted");
    } finally {
      release(flood);
    }
    // The flood is gone: a new device's page loads.
    const second = await newPage();
    await openRemote(second, web.port);
    await waitText(second, "#state", "PLAYING");
  },
);

browserTest(
  "browser: the Spoken cues button shows their state and turns them off and on",
  "null",
  async (player, web, newPage) => {
    const page = await newPage();
    await openRemote(page, web.port);
    // The show's song has none: the button says so, its tooltip says why.
    await waitText(page, "#spoken-cues", "Spoken cues: none");
    const why = await page.$eval("#spoken-cues", (b) => b.getAttribute("title") ?? "");
    assert.match(why, /this song has no spoken cues/);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-remote-cues-" });
    try {
      await player.loadSong(await writeSpokenCueSong(dir));
      await waitText(page, "#song", CUE_SONG_TITLE);
      await waitText(page, "#spoken-cues", "Spoken cues: on");
      const cues = () => player.tracks.find((t) => t.name === "spoken cues")!;
      await page.tap("#spoken-cues");
      await waitFor("the cues off", () => cues().muted);
      await waitText(page, "#spoken-cues", "Spoken cues: off");
      assert.equal(
        await page.$eval("#spoken-cues", (b) => b.getAttribute("aria-pressed")),
        "false",
      );
      await page.tap("#spoken-cues");
      await waitFor("the cues on", () => !cues().muted);
      await waitText(page, "#spoken-cues", "Spoken cues: on");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
