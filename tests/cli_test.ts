/**
 * The command line run for real, as a user runs it (`deno run -A cli.ts …`), piped (not a
 * terminal): usage errors and exit codes, help, devices, render against Player.render, and
 * plain-progress playback to the null device.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { decodeWav } from "./support/wav_reader.ts";
import { writeDemoSong } from "../src/cli/demo_song.ts";
import { CLI, runCli } from "./support/cli.ts";

/** stderr without the noise audio libraries print while probing (ALSA, JACK) and without
 * the note of an on-demand build of the native library. */
function ownLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) =>
    line.startsWith("stemplay") && !line.startsWith("stemplay: built ")
  );
}

function tone(frames: number, frequency: number, rate: number, amplitude: number): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    out[i] = amplitude * Math.sin(2 * Math.PI * frequency * i / rate);
  }
  return out;
}

/** A small manifest song: a mono click-like tone on its own output, a stereo pad panned and
 * attenuated, a muted guide, tracks of different lengths, two markers. */
async function writeSong(dir: string): Promise<string> {
  const rate = 48000;
  await Deno.writeFile(`${dir}/click.wav`, encodeWav([tone(30000, 1000, rate, 0.5)], rate, "f32"));
  await Deno.writeFile(
    `${dir}/pad.wav`,
    encodeWav([tone(50000, 220, rate, 0.4), tone(50000, 330, rate, 0.3)], rate, "s16"),
  );
  await Deno.writeFile(`${dir}/guide.wav`, encodeWav([tone(20000, 440, rate, 0.6)], rate, "s24"));
  const manifest = {
    title: "Test Song",
    sampleRate: rate,
    tracks: [
      { file: "click.wav", name: "Click", gainDb: -3, route: [2] },
      { file: "pad.wav", name: "Pad", gainDb: -6, pan: 0.25, route: [1, 2] },
      { file: "guide.wav", name: "Guide", muted: true },
    ],
    markers: [{ name: "Verse", at: 0.2 }, { name: "Chorus", at: 0.6 }],
  };
  const path = `${dir}/song.json`;
  await Deno.writeTextFile(path, JSON.stringify(manifest));
  return path;
}

/** What Player.render gives for the whole song, the reference for `render`. */
async function referenceRender(manifest: string, sampleRate: number, channels: number) {
  await using player = await Player.open({ backend: "offline", sampleRate, channels });
  await player.loadSong(manifest);
  player.play();
  return player.render(player.durationFrames);
}

// ---- usage errors ------------------------------------------------------------------------

const USAGE_CASES: [string[], string][] = [
  [["play", "song", "--bogus"], "--bogus"],
  [["play", "song", "-x"], "-x"],
  [["play", "song", "--rate", "fast"], "--rate"],
  [["play", "song", "--rate", "100"], "--rate"],
  [["play", "song", "--rate=44100.5"], "--rate"],
  [["play", "song", "--channels", "0"], "--channels"],
  [["play", "song", "--channels", "33"], "--channels"],
  [["play", "song", "--block", "8"], "--block"],
  [["play", "song", "--profile", "fast"], "--profile"],
  [["play", "song", "--block", "256", "--profile", "safe"], "--profile"],
  [["play", "song", "--recovery", "later"], "--recovery"],
  [["play", "song", "--backend", "nope"], "--backend"],
  [["play", "song", "--device"], "--device"],
  [["play", "song", "--monitor=yes"], "--monitor"],
  [["play"], "song folder"],
  [["devices", "--backend", "nope"], "--backend"],
  [["devices", "--verbose"], "--verbose"],
  [["render", "song"], "--output"],
  [["render", "song", "-o", "x.wav", "--format", "mp3"], "--format"],
  [["render", "song", "-o", "x.wav", "--channels", "64"], "--channels"],
  [["render", "song", "-o"], "-o"],
  [["demo", "--no-play=1"], "--no-play"],
  [["demo", "--out"], "--out"],
  [["demo", "extra"], "extra"],
  [["dance"], "dance"],
];

Deno.test("cli: every usage error exits 2 with one line naming the flag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const [args, flag] of USAGE_CASES) {
      const run = await runCli(args, dir);
      const what = `stemplay ${args.join(" ")}`;
      assert.equal(run.code, 2, `${what}: exit ${run.code}, stderr: ${run.stderr}`);
      const lines = run.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `${what}: one line, got: ${run.stderr}`);
      assert.ok(lines[0].includes(flag), `${what}: "${flag}" not in: ${lines[0]}`);
      assert.equal(run.stdout, "", `${what}: nothing on stdout`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: --start that is neither a time nor a marker exits 2 naming --start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifest = await writeSong(dir);
    const run = await runCli(["play", manifest, "--backend", "null", "--start", "Bridge"], dir);
    assert.equal(run.code, 2, run.stderr);
    const line = run.stderr.trim().split("\n").at(-1)!;
    assert.match(line, /--start "Bridge".*markers: Verse, Chorus/);
    for (
      const [start, message] of [["99", /--start 99 is past the end/], ["0:70", /< 60/]] as const
    ) {
      const bad = await runCli(["play", manifest, "--backend", "null", "--start", start], dir);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr.trim().split("\n").at(-1)!, message);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: --help for stemplay and each command exits 0 and shows its usage", async () => {
  for (const command of ["play", "devices", "render", "demo"]) {
    const run = await runCli([command, "--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(`Usage: stemplay ${command}`), run.stdout);
  }
  const top = await runCli(["--help"]);
  assert.equal(top.code, 0);
  for (const command of ["play", "devices", "render", "demo"]) {
    assert.ok(top.stdout.includes(`stemplay ${command}`), command);
  }
  assert.equal((await runCli([])).code, 2, "no command at all is a usage error");
});

Deno.test("cli: a runtime failure exits 1 with the StemplayError on one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = await runCli(["play", `${dir}/missing.wav`, "--backend", "null"], dir);
    assert.equal(run.code, 1, run.stderr);
    const lines = ownLines(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^stemplay: .*missing\.wav/);
    const broken = `${dir}/stemplay.json`;
    await Deno.writeTextFile(broken, '{ "audio": { "profile": "fast" } }');
    const settings = await runCli(["play", `${dir}/missing.wav`], dir);
    assert.equal(settings.code, 1, settings.stderr);
    assert.match(ownLines(settings.stderr)[0], /audio\.profile/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- devices -----------------------------------------------------------------------------

Deno.test("cli: devices lists the null backend's device as a table", async () => {
  const run = await runCli(["devices", "--backend", "null"]);
  assert.equal(run.code, 0, run.stderr);
  const [header, ...rows] = run.stdout.trim().split("\n");
  assert.match(header, /^id\s+name\s+channels\s+default$/);
  assert.equal(rows.length, 1, run.stdout);
  assert.match(rows[0], /^\s*0\s+NULL Playback Device\s+\S+\s+yes$/);
});

// ---- render ------------------------------------------------------------------------------

Deno.test("cli: render of a manifest song is bit-exact with Player.render (f32)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifest = await writeSong(dir);
    const out = `${dir}/mix.wav`;
    // --bus FOH: the front-of-house outputs (1-2) of the default profile.
    const run = await runCli(["render", manifest, "-o", out, "--bus", "FOH"], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /rendering \[=+\] 100%/);
    assert.match(run.stdout, /2 ch \(bus FOH\)/);
    const written = decodeWav(await Deno.readFile(out));
    assert.equal(written.sampleRate, 48000);
    assert.equal(written.channels.length, 2);
    assert.equal(written.channels[0].length, 50000, "the longest track's length");
    const reference = await referenceRender(manifest, 48000, 2);
    for (let channel = 0; channel < 2; channel++) {
      const got = written.channels[channel];
      const want = reference[channel];
      let differing = 0;
      for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) differing++;
      assert.equal(differing, 0, `channel ${channel}: ${differing} samples differ`);
    }
    // Not silence, and the routing reached the file: the click only on output 2.
    const peak = (samples: Float32Array, from: number, to: number) =>
      samples.subarray(from, to).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    assert.ok(peak(written.channels[1], 0, 30000) > 0.3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: render --rate 44100 --channels 3 --format s24 matches Player.render to 1 LSB", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifest = await writeSong(dir);
    const out = `${dir}/mix24.wav`;
    const args = ["render", manifest, "--output", out, "--rate", "44100", "--channels", "3"];
    const run = await runCli([...args, "--format", "s24"], dir);
    assert.equal(run.code, 0, run.stderr);
    const written = decodeWav(await Deno.readFile(out));
    const reference = await referenceRender(manifest, 44100, 3);
    assert.equal(written.sampleRate, 44100);
    assert.equal(written.channels.length, 3);
    assert.equal(written.channels[0].length, reference[0].length);
    assert.ok(Math.abs(reference[0].length - Math.round(50000 * 44100 / 48000)) <= 2);
    const lsb = 1 / 8388607;
    for (let channel = 0; channel < 3; channel++) {
      let worst = 0;
      for (let i = 0; i < reference[channel].length; i++) {
        worst = Math.max(worst, Math.abs(written.channels[channel][i] - reference[channel][i]));
      }
      assert.ok(worst <= lsb, `channel ${channel}: off by ${worst / lsb} LSB`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- play and demo, piped ----------------------------------------------------------------

Deno.test("cli: play piped prints a progress line a second and a summary at the end", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const manifest = await writeDemoSong(dir);
    const run = await runCli(["play", dir, "--backend", "null", "--start", "21"], dir);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    const progress = lines.filter((line) => /^\d:\d\d\.\d \/ 0:24\.0 {2}playing/.test(line));
    assert.ok(progress.length >= 1, run.stdout);
    assert.match(progress[0], /Outro$/, "the marker the position is in");
    assert.match(lines.at(-1)!, /^ended: "stemplay demo", 4 tracks, .* on NULL Playback Device/);
    assert.ok(manifest.endsWith("song.json"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: demo --no-play --out writes the song; the click gets output 3 with 4 channels", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = await runCli(["demo", "--no-play", "--out", dir, "--channels", "4"], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), `${dir}/song.json`);
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/song.json`));
    assert.deepEqual(manifest.tracks.map((t: { name: string }) => t.name), [
      "Click",
      "Bass",
      "Pad",
      "Guide",
    ]);
    assert.deepEqual(manifest.tracks[0].route, [3]);
    assert.deepEqual(manifest.markers.map((m: { name: string }) => m.name), [
      "Intro",
      "Verse",
      "Chorus",
      "Outro",
    ]);
    const pad = decodeWav(await Deno.readFile(`${dir}/pad.wav`));
    assert.equal(pad.channels.length, 2);
    assert.equal(pad.channels[0].length, 24 * 48000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: demo plays to the end on the null device, piped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = await runCli(["demo", "--backend", "null", "--start", "Outro"], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /demo: playing on NULL Playback Device .*click panned left/);
    assert.match(run.stdout, /0:2\d\.\d \/ 0:24\.0 {2}playing {2}Outro/);
    assert.match(run.stdout.trim().split("\n").at(-1)!, /^ended: "stemplay demo"/);
    const left: string[] = [];
    for await (const entry of Deno.readDir(dir)) left.push(entry.name);
    assert.deepEqual(left, [], "nothing written into the working folder");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: SIGINT stops piped playback with the summary and exit 130", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeDemoSong(dir);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "play", dir, "--backend", "null", "--monitor"],
      cwd: dir,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    let text = "";
    let signalled = false;
    const decoder = new TextDecoder();
    // Read to the end, sending SIGINT once the first progress line is out.
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk);
      if (!signalled && /playing/.test(text)) {
        signalled = true;
        child.kill("SIGINT");
      }
    }
    const status = await child.status;
    assert.equal(status.code, 130, text);
    assert.match(text, /^stopped by SIGINT: "stemplay demo", 4 tracks/m);
    assert.match(text, /^latency monitor: \d+ callbacks, mean [\d.]+ ms, p99 [\d.]+ ms/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
