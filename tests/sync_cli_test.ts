/**
 * `stemplay play --sync-serve / --follow` (docs/two-rigs.md), run as a user runs it: usage
 * mistakes exit 2 naming the fix; a short key is refused; and a primary and a backup, two
 * processes on the null device, play the same setlist, the backup following (its piped
 * progress lines show the sync state) until both are stopped by pid.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLI, runCli } from "./support/cli.ts";
import { readLines } from "./support/midi_send.ts";
import { writeShow } from "./support/show_rig.ts";
import { freeUdpPort } from "./support/osc_tools.ts";

const KEY = "0123456789abcdef0123456789abcdef\n";

Deno.test("sync cli: usage mistakes exit 2 and say how to fix them", async () => {
  const cases: [string[], RegExp][] = [
    [["--follow", "127.0.0.1:9900"], /needs --sync-key-file/],
    [["--sync-serve", "9900"], /needs --sync-key-file/],
    [["--follow", "9900", "--sync-key-file", "k"], /HOST:PORT/],
    [["--sync-serve", "host:99999", "--sync-key-file", "k"], /\[HOST:\]PORT/],
    [["--sync-serve", "9900", "--follow", "a:1", "--sync-key-file", "k"], /not both/],
    [["--standby"], /need --follow/],
    [["--sync-key-file", "k"], /needs --sync-serve or --follow/],
  ];
  for (const [flags, message] of cases) {
    const run = await runCli(["play", "song", ...flags]);
    assert.equal(run.code, 2, `${flags.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message, flags.join(" "));
  }
});

Deno.test("sync cli: a key file shorter than 16 bytes is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-sync-cli-" });
  try {
    const setlist = await writeShow(dir);
    await Deno.writeTextFile(join(dir, "key"), "short\n");
    const run = await runCli([
      "play",
      setlist,
      "--backend",
      "null",
      "--sync-serve",
      "127.0.0.1:9",
      "--sync-key-file",
      join(dir, "key"),
    ]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /at least 16/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sync cli: a backup process follows a primary process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-sync-cli-" });
  const setlist = await writeShow(dir);
  const key = join(dir, "key");
  await Deno.writeTextFile(key, KEY);
  const port = await freeUdpPort();
  const start = (flags: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "play", setlist, "--backend", "null", ...flags],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
  const follower = start(["--follow", `127.0.0.1:${port}`, "--sync-key-file", key, "--standby"]);
  const primary = start(["--sync-serve", `127.0.0.1:${port}`, "--sync-key-file", key]);
  const seen: string[] = [];
  try {
    for await (const line of readLines(follower.stdout)) {
      seen.push(line);
      // Playing because the primary plays (a follower never starts alone); how close it is, is
      // sync_jack_test.ts's to check.
      if (/playing .*sync: lock(ed|ing) \(standby\)/.test(line)) break;
      if (seen.length > 60) break;
    }
    console.log(seen.slice(-3).join("\n"));
    assert.ok(
      seen.some((line) => /Amazing Grace.*playing .*sync: lock(ed|ing) \(standby\)/.test(line)),
      `the backup's lines: ${seen.join(" | ")}`,
    );
  } finally {
    for (const child of [primary, follower]) {
      child.kill("SIGTERM");
      await child.status;
    }
    await follower.stdout.cancel().catch(() => {});
    await primary.stdout.cancel();
    await follower.stderr.cancel();
    await primary.stderr.cancel();
    await Deno.remove(dir, { recursive: true });
  }
});
