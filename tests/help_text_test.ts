/**
 * The help texts say what the program does (issue 28): `play --help` names every audio format a
 * song folder takes, and both `play` and `demo` state the one rule for starting and `--play`.
 */
import assert from "node:assert/strict";
import { HELP } from "../src/cli/help.ts";
import { AUDIO_EXTENSIONS } from "../src/songs/song.ts";
import { DEMO_FLAGS } from "../src/cli/demo.ts";
import { PLAY_FLAGS } from "../src/cli/play.ts";
import { INIT_FLAGS } from "../src/cli/init.ts";

Deno.test("help: play --help lists every supported audio format", () => {
  const missing = AUDIO_EXTENSIONS.filter((extension) => !HELP.play.includes(extension));
  assert.deepEqual(missing, [], `play --help does not name ${missing.join(" ")}`);
});

Deno.test("help: play and demo state the start rule and take --play", () => {
  for (const command of ["play", "demo"] as const) {
    assert.match(HELP[command], /--play/, `${command} --help names --play`);
    assert.match(HELP[command], /opens stopped/, `${command} --help says it opens stopped`);
    assert.match(HELP[command], /[Pp]iped/, `${command} --help says what a piped run does`);
  }
  assert.equal(PLAY_FLAGS.play?.type, "boolean");
  assert.equal(DEMO_FLAGS.play?.type, "boolean");
});

Deno.test("help: init --help names each of its flags, and the main help names init", () => {
  for (const flag of Object.keys(INIT_FLAGS)) {
    assert.match(HELP.init, new RegExp(`--${flag}\\b`), `init --help names --${flag}`);
  }
  assert.match(HELP.main, /stemplay init <folder>/);
});
