/**
 * Messages that used to mislead (issue 15, item 9), each with the text it now gives.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player, StemplayError } from "../mod.ts";
import { pickDevice } from "../src/engine/devices.ts";
import { jsonErrorOffset } from "../src/util/json_position.ts";
import { loadSettings } from "../src/cli/settings.ts";
import { loadSetlist } from "../src/songs/setlist.ts";
import { runCli } from "./support/cli.ts";
import { writeManifest, writeStems } from "./support/songs.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-messages-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function loadError(dir: string): Promise<StemplayError> {
  await using player = await Player.open({ backend: "offline", channels: 4 });
  try {
    await player.loadSong(dir);
  } catch (error) {
    assert.ok(error instanceof StemplayError, String(error));
    return error;
  }
  throw new Error("the song loaded");
}

Deno.test('messages: "tempo": "120" says it got a string', async () => {
  await withDir(async (dir) => {
    await writeStems(dir, [{ file: "a.wav" }]);
    await writeManifest(dir, { tempo: "120", tracks: [{ file: "a.wav" }] });
    const error = await loadError(dir);
    assert.equal(error.code, "MANIFEST");
    assert.match(
      error.message,
      /tempo: must be a tempo in bpm .* \(a number\), got the string "120"/,
    );
  });
});

Deno.test("messages: a JSON syntax error gives line and column, even for an unexpected token", async () => {
  await withDir(async (dir) => {
    await writeStems(dir, [{ file: "a.wav" }]);
    await Deno.writeTextFile(
      join(dir, "song.json"),
      '{\n  "tracks": [\n    { "file": "a.wav", }\n  ]\n}',
    );
    let error = await loadError(dir);
    assert.match(error.message, /song\.json is not valid JSON: .*\(line 3,? column 24\)/);
    await Deno.writeTextFile(join(dir, "song.json"), '{\n  "tempo": tru\n}');
    error = await loadError(dir);
    assert.match(error.message, /\(line 2, column 12\)/);
    await Deno.writeTextFile(join(dir, "song.json"), '{ "tracks": [');
    error = await loadError(dir);
    assert.match(error.message, /Unexpected end of JSON input \(line 1, column 14\)/);
    // The same for setlists and settings.
    await Deno.writeTextFile(join(dir, "setlist.json"), '{ "songs": [1,] }');
    await assert.rejects(loadSetlist(join(dir, "setlist.json")), /\(line 1, column 15\)/);
    await Deno.writeTextFile(join(dir, "stemplay.json"), '{ "audio": {"x": NaN} }');
    await assert.rejects(loadSettings(join(dir, "stemplay.json")), /\(line 1, column 18\)/);
  });
  assert.equal(jsonErrorOffset('{"a": [1, 2], "b": {"c": null}}'), -1, "valid JSON");
});

Deno.test("messages: tracks[N] counts from 1, as the screen does", async () => {
  await withDir(async (dir) => {
    await writeStems(dir, [{ file: "a.wav" }, { file: "b.wav" }]);
    await writeManifest(dir, { tracks: [{ file: "a.wav" }, { file: "b.wav", pan: 5 }] });
    const error = await loadError(dir);
    assert.match(error.message, /tracks\[2\]\.pan: must be from -1 to 1, got 5/);
  });
});

Deno.test("messages: devices of the same name point to the id", () => {
  const twins = [
    { id: 0, name: "USB Audio", channels: 4, isDefault: true },
    { id: 1, name: "USB Audio", channels: 4, isDefault: false },
    { id: 2, name: "HDMI", channels: 2, isDefault: false },
  ];
  assert.throws(() => pickDevice(twins, "alsa", "usb"), (error: unknown) => {
    assert.ok(error instanceof StemplayError);
    assert.equal(error.code, "NO_SUCH_DEVICE");
    assert.match(
      error.message,
      /2 devices are named "USB Audio" \(ids 0, 1\): give the id to pick one, e.g\. --device 0/,
    );
    return true;
  });
  assert.equal(pickDevice(twins, "alsa", "hdmi"), 2);
});

Deno.test("messages: render -o into a missing folder says so; -o mix.mp3 is refused", async () => {
  await withDir(async (dir) => {
    await writeStems(join(dir, "song"), [{ file: "a.wav" }]);
    let run = await runCli(["render", "song", "-o", "missing-folder/x.wav"], dir);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /-o missing-folder\/x\.wav: the folder "missing-folder" does not exist \(create it first/,
    );
    run = await runCli(["render", "song", "-o", "mix.mp3"], dir);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /-o mix\.mp3: render writes WAV files only, not \.mp3; name it mix\.wav/,
    );
    assert.equal(await Deno.stat(join(dir, "mix.mp3")).catch(() => undefined), undefined);
  });
});

Deno.test("messages: --version prints the version from deno.json", async () => {
  const version = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)))
    .version;
  const run = await runCli(["--version"], Deno.cwd());
  assert.equal(run.code, 0);
  assert.equal(run.stdout.trim(), `stemplay ${version}`);
});

Deno.test("messages: a file name's case slip gets a did you mean", async () => {
  await withDir(async (dir) => {
    await writeStems(dir, [{ file: "Click.wav" }]);
    await writeManifest(dir, { tracks: [{ file: "click.wav" }] });
    const error = await loadError(dir);
    assert.match(
      error.message,
      /tracks\[1\]\.file: no such file: .*click\.wav \(did you mean "Click\.wav"\? names are case-sensitive\)/,
    );
    const missing = await loadError(join(dir, "song.JSON"));
    assert.match(missing.message, /no such song: .*song\.JSON \(did you mean "song\.json"\?/);
  });
});

Deno.test("messages: devices with no sound server says to start PulseAudio or JACK", async () => {
  await withDir(async (dir) => {
    const run = await runCli(["devices"], dir, {
      XDG_RUNTIME_DIR: dir,
      PULSE_SERVER: `unix:${dir}/no-such-socket`,
      JACK_DEFAULT_SERVER: "stemplay-no-such-server",
      JACK_NO_START_SERVER: "1",
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /note: no sound server is running \(PulseAudio, PipeWire or JACK\).*Start one, e\.g\. `pulseaudio --start` or `jackd -d alsa`/,
    );
  });
});
