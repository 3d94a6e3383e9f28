/**
 * R2 ("faster") as the player's stretch engine (issue 24): `Player.open({ keyTempo: { engine } })`
 * reaches every place the player stretches — a song loaded at a key decoded whole and streamed
 * through the reader, a transpose and a pitched flag changed on a loaded song, a setlist entry at
 * a key — and each renders what the low-level R2 render of the same stem gives (and not R3's).
 * Bad values are refused by Player.open, stemplay.json and `--stretch-engine`. Real Rubber Band,
 * offline engine, the real CLI; nothing timed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, StemplayError } from "../mod.ts";
import type { PlayerOptions } from "../src/player/player.ts";
import { loadNative } from "../src/native/native.ts";
import { stretchPlanar, type StretchSettings } from "../src/sources/stretch.ts";
import { parseSettings, settingsToPlayerOptions } from "../src/cli/settings.ts";
import { HELP } from "../src/cli/help.ts";
import { runCli } from "./support/cli.ts";
import { decodeWav } from "./support/wav_reader.ts";
import { harmonicTone, matchesFrom, writeToneSong } from "./support/stretch_signals.ts";

const RATE = 48_000;
const SECONDS = 4;
const KEY = { transpose: 2, speed: 0.9 };
const native = await loadNative();
const tone = harmonicTone(220, SECONDS);

/** The stem (keys.wav of writeToneSong) through the low-level render. */
async function reference(settings: StretchSettings): Promise<Float32Array> {
  return (await stretchPlanar(native, [tone], RATE, settings))[0];
}

/** Output 1 of `frames` frames played from where the transport stands. */
function renderOutput(player: Player, frames: number): Float32Array {
  player.play();
  const out = new Float32Array(frames);
  for (let at = 0; at < frames; at += 4800) {
    out.set(player.render(Math.min(4800, frames - at))[0], at);
  }
  player.stop();
  player.render(4800);
  return out;
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, "lengths");
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

/** `heard` is R2's render of the stem (within float rounding), far from R3's. */
async function assertR2(heard: Float32Array, settings: StretchSettings, what: string) {
  const r2 = await reference({ ...settings, engine: "faster" });
  const r3 = await reference({ ...settings, engine: "finer" });
  const fromR2 = largestDifference(heard, r2);
  const fromR3 = largestDifference(heard, r3);
  console.log(`  ${what}: largest difference from R2 ${fromR2}, from R3 ${fromR3.toFixed(4)}`);
  assert.ok(fromR2 <= 1e-6, `${what}: ${fromR2} from R2's render`);
  assert.ok(fromR3 > 0.01, `${what}: R3's render (${fromR3})`);
}

async function withPlayer(
  options: PlayerOptions,
  fn: (player: Player, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-r2-" });
  const player = await Player.open({
    backend: "offline",
    sampleRate: RATE,
    channels: 2,
    ...options,
  });
  try {
    await fn(player, dir);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const frames = (speed: number) => Math.round(SECONDS * RATE / speed);

for (
  const [path, streaming] of [
    ["decoded whole", false],
    ["streamed through the reader", { stretchStems: 8 }],
  ] as const
) {
  Deno.test(`stretch engine faster: a song loaded at +2 / 0.9 ${path} renders R2's render`, async () => {
    await withPlayer({ streaming, keyTempo: { engine: "faster" } }, async (player, dir) => {
      assert.equal(player.stretchEngine, "faster");
      await player.loadSong(await writeToneSong(dir, {}), KEY);
      await assertR2(renderOutput(player, frames(KEY.speed)), KEY, `loaded at a key, ${path}`);
    });
  });
}

Deno.test("stretch engine: finer by default, and the default renders R3's render", async () => {
  await withPlayer({ streaming: false }, async (player, dir) => {
    assert.equal(player.stretchEngine, "finer");
    await player.loadSong(await writeToneSong(dir, {}), KEY);
    const heard = renderOutput(player, frames(KEY.speed));
    assert.ok(largestDifference(heard, await reference(KEY)) <= 1e-6, "R3's render");
  });
});

Deno.test("stretch engine faster: a transpose, a pitched flag and a setlist entry at a key render R2's render", async () => {
  await withPlayer({ keyTempo: { engine: "faster" } }, async (player, dir) => {
    const song = await writeToneSong(dir, {});
    await player.loadSong(song);
    player.transpose = 2; // stopped: prepared again at the key
    await player.keyTempoReady();
    const atKey = { transpose: 2, speed: 1 };
    await assertR2(renderOutput(player, frames(1)), atKey, "transpose set on a loaded song");
    player.tracks[0].pitched = false; // prepared again, the stem keeping its key
    await player.keyTempoReady();
    await assertR2(
      renderOutput(player, frames(1)),
      { ...atKey, pitched: false },
      "pitched set false at +2",
    );
    const setlist = join(dir, "show.json");
    await Deno.writeTextFile(setlist, JSON.stringify({ songs: [{ song, ...KEY }] }));
    await player.loadSetlist(setlist);
    await assertR2(renderOutput(player, frames(KEY.speed)), KEY, "setlist entry at a key");
  });
});

Deno.test("stretch engine faster: a transpose set while playing crossfades into R2's render from the playhead", async () => {
  await withPlayer({ keyTempo: { engine: "faster" } }, async (player, dir) => {
    await player.loadSong(await writeToneSong(dir, {}));
    const before = RATE; // played before the change
    const after = 2 * RATE; // played after it
    player.play();
    const live = new Float32Array(before + after);
    for (let done = 0; done < live.length; done += 960) {
      if (done === before) {
        player.transpose = 2;
        await player.keyTempoReady();
      }
      live.set(player.render(960)[0], done);
    }
    const tail = live.subarray(before);
    const atKey = { transpose: 2, speed: 1 };
    const [r2, r3] = await Promise.all(
      (["faster", "finer"] as const).map(async (engine) =>
        (await stretchPlanar(native, [tone], RATE, { ...atKey, engine }, before))[0]
          .subarray(0, after)
      ),
    );
    const heard = matchesFrom(tail, r2);
    console.log(`  R2's render from the change's frame heard from frame ${heard} after it`);
    assert.ok(heard >= 0 && heard < after - RATE, `R2 heard from ${heard}`);
    assert.ok(largestDifference(tail.subarray(heard), r3.subarray(heard)) > 0.01, "not R3's");
  });
});

Deno.test("stretch engine: Player.open refuses anything but finer or faster, naming keyTempo.engine", async () => {
  for (
    const keyTempo of [{ engine: "fast" }, { engine: "R2" }, { engine: 2 }, "faster", null]
  ) {
    await assert.rejects(
      () =>
        Player.open({
          backend: "offline",
          keyTempo: keyTempo as unknown as PlayerOptions["keyTempo"],
        }),
      (error) => {
        assert.ok(error instanceof StemplayError, String(error));
        assert.equal(error.code, "INVALID_ARGUMENT", error.message);
        assert.match(error.message, /keyTempo/);
        if (typeof keyTempo === "object" && keyTempo !== null) {
          assert.match(error.message, /keyTempo\.engine/);
          assert.match(error.message, /"finer".*"faster"/);
        }
        return true;
      },
      JSON.stringify(keyTempo),
    );
  }
});

Deno.test("stretch engine: stemplay.json keyTempo.engine maps onto Player.open, a bad value names the key", () => {
  const settings = parseSettings({ keyTempo: { engine: "faster" } }, "stemplay.json");
  assert.deepEqual(settingsToPlayerOptions(settings).keyTempo, { engine: "faster" });
  assert.equal(settingsToPlayerOptions(parseSettings({}, "stemplay.json")).keyTempo, undefined);
  for (
    const [bad, named] of [
      [{ keyTempo: { engine: "r2" } }, "keyTempo.engine"],
      [{ keyTempo: { engin: "faster" } }, "keyTempo.engin"],
      [{ keyTempo: "faster" }, "keyTempo"],
    ] as const
  ) {
    assert.throws(
      () => parseSettings(bad, "stemplay.json"),
      (error) => {
        assert.ok(error instanceof StemplayError);
        assert.equal(error.code, "SETTINGS");
        assert.ok(error.message.includes(named), error.message);
        return true;
      },
      JSON.stringify(bad),
    );
  }
});

Deno.test("stemplay render --stretch-engine faster --transpose 2 writes R2's render; stemplay.json's engine applies, the flag wins", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-r2-cli-" });
  try {
    const song = await writeToneSong(dir, {});
    const render = async (flags: string[]) => {
      const out = join(dir, "mix.wav");
      const run = await runCli(["render", song, "-o", out, "--transpose", "2", ...flags]);
      assert.equal(run.code, 0, run.stderr);
      return decodeWav(await Deno.readFile(out)).channels[0];
    };
    const atKey = { transpose: 2, speed: 1 };
    await assertR2(await render(["--stretch-engine", "faster"]), atKey, "render --stretch-engine");
    await Deno.writeTextFile(
      join(song, "stemplay.json"),
      JSON.stringify({ keyTempo: { engine: "faster" } }),
    );
    await assertR2(await render([]), atKey, "render with stemplay.json's keyTempo.engine");
    const finer = await render(["--stretch-engine", "finer"]); // the flag wins over the file
    assert.ok(largestDifference(finer, await reference(atKey)) <= 1e-6, "R3's render");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stemplay render and play: a bad --stretch-engine exits 2 naming the flag and both values, a good one plays", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-r2-cli-" });
  try {
    const song = await writeToneSong(dir, {});
    const out = join(dir, "mix.wav");
    for (
      const args of [
        ["render", song, "-o", out, "--stretch-engine", "r2"],
        ["render", song, "-o", out, "--stretch-engine", ""],
        ["play", song, "--backend", "null", "--stretch-engine", "fastest"],
      ]
    ) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /--stretch-engine/);
      await assert.rejects(Deno.stat(out));
      if (args.at(-1) === "") continue; // the parser's "needs a value"
      assert.match(run.stderr, /finer/);
      assert.match(run.stderr, /faster/);
    }
    const good = ["play", song, "--backend", "null", "--stretch-engine", "faster", "--speed", "2"];
    const run = await runCli(good);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /error/i);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("help: play and render --help name --stretch-engine and both engines", () => {
  for (const command of ["play", "render"] as const) {
    assert.match(
      HELP[command],
      /--stretch-engine <e> +finer \(Rubber Band R3, default\) or faster/,
    );
  }
});
