/**
 * Songs that load: folders and manifests, parallel decoding with progress, the swap of one
 * song for the next (stopped at its start, the old song's memory freed), unloading, tracks of
 * different lengths and channel counts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Player } from "../src/player/player.ts";
import { loadSongDescription } from "../src/songs/song.ts";
import { estimateFrequency, requireTool, writeToneFiles } from "./support/fixtures.ts";
import { playerPlayingOldSong, snapshot, writeManifest, writeStems } from "./support/songs.ts";

const RAW_BYTES_PER_FRAME_PER_CHANNEL = 4;

function peak(samples: Float32Array, from = 0, to = samples.length): number {
  let max = 0;
  for (let i = from; i < to; i++) max = Math.max(max, Math.abs(samples[i]));
  return max;
}

Deno.test("a folder: every audio file is a track named after it, in numeric name order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeStems(dir, [
      { file: "10 pads.wav" },
      { file: "2 bass.wav" },
      { file: "1 click.WAV", channels: 1 },
      { file: ".hidden.wav" },
    ]);
    await Deno.writeTextFile(join(dir, "notes.txt"), "not audio");
    const description = await loadSongDescription(dir);
    assert.equal(description.kind, "folder");
    assert.deepEqual(description.tracks.map((t) => t.options.name), [
      "1 click",
      "2 bass",
      "10 pads",
    ]);
    assert.equal(description.markers.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a manifest: names, levels, routes, markers and title reach the player", async () => {
  const dir = await Deno.makeTempDir();
  await using player = await Player.open({ backend: "offline", channels: 4 });
  try {
    await writeStems(dir, [
      { file: "click.wav", frequency: 1000, seconds: 1, channels: 1 },
      { file: "pads.wav", frequency: 300, seconds: 2 },
      { file: "guide.wav", frequency: 500, seconds: 1, channels: 1 },
    ]);
    const manifest = await writeManifest(dir, {
      title: "Way Maker",
      sampleRate: 48000,
      tracks: [
        { file: "click.wav", name: "Click", gainDb: -6, route: [3] },
        { file: "pads.wav", gain: 0.5, pan: 0.1, route: [1, 2] },
        { file: "guide.wav", muted: true, route: [4] },
      ],
      markers: [{ name: "Verse 1", at: 0.5 }, { name: "Chorus", at: 1.5 }],
    });
    const description = await player.loadSong(manifest);
    assert.equal(description.kind, "manifest");
    assert.equal(player.title, "Way Maker");
    assert.deepEqual(player.markers, [{ name: "Verse 1", at: 0.5 }, { name: "Chorus", at: 1.5 }]);
    assert.deepEqual(player.tracks.map((t) => t.name), ["Click", "pads", "guide"]);
    const [click, pads, guide] = player.tracks;
    assert.ok(Math.abs(click.gainDb - -6) < 1e-9);
    assert.deepEqual(click.route, [3]);
    assert.equal(pads.gain, 0.5);
    assert.equal(pads.pan, 0.1);
    assert.equal(guide.muted, true);
    assert.equal(player.duration, 2);

    player.play();
    const out = player.render(24000);
    assert.ok(Math.abs(estimateFrequency(out[2], 48000) - 1000) < 1, "click on output 3");
    assert.ok(Math.abs(peak(out[2]) - 0.5 * 10 ** (-6 / 20)) < 0.01, "click at -6 dB");
    assert.ok(Math.abs(estimateFrequency(out[0], 48000) - 300) < 1, "pads on output 1");
    assert.equal(peak(out[3]), 0, "the muted guide is silent on output 4");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("song.json inside a folder wins over the folder's files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeStems(dir, [{ file: "a.wav" }, { file: "b.wav" }]);
    await writeManifest(dir, { tracks: [{ file: "b.wav", name: "Only B" }] });
    const description = await loadSongDescription(dir);
    assert.equal(description.kind, "manifest");
    assert.deepEqual(description.tracks.map((t) => t.options.name), ["Only B"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WAV, FLAC and MP3 of one song decode in parallel with summed progress", async () => {
  const dir = await Deno.makeTempDir();
  await using player = await Player.open({ backend: "offline", channels: 2 });
  try {
    const files = await writeToneFiles(dir, { seconds: 2, name: "x" });
    const song = join(dir, "song");
    await Deno.mkdir(song);
    await Deno.copyFile(files.wavS24, join(song, "a.wav"));
    if (requireTool("flac", "FLAC in a song") && files.flac) {
      await Deno.copyFile(files.flac, join(song, "b.flac"));
    }
    if (requireTool("lame", "MP3 in a song") && files.mp3) {
      await Deno.copyFile(files.mp3.path, join(song, "c.mp3"));
    }
    const calls: [number, number][] = [];
    await player.loadSong(song, { onProgress: (loaded, total) => calls.push([loaded, total]) });
    const total = player.tracks.reduce((sum, track) => sum + track.frames, 0);
    assert.ok(calls.length >= 1);
    assert.deepEqual(calls.at(-1), [total, total]);
    for (const [loaded, expected] of calls) assert.ok(loaded <= expected || expected === 0);
    for (const track of player.tracks) assert.equal(track.frames, 96000, track.name);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the next song replaces the current one stopped at 0, and the old memory is freed", async () => {
  const dir = await Deno.makeTempDir();
  const player = await playerPlayingOldSong(dir);
  try {
    const oldTracks = player.tracks;
    const oldGroup = player.currentGroup;
    const oldBytes = player.memoryBytes;
    // bass: 1 s stereo, keys: 1 s mono, each plus a small header
    assert.ok(oldBytes >= 48000 * 3 * RAW_BYTES_PER_FRAME_PER_CHANNEL);
    assert.ok(oldBytes < 48000 * 3 * RAW_BYTES_PER_FRAME_PER_CHANNEL + 1024);

    const next = await writeStems(join(dir, "next"), [
      { file: "a.wav", frequency: 880, seconds: 0.5 },
    ]);
    await player.loadSong(next);
    assert.deepEqual(player.tracks.map((t) => t.name), ["a"]);
    for (const track of oldTracks) assert.equal(track.removed, true);
    assert.notEqual(player.currentGroup, oldGroup);
    assert.equal(player.duration, 0.5);
    assert.equal(player.title, "next");
    assert.deepEqual(player.markers, []);
    assert.ok(player.memoryBytes < oldBytes, `${player.memoryBytes} < ${oldBytes}`);
    assert.ok(player.memoryBytes >= 24000 * 2 * RAW_BYTES_PER_FRAME_PER_CHANNEL);

    // Stopped at the start: the old song fades out, nothing new starts by surprise.
    player.render(4096);
    assert.equal(player.state, "stopped");
    assert.equal(player.positionFrames, 0);
    assert.equal(peak(player.render(4096)[0]), 0);
    player.play();
    const out = player.render(4800);
    assert.ok(Math.abs(estimateFrequency(out[0], 48000) - 880) < 2);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unloadSong removes every track and frees their memory", async () => {
  const dir = await Deno.makeTempDir();
  const player = await playerPlayingOldSong(dir);
  try {
    const oldTracks = player.tracks;
    await player.unloadSong();
    assert.deepEqual(player.tracks, []);
    assert.equal(player.memoryBytes, 0);
    assert.equal(player.title, "");
    assert.equal(player.duration, 0);
    for (const track of oldTracks) assert.equal(track.removed, true);
    assert.equal(peak(player.render(8192)[0], 4096), 0);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tracks of different lengths: the longest sets the duration, the shorter go silent", async () => {
  const dir = await Deno.makeTempDir();
  await using player = await Player.open({ backend: "offline", channels: 2 });
  try {
    await writeStems(dir, [
      { file: "long.wav", frequency: 200, seconds: 1, channels: 1 },
      { file: "short.wav", frequency: 2000, seconds: 0.25, channels: 1 },
    ]);
    await writeManifest(dir, {
      tracks: [{ file: "long.wav", route: [1] }, { file: "short.wav", route: [2] }],
    });
    await player.loadSong(dir);
    assert.equal(player.durationFrames, 48000);
    player.play();
    const out = player.render(36000);
    assert.ok(peak(out[1], 0, 12000) > 0.4, "short track plays");
    assert.equal(peak(out[1], 12000), 0, "short track silent after its end");
    assert.ok(peak(out[0], 12000) > 0.4, "long track goes on");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a 6-channel file routes to 6 outputs; 44.1 kHz is resampled to the engine's rate", async () => {
  const dir = await Deno.makeTempDir();
  await using player = await Player.open({ backend: "offline", channels: 6 });
  try {
    await writeStems(dir, [
      { file: "surround.wav", seconds: 0.5, channels: 6, format: "s24" },
      { file: "cd.wav", seconds: 1, sampleRate: 44100, frequency: 1000 },
    ]);
    await writeManifest(dir, {
      tracks: [
        { file: "surround.wav", route: [1, 2, 3, 4, 5, 6] },
        { file: "cd.wav", route: [1, 2], muted: true },
      ],
    });
    await player.loadSong(dir);
    assert.equal(player.tracks[0].channelCount, 6);
    assert.equal(player.tracks[1].frames, 48000);
    player.play();
    const out = player.render(12000);
    for (let c = 0; c < 6; c++) assert.ok(peak(out[c]) > 0.4, `output ${c + 1}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a second loadSong while one is loading is BUSY and does not disturb the first", async () => {
  const dir = await Deno.makeTempDir();
  const player = await playerPlayingOldSong(dir);
  try {
    const next = await writeStems(join(dir, "next"), [{ file: "n.wav", seconds: 2 }]);
    const first = player.loadSong(next);
    const before = snapshot(player);
    await assert.rejects(
      player.loadSong(next),
      (error: Error & { code?: string; path?: string }) => {
        assert.equal(error.code, "BUSY");
        assert.equal(error.path, next);
        return true;
      },
    );
    assert.deepEqual(snapshot(player), before);
    await first;
    assert.deepEqual(player.tracks.map((t) => t.name), ["n"]);
  } finally {
    await player.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on a real-time device the old song plays on while the next one decodes", async () => {
  const dir = await Deno.makeTempDir();
  await using player = await Player.open({ backend: "null", channels: 2, blockFrames: 256 });
  try {
    await player.loadSong(await writeStems(join(dir, "old"), [{ file: "o.wav", seconds: 30 }]));
    player.play();
    const next = await writeStems(join(dir, "next"), [
      { file: "a.wav", seconds: 20 },
      { file: "b.wav", seconds: 20 },
    ]);
    const seen: string[] = [];
    await player.loadSong(next, { onProgress: () => seen.push(player.state) });
    assert.ok(seen.length > 0 && seen.every((state) => state === "playing"), seen.join());
    assert.deepEqual(player.tracks.map((t) => t.name), ["a", "b"]);
    // The audio thread took the switch (loadSong waits for it) and stays stopped at 0.
    assert.equal(player.state, "stopped");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(player.state, "stopped");
    assert.equal(player.positionFrames, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
