/**
 * The seconds of markers written in bars and beats, as the console gets them from the server
 * (`barBeatMarkerSeconds`): on the whole tempo map and its unit, as the player resolves them.
 */
import assert from "node:assert/strict";
import { barBeatMarkerSeconds, checkMarkerList } from "../src/songs/manifest_markers.ts";
import { parseTempo } from "../src/model/tempo.ts";
import { KeyPathChecker, problemLine } from "../src/util/check.ts";

Deno.test("bar.beat markers: seconds on a tempo map, past its first segment", () => {
  const song = {
    tempoMap: [
      { at: 0, tempo: 120, timeSignature: [4, 4] }, // bars 1-4: 2 s each
      { at: 8, tempo: 60, timeSignature: [3, 4] }, // bar 5 from 8 s: 3 s each
    ],
    markers: [
      { name: "Intro", at: 0 },
      { name: "Verse", at: "2.1" },
      { name: "Bridge", at: "5.2" },
      { name: "Out", at: "6.1" },
    ],
  };
  assert.deepEqual(barBeatMarkerSeconds(song), { "2.1": 2, "5.2": 9, "6.1": 11 });
});

Deno.test("bar.beat markers: a tempo in dotted quarters counts the eighths", () => {
  const song = {
    tempo: 60,
    tempoUnit: "dotted-quarter",
    timeSignature: [6, 8], // 180 eighths a minute: a bar is 2 s
    markers: [{ name: "B", at: "2.4" }],
  };
  assert.deepEqual(barBeatMarkerSeconds(song), { "2.4": 3 });
});

Deno.test("bar.beat markers: none without a right tempo, none for a beat not on it", () => {
  const markers = [{ name: "A", at: "1.9" }, { name: "B", at: "2.1" }, { name: "C", at: 3 }];
  assert.deepEqual(barBeatMarkerSeconds({ tempo: 120, markers }), { "2.1": 2 });
  assert.deepEqual(barBeatMarkerSeconds({ markers }), {});
  assert.deepEqual(barBeatMarkerSeconds({ tempo: "fast", markers }), {});
  assert.deepEqual(barBeatMarkerSeconds({ tempo: 120, markers: "no" }), {});
  assert.deepEqual(barBeatMarkerSeconds(null), {});
});

Deno.test("bar.beat markers: a bar too far to count is not on the map, not an error", () => {
  const far = (digits: number) => [{ name: "X", at: `1${"0".repeat(digits)}.1` }];
  assert.deepEqual(barBeatMarkerSeconds({ tempo: 120, markers: far(308) }), {});
  assert.deepEqual(barBeatMarkerSeconds({ tempo: 30, markers: far(307) }), {});
  assert.deepEqual(barBeatMarkerSeconds({ tempo: 120, markers: far(20) }), {});
  // As the player reads the file: a problem named at the marker, not a crash.
  const check = new KeyPathChecker();
  assert.equal(
    checkMarkerList(check, far(308), parseTempo({ tempo: 120 }, assert.fail)),
    undefined,
  );
  assert.match(problemLine(check.problems[0]), /markers\[1\]\.at.*not on the tempo map/);
});
