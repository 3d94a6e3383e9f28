/**
 * Import by URL: a copy of this repository is served on 127.0.0.1 and a separate `deno run`
 * imports `http://127.0.0.1:PORT/mod.ts` from a script in a temporary folder, exactly as a user
 * of the library would. The native library is then fetched and built into STEMPLAY_CACHE.
 *
 * miniaudio's implementation unit (~20 s) is compiled once in this file, by the first test (two
 * processes at once on an empty cache); later tests copy its header and object into their own
 * caches.
 */

import assert from "node:assert/strict";
import { readPin, sha256Hex } from "../ffi/build.ts";
import { serveFolder, type StaticServer } from "./support/static_server.ts";

const repo = new URL("../", import.meta.url);

/** What the play script printed: a result, or the StemplayError it caught. */
interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  result?: { position: number; state: string };
  error?: { name: string; code: string; message: string };
}

/** The script a user would write: open the null device, add a track, play 1 s. */
function playScript(modUrl: string): string {
  return `import { Player } from "${modUrl}";
try {
  const player = await Player.open({ backend: "null" });
  const tone = new Float32Array(player.sampleRate * 3).map((_, i) => 0.1 * Math.sin(i / 8));
  player.addTrack([tone, tone]);
  player.play();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const result = { position: player.position, state: player.state };
  await player.close();
  console.log(JSON.stringify({ result }));
} catch (caught) {
  const { name, code, message } = caught as { name: string; code: string; message: string };
  console.log(JSON.stringify({ error: { name, code, message } }));
  Deno.exit(3);
}
`;
}

/** A folder, removed at the end of the file. */
const tempDirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `stemplay-url-${prefix}-` });
  tempDirs.push(dir);
  return dir;
}

/** Copies the files a deployed stemplay consists of (no build output, no tests). */
async function copyRepository(to: string): Promise<void> {
  const skip = new Set(["native/build", "native/tests", "tests", "bench", ".git"]);
  const copy = async (relative: string) => {
    for await (const entry of Deno.readDir(new URL(relative || ".", repo))) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (skip.has(path)) continue;
      if (entry.isDirectory) {
        await Deno.mkdir(`${to}/${path}`, { recursive: true });
        await copy(path);
      } else if (entry.isFile) {
        await Deno.copyFile(new URL(path, repo), `${to}/${path}`);
      }
    }
  };
  await copy("");
}

/** A program's absolute path, from PATH (so no machine's path is written here). */
function which(program: string): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${program}`).isFile) return `${dir}/${program}`;
    } catch { /* not there */ }
  }
  throw new Error(`${program} is not on PATH`);
}

/** These tests share a server and a warm cache across tests, so the sanitizers are off. */
function urlTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}

let snapshot: { root: string; server: StaticServer; denoDir: string } | undefined;

/** The repository copied once into a temporary folder and served (later edits by others to
 * the working tree do not change it mid-test). */
async function served(): Promise<{ root: string; server: StaticServer; denoDir: string }> {
  if (!snapshot) {
    const root = await tempDir("tree");
    await copyRepository(root);
    snapshot = { root, server: serveFolder(root), denoDir: await tempDir("deno-dir") };
  }
  return snapshot;
}

/** The permissions docs/use_from_your_project.md lists for the URL case. */
function urlFlags(server: StaticServer): string[] {
  const host = server.url.host;
  return [
    `--allow-import=${host}`,
    `--allow-net=${host}`,
    "--allow-ffi",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "--allow-env",
  ];
}

/** How this machine reaches the npm registry (mod.ts imports the OSC codec from npm): its
 * certificate store and proxy, passed on when set, as a user's own shell would have them. */
function networkTrust(): Record<string, string> {
  const names = [
    "DENO_CERT",
    "DENO_TLS_CA_STORE",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NPM_CONFIG_REGISTRY",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
  ];
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

/** Runs the play script in a fresh folder with `deno run <flags>`, and a clean environment. */
async function runPlay(options: {
  modUrl: string;
  flags: string[];
  env: Record<string, string>;
  /** Another script than {@link playScript}. */
  script?: string;
}): Promise<Outcome> {
  const { denoDir } = await served();
  const dir = await tempDir("project");
  await Deno.writeTextFile(`${dir}/play.ts`, options.script ?? playScript(options.modUrl));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...options.flags, "play.ts"],
    cwd: dir,
    clearEnv: true,
    env: {
      HOME: Deno.env.get("HOME") ?? dir,
      PATH: Deno.env.get("PATH") ?? "",
      DENO_DIR: denoDir,
      NO_COLOR: "1",
      ...networkTrust(),
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  const last = stdout.trim().split("\n").pop() ?? "";
  let parsed: Pick<Outcome, "result" | "error"> = {};
  try {
    parsed = JSON.parse(last);
  } catch { /* the script did not get to print: stderr says why */ }
  return { code: output.code, stdout, stderr, ...parsed };
}

function describe(outcome: Outcome): string {
  return `exit ${outcome.code}\nstdout:\n${outcome.stdout}\nstderr:\n${outcome.stderr}`;
}

function assertPlayed(outcome: Outcome): void {
  assert.equal(outcome.code, 0, describe(outcome));
  assert.ok(outcome.result, describe(outcome));
  assert.equal(outcome.result.state, "playing", describe(outcome));
  assert.ok(outcome.result.position > 0, `the position did not advance: ${describe(outcome)}`);
}

function assertError(outcome: Outcome, code: string): { code: string; message: string } {
  assert.equal(outcome.code, 3, describe(outcome));
  assert.ok(outcome.error, describe(outcome));
  assert.equal(outcome.error.name, "StemplayError", describe(outcome));
  assert.equal(outcome.error.code, code, describe(outcome));
  return outcome.error;
}

/** Every file under `dir`, relative, sorted. */
async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) names.push(...await listTree(dir, path));
    else names.push(path);
  }
  return names.sort();
}

/** Identity of a file: a rebuild makes a new inode (built under a temp name, renamed). */
async function identity(path: string): Promise<string> {
  const info = await Deno.stat(path);
  return `${info.ino}:${info.mtime?.getTime()}:${info.size}`;
}

/** A cache filled by the first test: miniaudio.h and its compiled object. */
let warm: string | undefined;

/** A new cache folder holding copies of the warm cache's header and miniaudio object. */
async function seededCache(options: { header?: boolean; object?: boolean } = {}): Promise<string> {
  if (!warm) {
    // Only when the first test was filtered out: fill a cache once.
    const { server } = await served();
    warm = await tempDir("warm");
    assertPlayed(
      await runPlay({
        modUrl: new URL("mod.ts", server.url).href,
        flags: urlFlags(server),
        env: { STEMPLAY_CACHE: warm },
      }),
    );
  }
  const cache = await tempDir("cache");
  for (const name of await listTree(warm)) {
    const isHeader = name === "miniaudio.h";
    const isObject = /^miniaudio-[0-9a-f]+\.o$/.test(name);
    // The verified stb_vorbis.c is part of a warm cache too (else npm fetches it again).
    const isVorbis = name === "stb_vorbis.c";
    if (
      (isHeader && options.header !== false) || (isObject && options.object !== false) || isVorbis
    ) {
      await Deno.copyFile(`${warm}/${name}`, `${cache}/${name}`);
    }
  }
  return cache;
}

urlTest(
  "url import: two first imports at once on an empty cache both build and play; a third run reuses the cache",
  async () => {
    const { server } = await served();
    const modUrl = new URL("mod.ts", server.url).href;
    const cache = await tempDir("cache");
    const pin = await readPin();

    // No MINIAUDIO_H: both fetch miniaudio.h with npm, compile miniaudio and the shim, at once.
    const [first, second] = await Promise.all([
      runPlay({ modUrl, flags: urlFlags(server), env: { STEMPLAY_CACHE: cache } }),
      runPlay({ modUrl, flags: urlFlags(server), env: { STEMPLAY_CACHE: cache } }),
    ]);
    assertPlayed(first);
    assertPlayed(second);
    for (const outcome of [first, second]) {
      assert.match(outcome.stderr, /fetching miniaudio 0\.11\.25 with npm pack/, describe(outcome));
    }
    assert.match(first.stderr + second.stderr, /compiling miniaudio/);
    assert.match(first.stderr + second.stderr, /stemplay: built libstemplay/);

    // One consistent cache: the header, one object, one build folder, no temporary leftovers.
    const files = await listTree(cache);
    assert.ok(!files.some((name) => name.includes(".tmp-")), files.join("\n"));
    assert.ok(!files.some((name) => /(^|\/)obj-/.test(name)), files.join("\n"));
    assert.equal(files.filter((name) => /^miniaudio-[0-9a-f]{16}\.o$/.test(name)).length, 1);
    const libraries = files.filter((name) => /^[0-9a-f]{16}\/libstemplay\.so$/.test(name));
    assert.equal(libraries.length, 1, files.join("\n"));
    assert.ok(files.includes(`${libraries[0]}.key`));
    assert.equal(await sha256Hex(await Deno.readFile(`${cache}/miniaudio.h`)), pin.sha256);

    const watched = files.filter((name) =>
      name.endsWith(".so") || name.endsWith(".o") ||
      name === "miniaudio.h" || name.endsWith(".key")
    );
    const before = await Promise.all(watched.map((name) => identity(`${cache}/${name}`)));

    // Third run, with remote type checking on: nothing is fetched again or rebuilt.
    const third = await runPlay({
      modUrl,
      flags: ["--check=all", ...urlFlags(server)],
      env: { STEMPLAY_CACHE: cache },
    });
    assertPlayed(third);
    assert.doesNotMatch(third.stderr, /fetching|compiling|built|error/i, describe(third));
    const after = await Promise.all(watched.map((name) => identity(`${cache}/${name}`)));
    assert.deepEqual(after, before, "a cached file was rewritten");
    assert.deepEqual(await listTree(cache), files);
    warm = cache;
  },
);

urlTest(
  "url import: `deno run --check` (local) and `--check=all` (remote too) type-check",
  async () => {
    const { server } = await served();
    const cache = await seededCache();
    for (const check of ["--check", "--check=all"]) {
      const outcome = await runPlay({
        modUrl: new URL("mod.ts", server.url).href,
        flags: [check, ...urlFlags(server)],
        env: { STEMPLAY_CACHE: cache },
      });
      assertPlayed(outcome);
    }
  },
);

urlTest("url import: MINIAUDIO_H is used instead of npm", async () => {
  const { server } = await served();
  const cache = await seededCache({ header: false });
  assert.ok(warm);
  const outcome = await runPlay({
    modUrl: new URL("mod.ts", server.url).href,
    flags: urlFlags(server),
    env: { STEMPLAY_CACHE: cache, MINIAUDIO_H: `${warm}/miniaudio.h` },
  });
  assertPlayed(outcome);
  assert.doesNotMatch(outcome.stderr, /npm|warning/, describe(outcome));
  assert.ok(!(await listTree(cache)).includes("miniaudio.h"), "MINIAUDIO_H was copied");
});

urlTest("url import: no C compiler is COMPILER_MISSING naming the compiler and CC", async () => {
  const { server } = await served();
  const modUrl = new URL("mod.ts", server.url).href;
  const emptyBin = await tempDir("bin");

  // CC names a missing program: it is used, not silently replaced by cc.
  const named = assertError(
    await runPlay({
      modUrl,
      flags: urlFlags(server),
      env: { STEMPLAY_CACHE: await tempDir("cache"), CC: `${emptyBin}/stemplay-no-cc` },
    }),
    "COMPILER_MISSING",
  );
  assert.ok(named.message.includes(`${emptyBin}/stemplay-no-cc`), named.message);
  assert.match(named.message, /set CC/);
  assert.match(named.message, /STEMPLAY_LIB/);

  // No CC and no cc on PATH.
  const none = assertError(
    await runPlay({
      modUrl,
      flags: urlFlags(server),
      env: { STEMPLAY_CACHE: await tempDir("cache"), PATH: emptyBin },
    }),
    "COMPILER_MISSING",
  );
  assert.match(none.message, /the C compiler "cc" was not found/);
  assert.match(none.message, /Install gcc or clang/);
});

urlTest("url import: no npm and no MINIAUDIO_H is NPM_MISSING", async () => {
  const { server } = await served();
  const error = assertError(
    await runPlay({
      modUrl: new URL("mod.ts", server.url).href,
      flags: urlFlags(server),
      // The compiler by its full path, and a PATH with nothing on it.
      env: { STEMPLAY_CACHE: await tempDir("cache"), CC: which("cc"), PATH: await tempDir("bin") },
    }),
    "NPM_MISSING",
  );
  assert.match(error.message, /npm was not found/);
  assert.match(error.message, /set MINIAUDIO_H/);
  assert.match(error.message, /llama\.rn@0\.12\.9/);
});

urlTest("url import: a corrupted cached miniaudio.h is fetched again and verified", async () => {
  const { server } = await served();
  const pin = await readPin();
  const cache = await seededCache({ header: false });
  await Deno.writeTextFile(`${cache}/miniaudio.h`, "/* damaged */\n");
  const outcome = await runPlay({
    modUrl: new URL("mod.ts", server.url).href,
    flags: urlFlags(server),
    env: { STEMPLAY_CACHE: cache },
  });
  assertPlayed(outcome);
  assert.match(outcome.stderr, /does not match the pin; fetching it again/, describe(outcome));
  assert.equal(await sha256Hex(await Deno.readFile(`${cache}/miniaudio.h`)), pin.sha256);
});

urlTest(
  "url import: a fetched miniaudio.h with another hash is HASH_MISMATCH naming both",
  async () => {
    const { server } = await served();
    const pin = await readPin();
    const cache = await tempDir("cache");
    await Deno.writeTextFile(`${cache}/miniaudio.h`, "/* damaged */\n");
    // npm here cannot serve a tampered package, so a stand-in `npm` on PATH does: it packs a
    // wrong miniaudio.h at the pinned path, as a compromised registry or mirror would.
    const bin = await tempDir("bin");
    const tampered = "/* not miniaudio */\n";
    const folder = pin.pathInPackage.replace(/\/[^/]+$/, "");
    await Deno.writeTextFile(
      `${bin}/npm`,
      `#!/bin/sh\nmkdir -p ${folder}\nprintf '%s\\n' '${tampered.trim()}' > ${pin.pathInPackage}\n` +
        `tar -czf tampered-1.0.0.tgz package\necho tampered-1.0.0.tgz\n`,
    );
    await Deno.chmod(`${bin}/npm`, 0o755);
    const error = assertError(
      await runPlay({
        modUrl: new URL("mod.ts", server.url).href,
        flags: urlFlags(server),
        env: { STEMPLAY_CACHE: cache, PATH: `${bin}:${Deno.env.get("PATH")}` },
      }),
      "HASH_MISMATCH",
    );
    assert.ok(error.message.includes(pin.sha256), error.message);
    assert.ok(error.message.includes(await sha256Hex(tampered)), error.message);
    assert.match(error.message, /npm pack llama\.rn@0\.12\.9/);
    // Nothing unverified was cached.
    assert.equal(await Deno.readTextFile(`${cache}/miniaudio.h`), "/* damaged */\n");
  },
);

urlTest(
  "url import: a failed compile is COMPILE_FAILED with the compiler's last lines",
  async () => {
    const { root } = await served();
    const broken = await tempDir("broken");
    await copyRepository(broken);
    const mix = await Deno.readTextFile(`${root}/native/rt/mix.c`);
    await Deno.writeTextFile(
      `${broken}/native/rt/mix.c`,
      `${mix}\nint sp_broken_on_purpose(void) { return undeclared_on_purpose; }\n`,
    );
    const server = serveFolder(broken);
    try {
      const cache = await seededCache({ header: false });
      assert.ok(warm);
      const error = assertError(
        await runPlay({
          modUrl: new URL("mod.ts", server.url).href,
          flags: urlFlags(server),
          env: { STEMPLAY_CACHE: cache, MINIAUDIO_H: `${warm}/miniaudio.h` },
        }),
        "COMPILE_FAILED",
      );
      assert.match(error.message, /compiling mix\.c failed/);
      assert.match(error.message, /mix\.c:\d+:\d+: error: .*undeclared_on_purpose/);
      assert.match(error.message, /STEMPLAY_LIB/);
    } finally {
      await server.close();
    }
  },
);

urlTest("url import: each missing permission names its --allow-* flag", async () => {
  const { server } = await served();
  const cache = await seededCache();
  const flags = urlFlags(server);
  const expected: Record<string, RegExp> = {
    "--allow-ffi": /needs --allow-ffi to load its native library/,
    "--allow-run": /needs --allow-run to run cc/,
    "--allow-write": /needs --allow-write to create /,
    "--allow-env": /needs --allow-env to read the cache folder's environment variables/,
    "--allow-net": /needs --allow-net to fetch http:\/\/127\.0\.0\.1:\d+\/native\//,
    "--allow-read": /needs --allow-read to read /,
  };
  for (const [flag, message] of Object.entries(expected)) {
    const outcome = await runPlay({
      modUrl: new URL("mod.ts", server.url).href,
      flags: flags.filter((one) => !one.startsWith(flag)),
      env: { STEMPLAY_CACHE: cache },
    });
    const error = assertError(outcome, "PERMISSION");
    assert.match(error.message, message, `without ${flag}: ${error.message}`);
  }
  // With all of them, that cache plays.
  assertPlayed(
    await runPlay({
      modUrl: new URL("mod.ts", server.url).href,
      flags,
      env: { STEMPLAY_CACHE: cache },
    }),
  );
});

urlTest(
  "url import: with STEMPLAY_LIB, --allow-import, --allow-env and --allow-ffi are enough",
  async () => {
    const { server } = await served();
    await seededCache();
    assert.ok(warm);
    const library = (await listTree(warm)).find((name) => name.endsWith("/libstemplay.so"));
    assert.ok(library);
    const outcome = await runPlay({
      modUrl: new URL("mod.ts", server.url).href,
      flags: [`--allow-import=${server.url.host}`, "--allow-env", "--allow-ffi"],
      env: { STEMPLAY_LIB: `${warm}/${library}`, STEMPLAY_CACHE: await tempDir("unused") },
    });
    assertPlayed(outcome);
    assert.equal(outcome.stderr.includes("stemplay:"), false, describe(outcome));
  },
);

urlTest("url import: the recipe in docs/use_from_your_project.md works as written", async () => {
  const { server } = await served();
  const doc = await Deno.readTextFile(new URL("docs/use_from_your_project.md", repo));
  const indented = (text: string) => text.replace(/^ {3}/gm, "");
  const script = doc.match(/Save this as `play\.ts` in it:\n\n {3}```ts\n([\s\S]*?) {3}```/)?.[1];
  const command = doc.match(/Run it:\n\n {3}```sh\n {3}(deno run .*)\n/)?.[1];
  assert.ok(script && command, "the recipe's play.ts or command was not found");
  // The doc's server is on port 8000; this test's is on another.
  const here = (text: string) => text.replaceAll("127.0.0.1:8000", server.url.host);
  const args = here(command).split(" ");
  assert.deepEqual(args.slice(0, 2), ["deno", "run"]);
  assert.equal(args.at(-1), "play.ts");
  const outcome = await runPlay({
    modUrl: "",
    script: here(indented(script)),
    flags: args.slice(2, -1),
    env: { STEMPLAY_CACHE: await seededCache() },
  });
  assert.equal(outcome.code, 0, describe(outcome));
  assert.equal(outcome.stdout, "played 2.0 s on Null\n", describe(outcome));
});

urlTest("url import: clean up", async () => {
  await snapshot?.server.close();
  for (const dir of tempDirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
});
