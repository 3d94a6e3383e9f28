/**
 * Screenshots of the console for docs/console.md, taken in headless Chromium at laptop
 * (1440×900) and tablet (1024×768) sizes. Run by hand:
 *
 * ```sh
 * deno run -A --lock=tests/deno.lock tests/support/console_screenshots.ts docs/
 * ```
 *
 * The library: a 32-second song of eight stems that come and go by section (intro, verse,
 * chorus, bridge, outro), at 120 bpm, two small songs, and a setlist.
 *
 * @module
 */

import { join } from "node:path";
import { Player, serveConsole } from "../../mod.ts";
import { stopTestSignal } from "../../src/control/test_signal.ts";
import { encodeWav } from "../../src/sources/wav.ts";
import { launchChromium } from "./chromium.ts";

// The page's globals, for the functions puppeteer runs in the page.
// deno-lint-ignore no-explicit-any
declare const document: any;

const RATE = 48000;
const SECONDS = 32;
/** Each stem's level in the eight 4-second sections. */
const STEMS: [string, number[]][] = [
  ["Click", [1, 1, 1, 1, 1, 1, 1, 1]],
  ["Guide", [0.6, 0, 0.6, 0, 0.6, 0, 0.6, 0]],
  ["Drums", [0, 0.3, 0.6, 0.9, 0.9, 0.4, 0.9, 0.2]],
  ["Bass", [0, 0.5, 0.5, 0.8, 0.8, 0.4, 0.8, 0.3]],
  ["Keys", [0.5, 0.5, 0.4, 0.7, 0.7, 0.8, 0.7, 0.5]],
  ["Electric Guitar", [0, 0, 0.3, 0.9, 0.9, 0, 0.9, 0]],
  ["Pad", [0.3, 0.3, 0.3, 0.5, 0.5, 0.8, 0.5, 0.6]],
  ["Backing Vocals", [0, 0, 0, 0.7, 0.7, 0, 0.8, 0]],
];

function stem(index: number, levels: number[]): Float32Array {
  const samples = new Float32Array(SECONDS * RATE);
  let seed = index + 1;
  for (let i = 0; i < samples.length; i++) {
    const section = Math.floor(i / (4 * RATE));
    let level = levels[section];
    if (index === 0) level = (i % (RATE / 2)) < 1200 ? 0.8 : 0; // a click every beat
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = seed / 0x7fffffff - 0.5;
    const pulse = 0.6 + 0.4 * Math.sin((2 * Math.PI * i) / (RATE / (1 + index % 3)));
    samples[i] = level * pulse * (0.6 * Math.sin(i / (5 + index)) + 0.4 * noise);
  }
  return samples;
}

async function writeLibrary(root: string): Promise<void> {
  const folder = join(root, "Way Maker");
  await Deno.mkdir(folder, { recursive: true });
  const tracks = [];
  for (const [index, [name, levels]] of STEMS.entries()) {
    const file = `${String(index + 1).padStart(2, "0")} ${name}.wav`;
    await Deno.writeFile(join(folder, file), encodeWav([stem(index, levels)], RATE, "s24"));
    tracks.push({
      file,
      name,
      ...(index < 2 ? { bus: "in-ears" } : {}),
      ...(name === "Click" || name === "Drums" ? { pitched: false } : {}),
    });
  }
  await Deno.writeTextFile(
    join(folder, "song.json"),
    JSON.stringify(
      {
        title: "Way Maker",
        tempo: 120,
        timeSignature: [4, 4],
        markers: [
          { name: "Intro", at: 0 },
          { name: "Verse 1", at: 4 },
          { name: "Chorus", at: 12 },
          { name: "Bridge", at: 20 },
          { name: "Outro", at: 28 },
        ],
        tracks,
      },
      null,
      2,
    ) + "\n",
  );
  for (const title of ["Amazing Grace", "Goodness of God"]) {
    const other = join(root, title);
    await Deno.mkdir(other, { recursive: true });
    await Deno.writeFile(join(other, "Keys.wav"), encodeWav([stem(4, STEMS[4][1])], RATE, "s16"));
    await Deno.writeFile(join(other, "Bass.wav"), encodeWav([stem(3, STEMS[3][1])], RATE, "s16"));
    const manifest = title === "Amazing Grace"
      ? {
        title,
        tempo: 72,
        timeSignature: [3, 4],
        tracks: [{ file: "Keys.wav" }, { file: "Bass.wav" }],
      }
      : { title, tracks: [{ file: "Keys.wav" }, { file: "Bass.wav" }, { file: "Strings.wav" }] };
    await Deno.writeTextFile(join(other, "song.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
  await Deno.writeTextFile(
    join(root, "sunday.json"),
    JSON.stringify(
      {
        title: "Sunday",
        songs: [
          "Amazing Grace",
          { song: "Way Maker", transition: "next", countIn: 2, transpose: -2 },
          { song: "Goodness of God", transition: { crossfade: 4 } },
        ],
      },
      null,
      2,
    ) + "\n",
  );
}

const out = Deno.args[0] ?? "docs";
const root = await Deno.makeTempDir({ prefix: "stemplay-console-shots-" });
await writeLibrary(root);
const player = await Player.open({ backend: "null", sampleRate: RATE, channels: 4 });
const web = await serveConsole(player, { library: root, port: 0, pin: "90125783" });
const chrome = await launchChromium();
try {
  const page = await chrome.browser.newPage();
  const shot = async (
    name: string,
    width: number,
    height: number,
    hash: string,
    ready: string,
    before?: () => Promise<void>,
  ) => {
    await page.setViewport({ width, height });
    await page.goto(`${web.url}${hash}`);
    await page.reload(); // a new hash alone keeps the last view's state (a solo, a notice)
    await page.waitForSelector(ready);
    await before?.();
    await new Promise((resolve) => setTimeout(resolve, 600)); // wavesurfer's last draw
    await page.screenshot({ path: join(out, name) });
    console.log(`wrote ${join(out, name)}`);
  };
  await page.goto(`${web.url}?pin=90125783`);
  await shot("console-library.png", 1440, 900, "#/", "table.songs tbody tr");
  // The laptop shot auditions: the Chorus looping, the Bass soloed.
  await shot(
    "console-song.png",
    1440,
    900,
    "#/song/Way%20Maker",
    ".lane-row[data-track] .lane > div",
    async () => {
      await page.click('button[aria-label="Loop section Chorus"]');
      await page.waitForSelector('button[aria-label="Loop section Chorus"][aria-pressed="true"]');
      await page.click('button[aria-label="Solo Bass (audition)"]');
      await page.waitForSelector('button[aria-label="Solo Bass (audition)"][aria-pressed="true"]');
      await page.evaluate("window.scrollTo(0, 0)"); // the clicks scrolled to the markers
    },
  );
  await stopTestSignal(player); // the audition ends (stopped and unloaded)
  await shot(
    "console-song-tablet.png",
    1024,
    768,
    "#/song/Way%20Maker",
    ".lane-row[data-track] .lane > div",
  );
  // Zoomed to the sample, around the Chorus's start (the middle of the song).
  await shot(
    "console-song-samples.png",
    1440,
    900,
    "#/song/Way%20Maker",
    ".lane-row[data-track] .lane > div",
    async () => {
      await page.waitForSelector('.view-window[data-drawn="true"]');
      while (await page.$eval(".view-window", (e) => Number(e.dataset.frames)) > 64) {
        const frames = await page.$eval(".view-window", (e) => e.dataset.frames);
        await page.keyboard.press("+");
        await page.waitForFunction(
          (before: string) => {
            const e = document.querySelector(".view-window");
            return e.dataset.frames !== before && e.dataset.drawn === "true";
          },
          {},
          frames,
        );
      }
    },
  );
  await shot("console-setlist-tablet.png", 1024, 768, "#/setlist/sunday.json", ".entries li");
  await shot("console-rig.png", 1024, 768, "#/rig", ".meters li");
} finally {
  await chrome.close();
  await web.close();
  await player.close();
  await Deno.remove(root, { recursive: true });
}
