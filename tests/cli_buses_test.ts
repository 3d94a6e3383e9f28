/**
 * Buses from the command line: `render` follows the rig profile (default FOH 1-2, in-ears
 * 3-4; stemplay.json "buses"), or one bus with --bus; a folder song's click lands on the
 * in-ears, never on front of house.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeWav } from "./support/wav_reader.ts";
import { runCli } from "./support/cli.ts";
import { writeStems } from "./support/songs.ts";

const peak = (samples: Float32Array) => samples.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

async function withFolderSong(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-cli-buses-" });
  try {
    await writeStems(join(dir, "song"), [
      { file: "01 Click.wav", channels: 1, frequency: 1000 },
      { file: "02 Bass.wav", frequency: 110 },
    ]);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cli buses: render without flags writes every output of the default profile, the click on 3-4 only", async () => {
  await withFolderSong(async (dir) => {
    const run = await runCli(["render", "song", "-o", "mix.wav"], dir);
    assert.equal(run.code, 0, run.stderr);
    const wav = decodeWav(await Deno.readFile(join(dir, "mix.wav")));
    assert.equal(wav.channels.length, 4);
    const bassOnly = decodeWav(
      await Deno.readFile(join(dir, "mix.wav")),
    ).channels.map(peak);
    assert.ok(bassOnly[2] > 0.3 && bassOnly[3] > 0.3, `click on 3-4: ${bassOnly}`);
    // The bass alone on 1-2: the same level as a render of the bass by itself.
    const bass = await runCli(
      ["render", "song/02 Bass.wav", "-o", "bass.wav", "--channels", "2"],
      dir,
    );
    assert.equal(bass.code, 0, bass.stderr);
    const reference = decodeWav(await Deno.readFile(join(dir, "bass.wav"))).channels.map(peak);
    assert.equal(bassOnly[0], reference[0], "no click folded into output 1");
    assert.equal(bassOnly[1], reference[1], "no click folded into output 2");
  });
});

Deno.test("cli buses: render --bus in-ears writes the in-ears only; a stemplay.json profile moves them", async () => {
  await withFolderSong(async (dir) => {
    let run = await runCli(["render", "song", "-o", "ears.wav", "--bus", "in-ears"], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /2 ch \(bus in-ears\)/);
    const ears = decodeWav(await Deno.readFile(join(dir, "ears.wav")));
    assert.equal(ears.channels.length, 2);
    assert.ok(peak(ears.channels[0]) > 0.3);

    await Deno.writeTextFile(
      join(dir, "stemplay.json"),
      JSON.stringify({
        buses: { FOH: { outputs: [1, 2] }, "in-ears": { outputs: [5, 6], protected: true } },
      }),
    );
    run = await runCli(["render", "song", "-o", "rig.wav"], dir);
    assert.equal(run.code, 0, run.stderr);
    const rig = decodeWav(await Deno.readFile(join(dir, "rig.wav")));
    assert.equal(rig.channels.length, 6, "the profile's highest output");
    assert.equal(peak(rig.channels[2]), 0, "nothing on 3 any more");
    assert.ok(peak(rig.channels[4]) > 0.3, "the click on 5");

    run = await runCli(["render", "song", "-o", "x.wav", "--bus", "monitors"], dir);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no bus named "monitors" \(buses: "FOH", "in-ears"\)/);
  });
});
