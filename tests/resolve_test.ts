/**
 * Name and number resolution (src/control/resolve.ts): markers, tracks, songs and buses by
 * number (from 1) or name (exact, then ignoring case), refused naming what there is and the
 * closest name; and the status a remote reads comes from one snapshot of the engine.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { controlStatus, dispatch, Player, StemplayError } from "../mod.ts";
import {
  resolveBus,
  resolveMarker,
  resolveSong,
  resolveTrack,
  suggestion,
} from "../src/control/resolve.ts";
import type { Track } from "../src/engine/track.ts";
import type { Bus } from "../src/engine/buses.ts";
import { writeManifest, writeStems } from "./support/songs.ts";

const MARKERS = [{ name: "Intro", at: 0 }, { name: "Verse", at: 4 }, { name: "Chorus", at: 8 }];
const TRACKS = ["Click", "Bass", "Keys"].map((name) => ({ name }) as unknown as Track);
const SONGS = [{ title: "Way Maker" }, { title: "Holy Ground" }];
const BUSES = ["main", "in-ears"].map((name) => ({ name }) as unknown as Bus);

function refused(code: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StemplayError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

Deno.test("resolve: a marker by number from 1, by name, ignoring case", () => {
  assert.deepEqual(resolveMarker(MARKERS, 1), { index: 0, marker: MARKERS[0] });
  assert.deepEqual(resolveMarker(MARKERS, 3), { index: 2, marker: MARKERS[2] });
  assert.equal(resolveMarker(MARKERS, "Verse").index, 1);
  assert.equal(resolveMarker(MARKERS, "chorus").marker, MARKERS[2]); // the same object
  // An exact name wins over one that matches ignoring case.
  const twin = [{ name: "verse", at: 1 }, { name: "Verse", at: 2 }];
  assert.equal(resolveMarker(twin, "Verse").index, 1);
  assert.equal(resolveMarker(twin, "VERSE").index, 0);
});

Deno.test("resolve: wrong names say what there is and the closest name", () => {
  assert.throws(
    () => resolveMarker(MARKERS, "Chrous"),
    refused(
      "MARKER",
      /^no marker "Chrous" \(markers: 1 Intro, 2 Verse, 3 Chorus\) \(did you mean "Chorus"\?\)$/,
    ),
  );
  assert.throws(
    () => resolveMarker(MARKERS, "Bridge"),
    refused("MARKER", /^no marker "Bridge" \(markers: 1 Intro, 2 Verse, 3 Chorus\)$/),
  );
  assert.throws(
    () => resolveTrack(TRACKS, "Bas"),
    refused(
      "TRACK",
      /^no track named "Bas" \(tracks: Click, Bass, Keys\) \(did you mean "Bass"\?\)$/,
    ),
  );
  assert.throws(
    () => resolveSong(SONGS, "Holy Gound"),
    refused("SETLIST", /no song titled "Holy Gound" .*\(did you mean "Holy Ground"\?\)$/),
  );
  assert.throws(
    () => resolveBus(BUSES, "in-ear"),
    refused(
      "BUS",
      /^no bus named "in-ear" \(buses: "main", "in-ears"\) \(did you mean "in-ears"\?\)$/,
    ),
  );
  assert.equal(suggestion([], "Chorus"), "");
  assert.equal(suggestion(["Intro"], "Tuba"), ""); // too far to be a slip
});

Deno.test("resolve: numbers out of range are refused naming the range", () => {
  assert.throws(
    () => resolveMarker(MARKERS, 4),
    refused("MARKER", /^no marker 4 \(markers: 1 Intro/),
  );
  assert.throws(() => resolveMarker(MARKERS, 0), refused("MARKER", /^no marker 0 /));
  assert.throws(() => resolveMarker([], 1), refused("MARKER", /\(markers: none\)$/));
  assert.throws(
    () => resolveTrack(TRACKS, 9),
    refused("TRACK", /^no track 9 \(this song has 1 to 3\)$/),
  );
  assert.throws(() => resolveTrack([], 1), refused("TRACK", /this song has none/));
  assert.throws(
    () => resolveSong(SONGS, 3),
    refused("SETLIST", /^no song 3 in the setlist \(it has songs 1 to 2\)$/),
  );
  assert.equal(resolveTrack(TRACKS, 2).track, TRACKS[1]);
  assert.equal(resolveSong(SONGS, "holy ground"), 1);
  assert.equal(resolveSong(SONGS, 1), 0);
  assert.equal(resolveBus(BUSES, "In-Ears"), BUSES[1]);
});

Deno.test("status: state and position come from one engine snapshot", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-resolve-" });
  await using player = await Player.open({
    backend: "offline",
    sampleRate: 48000,
    channels: 2,
    blockFrames: 256,
  });
  try {
    await writeStems(dir, [{ file: "bass.wav", seconds: 4, frequency: 110 }]);
    await writeManifest(dir, {
      title: "Song",
      tempo: 120,
      markers: [{ name: "Intro", at: 0 }, { name: "Verse", at: 2 }],
      tracks: [{ file: "bass.wav", name: "Bass" }],
    });
    await player.loadSong(join(dir, "song.json"));
    player.play();
    player.render(4800);
    player.loop(0.5, 1); // a loop: the status reads its range too
    player.render(256);
    const engine = player.engineContext;
    const read = engine.readStatus.bind(engine);
    const snapshots: { position: number; state: string }[] = [];
    engine.readStatus = () => {
      const status = read();
      snapshots.push({ position: status.position, state: status.state });
      return status;
    };
    try {
      const status = controlStatus(player);
      assert.equal(snapshots.length, 1, "one read of the callback's status per status");
      assert.equal(status.state, snapshots[0].state);
      assert.equal(status.position, snapshots[0].position / player.sampleRate);
      assert.equal(status.state, "playing");
      assert.ok(status.loop && status.loop.start === 0.5);
    } finally {
      engine.readStatus = read;
    }
    // Through dispatch: the name resolved once, refused with the closest name.
    await assert.rejects(
      dispatch(player, { type: "jump", marker: "Vrese" }),
      refused(
        "MARKER",
        /no marker "Vrese" \(markers: 1 Intro, 2 Verse\) \(did you mean "Verse"\?\)/,
      ),
    );
    const { message } = await dispatch(player, { type: "jump", marker: "verse", at: "now" });
    assert.equal(message, "jumped to 2 Verse");
    player.render(256);
    assert.ok(Math.abs(player.position - 2) < 0.02, String(player.position));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
