/**
 * The console in a real browser (headless Chromium through puppeteer-core), on real files: a
 * library written here, song.json read back from disk after every edit.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { beatGrid } from "../src/model/tempo.ts";
import { loadNative } from "../src/native/native.ts";
import { renderClick } from "../src/show/show.ts";
import { encodeWav } from "../src/sources/wav.ts";
import {
  BAR,
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
  STEMS,
  typeInto,
  waitUntil,
} from "./support/console_page.ts";

// The page's globals, for the functions puppeteer runs in the page (typed loosely here: the
// test's own code never touches them).
// deno-lint-ignore no-explicit-any
declare const document: any;

consoleTest(
  "console: a wrong PIN sees nothing; the remote's routes are not open",
  async ({ web, newPage }) => {
    const page = await newPage();
    const login = await page.goto(`${web.url}?pin=111111`);
    assert.equal(login?.status(), 401);
    assert.equal(await page.$("table.songs"), null);
    for (
      const path of ["api/library", "api/song?id=Way%20Maker", "console.js", "vendor/wavesurfer.js"]
    ) {
      const response = await fetch(`${web.url}${path}`);
      assert.equal(response.status, 401, path);
      assert.doesNotMatch(await response.text(), /Way Maker|Amazing/);
    }
  },
);

consoleTest(
  "console: one waveform per stem, ink where the audio is, and the first paint",
  async ({ web, newPage }) => {
    const page = await newPage();
    const started = performance.now();
    await login(page, web);
    console.log(
      `console: library painted ${Math.round(performance.now() - started)} ms after goto`,
    );
    const titles = await page.$$eval(
      "table.songs tbody tr td:first-child",
      (cells) => cells.map((c) => c.textContent),
    );
    assert.deepEqual(titles, ["Amazing Grace", "Goodness", "Way Maker"]);
    await openSong(page, "Way Maker");
    console.log(
      `console: waveform lanes drawn in ${await page.evaluate(() =>
        document.body.dataset.lanesMs
      )} ms; page first paint at ${await page.evaluate(() =>
        document.body.dataset.firstPaintMs
      )} ms`,
    );
    const ink = await inkByColumn(page, SECONDS);
    assert.equal(ink.length, STEMS.length, "one lane per stem");
    for (const [k, columns] of ink.entries()) {
      const expected = columns.map((_, second) => second >= 2 * k + 1 && second < 2 * k + 3);
      // The edges of the sound may bleed a pixel into the next second: check the middles.
      for (const [second, want] of expected.entries()) {
        if (second === 2 * k || second === 2 * k + 3) continue;
        assert.equal(columns[second], want, `${STEMS[k]}, second ${second}: ${columns}`);
      }
    }
  },
);

consoleTest(
  "console: a dragged marker is written to song.json, snapped to the bar",
  async ({ root, web, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Way Maker");
    const box = await markerBox(page, 1);
    const lane = await page.$eval(".marker-row .lane", (e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, width: r.width };
    });
    const pxPerSecond = lane.width / SECONDS;
    // From 2 s to about 4.6 s: the bar lines are at 4 and 6 s, so it lands on 4.
    await dragFlag(page, box, 2.6 * pxPerSecond);
    await waitUntil(
      "song.json to change",
      async () => (await readManifest(root, "Way Maker")).markers[1].at !== 2,
    );
    const manifest = await readManifest(root, "Way Maker");
    assert.equal(manifest.markers[1].name, "Verse");
    assert.equal(manifest.markers[1].at, 2 * BAR, "snapped to bar 3's downbeat");
  },
);

consoleTest(
  "console: a marker drag the server cannot save puts the flag back where the file has it",
  async ({ root, web, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Way Maker");
    const before = await markerBox(page, 1);
    // The save fails on the server for real: song.json is a folder now (EISDIR, even as root).
    const file = join(root, "Way Maker", "song.json");
    await Deno.rename(file, `${file}.kept`);
    await Deno.mkdir(file);
    try {
      const width = await page.$eval(".marker-row .lane", (e) => e.getBoundingClientRect().width);
      await dragFlag(page, before, 2.6 * width / SECONDS);
      await page.waitForFunction(() => document.body.textContent.includes("Not saved"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await markerBox(page, 1);
      assert.ok(
        Math.abs(after.x - before.x) < 2,
        `the flag stays where it was dropped (${after.x} px), not at 2 s (${before.x} px)`,
      );
    } finally {
      await Deno.remove(file);
      await Deno.rename(`${file}.kept`, file);
    }
  },
);

consoleTest(
  "console: the page drawn again (a Tap's notice) keeps the marker flags a drag may be holding",
  async ({ web, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Way Maker");
    await markerBox(page, 1);
    const flag = () => {
      const host = document.querySelector(".marker-row .lane")?.firstElementChild;
      return host?.shadowRoot?.querySelector('[data-marker="1"]');
    };
    // Let the lane load (its flags are put back once then), then mark the flag the user would
    // be dragging.
    await page.waitForSelector('.marker-row .lane[data-ready="true"]');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await page.evaluate(`(${flag})().dataset.held = "yes"`);
    await page.click("button.tap"); // sets a notice: the editor is drawn again
    await page.waitForFunction(() => document.body.textContent.includes("Tap again"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      await page.evaluate(`(${flag})()?.dataset.held`),
      "yes",
      "the flag under the pointer was replaced: a drag in progress would be dropped",
    );
  },
);

consoleTest(
  "console: an invalid value shows its error beside the field and writes nothing",
  async ({ root, web, newPage }) => {
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Amazing Grace");
    const before = await Deno.readFile(join(root, "Amazing Grace", "song.json"));
    const field = 'input[name="tracks[2].gainDb"]';
    await typeInto(page, field, "40");
    const error = await page.waitForSelector('[id="error-tracks[2].gainDb"]');
    const message = await error!.evaluate((e) => e.textContent ?? "");
    assert.match(message, /\+12 dB/, "the validator's own words: the ceiling");
    assert.equal(await page.$eval(field, (e) => e.getAttribute("aria-invalid")), "true");
    assert.deepEqual(await Deno.readFile(join(root, "Amazing Grace", "song.json")), before);
  },
);

consoleTest(
  "console: a stale write from a second browser is refused and the page reloads",
  async ({ root, web, newPage }) => {
    const first = await newPage(), second = await newPage();
    for (const page of [first, second]) {
      await login(page, web);
      await openSong(page, "Goodness");
    }
    await typeInto(first, 'input[name="tempo"]', "100");
    await waitUntil(
      "the first edit",
      async () => (await readManifest(root, "Goodness")).tempo === 100,
    );
    // The second page still holds the old version: its edit must not overwrite the first.
    await typeInto(second, 'input[name="firstBeat"]', "0.5");
    await second.waitForFunction(() =>
      /Someone else changed this file|changed on disk/.test(
        document.querySelector(".notice")?.textContent ?? "",
      )
    );
    const manifest = await readManifest(root, "Goodness");
    assert.equal(manifest.tempo, 100);
    assert.equal(manifest.firstBeat, undefined, "the stale edit wrote nothing");
    await second.waitForFunction(() =>
      document.querySelector('input[name="tempo"]').value === "100"
    );
  },
);

consoleTest("console: a setlist is reordered by dragging", async ({ root, web, newPage }) => {
  const page = await newPage();
  await login(page, web);
  await page.click('button[aria-label="Edit setlist Sunday"]');
  await page.waitForSelector(".entries li");
  const handle = await page.$('button[aria-label="Drag Goodness to reorder"]');
  const from = (await handle!.boundingBox())!;
  const target = (await (await page.$('.entries li[data-song="Amazing Grace"]'))!.boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2, target.y + 4, { steps: 5 });
  await page.mouse.up();
  const read = async () => JSON.parse(await Deno.readTextFile(join(root, "sunday.json"))).songs;
  await waitUntil("the setlist to change", async () => (await read())[0] === "Goodness");
  assert.deepEqual(await read(), ["Goodness", "Amazing Grace", "Way Maker"]);
});

consoleTest(
  "console: paths out of the library are refused (.., absolute, symlink)",
  async ({ root, web, newPage }) => {
    const outside = await Deno.makeTempDir({ prefix: "stemplay-outside-" });
    try {
      await Deno.writeTextFile(join(outside, "song.json"), '{"tracks":[]}');
      await Deno.symlink(outside, join(root, "escape"));
      const page = await newPage();
      await login(page, web);
      for (const id of ["../" + outside.split("/").pop(), outside, "escape", "Way Maker/../../x"]) {
        const answer = await page.evaluate(async (id: string) => {
          const read = await fetch(`/api/song?id=${encodeURIComponent(id)}`);
          const write = await fetch("/api/song", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ id, value: { tracks: [] }, ifVersion: "" }),
          });
          return [read.status, write.status, (await read.json()).error];
        }, id);
        assert.equal(answer[0], 400, `${id}: ${answer[2]}`);
        assert.equal(answer[1], 400, id);
        assert.match(answer[2], /library/);
      }
      assert.equal(await Deno.readTextFile(join(outside, "song.json")), '{"tracks":[]}');
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  },
);

consoleTest(
  "console: a folder of stems opens as a draft; the first edit writes its song.json",
  async ({ root, web, newPage }) => {
    const folder = join(root, "New Song");
    await Deno.mkdir(folder);
    for (const [k, name] of ["01 Click.wav", "02 Bass DI.wav"].entries()) {
      await Deno.writeFile(join(folder, name), encodeWav(stem(k), RATE, "s16"));
    }
    const page = await newPage();
    await login(page, web);
    await openSong(page, "New Song");
    assert.match(await page.$eval(".notice", (e) => e.textContent ?? ""), /No song.json yet/);
    await typeInto(page, 'input[aria-label="Gain dB of 02 Bass DI"]', "-6");
    await waitUntil(
      "song.json to be written",
      () => Deno.stat(join(folder, "song.json")).then(() => true, () => false),
    );
    const manifest = await readManifest(root, "New Song");
    assert.deepEqual(
      manifest.tracks.map((t: { file: string }) => t.file),
      [
        "01 Click.wav",
        "02 Bass DI.wav",
      ],
    );
    assert.equal(manifest.tracks[1].gainDb, -6);
  },
);

consoleTest(
  "console: Detect tempo from the click stem fills in tempo and first downbeat",
  async ({ root, web, newPage }) => {
    const folder = join(root, "Click Song");
    await Deno.mkdir(folder);
    const native = await loadNative();
    const frames = 20 * RATE;
    const tempo = [{ at: 0.3125, tempo: 96, timeSignature: [4, 4] as [number, number] }];
    const click = renderClick(native, beatGrid(tempo, frames, RATE), frames, RATE);
    const samples = new Float32Array(frames);
    native.sp_pcm_read_channel(click.pcm, 0, 0n, BigInt(frames), samples);
    native.sp_pcm_free(click.pcm);
    await Deno.writeFile(join(folder, "Click.wav"), encodeWav([samples], RATE, "f32"));
    await Deno.writeFile(join(folder, "Keys.wav"), encodeWav(stem(1), RATE, "s16"));
    const manifest = { title: "Click Song", tracks: [{ file: "Keys.wav" }, { file: "Click.wav" }] };
    await Deno.writeTextFile(join(folder, "song.json"), JSON.stringify(manifest, null, 2) + "\n");
    const page = await newPage();
    await login(page, web);
    await openSong(page, "Click Song");
    assert.equal(await page.$eval('select[name="detectFrom"]', (e) => e.value), "Click.wav");
    await page.click("button.detect");
    await waitUntil(
      "the detected tempo in song.json",
      async () => (await readManifest(root, "Click Song")).tempo !== undefined,
    );
    const saved = await readManifest(root, "Click Song");
    console.log(`console: detected ${saved.tempo} bpm, first downbeat ${saved.firstBeat} s`);
    assert.ok(Math.abs(saved.tempo - 96) <= 0.01, `tempo ${saved.tempo}`);
    assert.ok(Math.abs(saved.firstBeat - 0.3125) <= 0.001, `firstBeat ${saved.firstBeat}`);
    assert.deepEqual(saved.timeSignature, [4, 4]);
    assert.match(
      await page.$eval(".notice", (e) => e.textContent ?? ""),
      /Detected 96/,
    );
  },
);
