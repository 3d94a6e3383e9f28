import assert from "node:assert/strict";
import {
  buildLibrary,
  cacheDir,
  ensureMiniaudioHeader,
  libraryFileName,
  listLocalSources,
  localBuildDir,
  miniaudioVersionOf,
  NATIVE_SOURCES,
  readNativeFiles,
  readPin,
  sha256Hex,
  verifySha256,
} from "../ffi/build.ts";
import { openLibrary, openLibraryFile } from "../ffi/library.ts";
import { ABI_VERSION, symbols } from "../ffi/symbols.ts";
import { StemplayError } from "../src/errors.ts";
import { loadNative } from "../src/native/native.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { ENGINE_CONFIG_LAYOUT, EngineConfig } from "../src/native/engine_config.ts";

const nativeDir = new URL("../native/", import.meta.url);

/** `SP_API <type> name(params);` from the header, with the number of parameters of each. */
function headerFunctions(text: string): Map<string, number> {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const functions = new Map<string, number>();
  const pattern = /\bSP_API\s+[^;(]*?\b(sp_\w+)\s*\(([^)]*)\)\s*;/g;
  for (const match of withoutComments.matchAll(pattern)) {
    const params = match[2].trim();
    const count = params === "" || params === "void" ? 0 : params.split(",").length;
    functions.set(match[1], count);
  }
  return functions;
}

Deno.test("symbols: every SP_API function of stemplay.h has an entry with as many parameters", async () => {
  const header = await Deno.readTextFile(new URL("stemplay.h", nativeDir));
  const declared = headerFunctions(header);
  assert.ok(declared.size >= 40, `only ${declared.size} SP_API functions parsed`);
  for (const [name, count] of declared) {
    const entry = (symbols as Record<string, Deno.ForeignFunction>)[name];
    assert.ok(entry, `${name} is declared in stemplay.h but missing from ffi/symbols.ts`);
    assert.equal(entry.parameters.length, count, `${name}: parameter count`);
  }
  for (const name of Object.keys(symbols)) {
    assert.ok(declared.has(name), `${name} is in ffi/symbols.ts but not declared in stemplay.h`);
  }
});

Deno.test("symbols: blocking functions run on a worker thread", () => {
  assert.equal(symbols.sp_decode_job_run.nonblocking, true);
  assert.equal(symbols.sp_engine_destroy.nonblocking, true);
  // Device enumeration waits up to the device deadline (3 s) on a hung backend.
  assert.equal(symbols.sp_devices_list.nonblocking, true);
  const header = Deno.readTextFileSync(new URL("../native/stemplay.h", import.meta.url));
  assert.equal(ABI_VERSION, Number(/#define SP_ABI_VERSION (\d+)u/.exec(header)?.[1]));
});

Deno.test("build: NATIVE_SOURCES equals the shim's files on disk", async () => {
  const onDisk = await listLocalSources(decodeURIComponent(nativeDir.pathname));
  assert.deepEqual([...NATIVE_SOURCES].sort(), onDisk);
});

Deno.test("build: sources are read through a base URL", async () => {
  const files = await readNativeFiles(nativeDir, ["stemplay.h", "miniaudio/pin.json"]);
  const pin = JSON.parse(new TextDecoder().decode(files.get("miniaudio/pin.json")!));
  assert.equal(pin.version, "0.11.25");
  assert.match(new TextDecoder().decode(files.get("stemplay.h")!), /SP_ABI_VERSION/);
});

Deno.test("build: a hash mismatch is a hard error naming both hashes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-test-" });
  try {
    const path = `${dir}/miniaudio.h`;
    await Deno.writeTextFile(path, "not miniaudio\n");
    const actual = await sha256Hex("not miniaudio\n");
    const expected = "ac7af4de748b7e26b777f37e01cee313a308a7296a3eb080e2906b320cc55c89";
    await assert.rejects(verifySha256(path, expected), (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "HASH_MISMATCH");
      assert.ok(error.message.includes(expected), error.message);
      assert.ok(error.message.includes(actual), error.message);
      return true;
    });
    assert.equal(await verifySha256(path, actual), actual);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build: helpers", () => {
  assert.equal(libraryFileName("default", "linux"), "libstemplay.so");
  assert.equal(libraryFileName("test", "linux"), "libstemplay-test.so");
  assert.equal(libraryFileName("nomonitor", "darwin"), "libstemplay-nomonitor.dylib");
  assert.equal(libraryFileName("default", "windows"), "stemplay.dll");
  assert.equal(
    miniaudioVersionOf(
      "#define MA_VERSION_MAJOR 0\n#define MA_VERSION_MINOR 11\n#define MA_VERSION_REVISION 25\n",
    ),
    "0.11.25",
  );
  assert.equal(typeof cacheDir(), "string");
});

Deno.test("build: a compile error is COMPILE_FAILED with the compiler's output", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-test-" });
  try {
    await Deno.mkdir(`${dir}/native/miniaudio`, { recursive: true });
    const pins = ["miniaudio/pin.json", "miniaudio/stb_vorbis.pin.json"];
    for (const name of ["miniaudio/miniaudio.c", ...pins, "stemplay.h"]) {
      await Deno.copyFile(new URL(name, nativeDir), `${dir}/native/${name}`);
    }
    await Deno.writeTextFile(`${dir}/native/broken.c`, "int broken(void) { return nope; }\n");
    await assert.rejects(
      buildLibrary({
        sourceBase: new URL(`file://${dir}/native/`),
        outDir: `${dir}/out`,
        quiet: true,
        stbVorbis: "off",
        // The shim compiles before miniaudio's object, so this fails in a second.
        miniaudioHeader: (await ensureMiniaudioHeader(localBuildDir(), await readPin())).path,
      }),
      (error: unknown) => {
        assert.ok(error instanceof StemplayError);
        assert.equal(error.code, "COMPILE_FAILED");
        assert.match(error.message, /nope/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("library: openLibrary() builds, loads and checks the ABI version", async () => {
  const library = await openLibrary();
  assert.equal(library.symbols.sp_abi_version(), ABI_VERSION);
  assert.equal(await openLibrary(), library, "memoized");
  const version = library.symbols.sp_miniaudio_version();
  assert.ok(version);
  assert.equal(new Deno.UnsafePointerView(version).getCString(), "0.11.25");
});

{
  const name =
    "library: every variant is bound at load (BIND_NOW), never lazily on the audio thread, and never unmapped (NODELETE)";
  Deno.test({
    name,
    ignore: Deno.build.os !== "linux" || ignoreWithout("readelf", name),
    async fn() {
      requireTool("readelf", name);
      // Lazy binding resolves sinf/cosf through the dynamic linker (a lock) at the first
      // crossfade or fade, on the audio thread.
      for (const variant of ["default", "test", "nomonitor"] as const) {
        const { path } = await buildLibrary({ variant, quiet: true });
        const output = await new Deno.Command("readelf", { args: ["-d", path], stdout: "piped" })
          .output();
        const dynamic = new TextDecoder().decode(output.stdout);
        assert.match(dynamic, /\(BIND_NOW\)|\(FLAGS\)\s+BIND_NOW/, `${path}:\n${dynamic}`);
        assert.match(dynamic, /\(FLAGS_1\)\s+Flags:.*\bNOW\b/, `${path}:\n${dynamic}`);
        // A device thread the backend never lets go of (a PulseAudio teardown past its
        // deadline) still runs the library's code when the process unloads it at exit.
        assert.match(dynamic, /\(FLAGS_1\)\s+Flags:.*\bNODELETE\b/, `${path}:\n${dynamic}`);
      }
    },
  });
}

Deno.test("library: the test variant loads", async () => {
  const library = await openLibrary("test");
  assert.equal(library.symbols.sp_abi_version(), ABI_VERSION);
  assert.match(library.path, /libstemplay-test\./);
});

Deno.test("build: from an http URL, the sources are fetched and built in their own folder", async () => {
  // Serve native/ over http, as a deployed mod.ts would be.
  const root = decodeURIComponent(nativeDir.pathname);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.includes("..")) return new Response("no", { status: 403 });
    try {
      return new Response(await Deno.readFile(`${root}${path.replace(/^\/native\//, "")}`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const base = new URL(`http://127.0.0.1:${server.addr.port}/native/`);
  let built: string | undefined;
  try {
    // outDir native/build/ reuses its verified header and miniaudio object; the library goes
    // into a folder named by its key under it.
    const result = await buildLibrary({ sourceBase: base, outDir: localBuildDir(), quiet: true });
    built = result.path;
    assert.ok(result.built);
    assert.ok(result.path.includes(result.key.slice(0, 16)));
    const library = Deno.dlopen(result.path, { sp_abi_version: symbols.sp_abi_version });
    try {
      assert.equal(library.symbols.sp_abi_version(), ABI_VERSION);
    } finally {
      library.close();
    }
    const again = await buildLibrary({ sourceBase: base, outDir: localBuildDir(), quiet: true });
    assert.equal(again.built, false);
    assert.equal(again.path, result.path);
  } finally {
    await server.shutdown();
    if (built) await Deno.remove(built.replace(/[\\/][^\\/]+$/, ""), { recursive: true });
  }
});

Deno.test("library: a library of another ABI version is ABI_MISMATCH naming both and the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-test-" });
  try {
    await Deno.writeTextFile(
      `${dir}/other.c`,
      `unsigned sp_abi_version(void) { return ${ABI_VERSION + 1}; }\n`,
    );
    const path = `${dir}/${libraryFileName("default").replace("stemplay", "other")}`;
    const result = await new Deno.Command("cc", {
      args: ["-shared", "-fPIC", "-o", path, `${dir}/other.c`],
    }).output();
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    assert.throws(() => openLibraryFile(path), (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "ABI_MISMATCH");
      assert.ok(
        error.message.includes(`ABI version ${ABI_VERSION + 1}, this code expects ${ABI_VERSION}`),
        error.message,
      );
      assert.ok(error.message.includes(path));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build: a missing compiler is COMPILER_MISSING", async () => {
  await assert.rejects(
    buildLibrary({ compiler: "stemplay-no-such-cc", quiet: true, outDir: localBuildDir() }),
    (error: unknown) => {
      assert.ok(error instanceof StemplayError);
      assert.equal(error.code, "COMPILER_MISSING");
      assert.match(error.message, /gcc or clang/);
      assert.match(error.message, /STEMPLAY_LIB/);
      assert.ok(error.cause instanceof Deno.errors.NotFound);
      return true;
    },
  );
});

Deno.test("sp_engine_config: the layout JS writes matches C's (size and every offset)", async () => {
  const native = await loadNative();
  const layout = new Uint32Array(11);
  assert.equal(native.sp_engine_config_layout(layout, layout.length), 0);
  const at = ENGINE_CONFIG_LAYOUT;
  assert.deepEqual([...layout], [
    at.size,
    at.backend,
    at.deviceName,
    at.deviceIndex,
    at.sampleRate,
    at.channels,
    at.blockFrames,
    at.trackCapacity,
    at.timeoutMs,
    at.foundSampleRate,
    at.foundChannels,
  ]);
  // The defaults C returns by value land where JS reads them.
  const defaults = new DataView((native.sp_engine_config_init() as Uint8Array).slice().buffer);
  assert.equal(defaults.getInt32(at.deviceIndex, true), -1);
  assert.equal(defaults.getUint32(at.blockFrames, true), 2048);
  assert.equal(defaults.getUint32(at.trackCapacity, true), 128);
  assert.equal(defaults.getUint32(at.timeoutMs, true), 3000);
  // A config written by JS opens what it says.
  const config = new EngineConfig(native, {
    backend: "offline",
    sampleRate: 44100,
    channels: 6,
    blockFrames: 100,
    trackCapacity: 3,
  });
  const cell = new BigUint64Array(1);
  assert.equal(await native.sp_engine_init(config.bytes, cell), 0);
  const engine = Deno.UnsafePointer.create(cell[0]);
  const info = new Uint32Array(6);
  native.sp_engine_info(engine, info);
  assert.deepEqual([...info.subarray(0, 5)], [44100, 6, 100, 3, 1]);
  await native.sp_engine_destroy(engine);
});
