/**
 * withoutPaths: file paths in a text that leaves for an unauthenticated peer become the file's
 * own name; our own words (OSC addresses, "on/off", "0/1") and the words a sender sent stay.
 */
import assert from "node:assert/strict";
import { withoutPaths } from "../src/control/redact_paths.ts";

Deno.test("redact paths: absolute, home, relative and file:// paths become their last part", () => {
  assert.equal(
    withoutPaths(
      "/stemplay/goto: /srv/show/song2/song.json: tracks[3]: no such file: /srv/show/song2/bass.wav",
    ),
    "/stemplay/goto: song.json: tracks[3]: no such file: bass.wav",
  );
  assert.equal(
    withoutPaths(`open '~/music/a.wav' "C:\\Users\\me\\b.flac" file:///x/c.mp3 ../up/d.wav`),
    `open 'a.wav' "b.flac" c.mp3 d.wav`,
  );
});

Deno.test("redact paths: a known folder with spaces loses all of its folders", () => {
  assert.equal(
    withoutPaths("cannot load /home/me/Sunday Songs/song1/bass.wav: not audio", [
      "/home/me/Sunday Songs/song1",
    ]),
    "cannot load bass.wav: not audio",
  );
});

Deno.test("redact paths: our words and the sender's own words are kept", () => {
  const text = '/stemplay/track/mute takes s or i (track), then i 0/1 (off/on); got "/x/y"';
  assert.equal(withoutPaths(text, [], ["/x/y"]), text);
  assert.equal(withoutPaths("unknown address /a", [], ["/a"]), "unknown address /a");
});
