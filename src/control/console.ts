/**
 * The console: a browser page to prepare a show (the library, a song's waveforms and markers,
 * setlists, the rig), served like the web remote (src/control/remote.ts) with the same
 * hardening, sessions, Host and Origin rules and limits, but with its OWN PIN: a stage PIN
 * must not edit the rig.
 *
 * ```ts
 * const console = await serveConsole(player, { library: "songs", pin: "90125783" });
 * // open http://127.0.0.1:8090/?pin=90125783
 * await console.close();
 * ```
 *
 * Routes (everything but the PIN page needs a console session):
 * - `GET /` the console, else the PIN page; `POST /login` the PIN form;
 * - `GET /console.js`, `/tap_tempo.js`, `/zoom.js`, `/console.css`, `/vendor/*.js` the page and its pinned
 *   libraries;
 * - `GET /api/library`, `/api/song?id=`, `/api/peaks?id=&points=&start=&end=`,
 *   `/api/setlist?id=`, `/api/rig`;
 * - `POST /api/song`, `/api/setlist` `{ id, value, ifVersion }`: validated, written atomically,
 *   refused when stale (409) or when the song is the one playing (423); a song read or saved
 *   comes with `barBeats`, the seconds of its markers written in bars and beats;
 * - `POST /api/audition` `{ id, at }`: the song through the real player, from `at` seconds;
 *   `/api/loop` `{ id, section, name, at }` loops a marker's section (`section: null` leaves
 *   the loop), `/api/solo` `{ id, file, at }` solos one stem (`file: null` un-solos), both on
 *   the console's audition (console_audition.ts);
 *   `/api/stop` ends it; `/api/test-signal` `{ output }` or `{ stop: true }` (test_signal.ts);
 * - `POST /api/detect-tempo` `{ id, file }`: `detectTempo` of one stem.
 *
 * Every `id` is a path inside the library (console_library.ts).
 *
 * @module
 */

import http, { type IncomingMessage } from "node:http";
import { StemplayError } from "../errors.ts";
import type { Player } from "../player/player.ts";
import { loadSetlist } from "../songs/setlist.ts";
import { detectTempo } from "../sources/detect_tempo.ts";
import { saveSong, songVersion } from "../songs/save_song.ts";
import { insideLibrary, readLibrary } from "./console_library.ts";
import { BarBeatSeconds } from "./console_bar_beats.ts";
import { songForPage } from "./console_song_file.ts";
import { problemsOf, saveChecked, symlinkRefusal, versionOf } from "./console_save.ts";
import { loadVendorFiles } from "./console_vendor.ts";
import { HostCheck } from "./host_check.ts";
import {
  playTestSignal,
  stopTestSignal,
  TEST_SIGNAL_DBFS,
  testSignalRefusal,
} from "./test_signal.ts";
import { readCapped } from "./http_body.ts";
import { DEFAULT_HTTP_LIMITS } from "./http_limits.ts";
import {
  answer,
  escapeHtml,
  headersOf,
  json,
  listenHardened,
  type Reply,
  SECURITY_HEADERS,
} from "./hardened_http.ts";
import {
  CONSOLE_COOKIE,
  fromAnotherSite,
  randomPin,
  RemoteGate,
  sameOrigin,
  validPin,
} from "./remote_auth.ts";
import {
  checkSongStemsIn,
  finalFileInside,
  setlistFileIn,
  songManifestIn,
  tracksOutside,
} from "./console_guard.ts";
import { parsePeakPoints, peaksReply } from "./console_peaks.ts";
import {
  auditionState,
  checkAuditionRequest,
  loopSection,
  playFrom,
  soloStem,
  stopAudition,
} from "./console_audition.ts";
import {
  auditionRefusal,
  loadedFolder,
  lockedMessage,
  playingLock,
  showStopRefusal,
} from "./console_playing.ts";
import { ControlSurface } from "./surface.ts";

/** Options of `serveConsole`. */
export interface ConsoleOptions {
  /** The library folder: song folders, setlists and stemplay.json (default: the current
   * folder). */
  library?: string;
  /** TCP port (default 8090; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default "127.0.0.1"). */
  hostname?: string;
  /** The console's PIN, 6 to 12 digits (default: a random 8-digit one). Not the remote's. */
  pin?: string;
  /** More names of this machine for the Host check (as the remote's `allowHosts`). */
  allowHosts?: string[];
}

/** A running console. */
export interface ConsoleServer {
  /** The TCP port it listens on. */
  readonly port: number;
  /** The address to open (without the PIN). */
  readonly url: string;
  /** The console's PIN (the one given, or the random one made). */
  readonly pin: string;
  /** The library folder (its real path). */
  readonly library: string;
  /** Stops serving (idempotent); the player is left as it is. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Bytes an edit may have (a song.json of many stems and markers). */
const MAX_EDIT_BYTES = 1 << 20;
const MAX_LOGIN_BYTES = 256;
/** The page's styles use inline style attributes set by wavesurfer: allowed for styles only. */
const CSP = {
  "content-security-policy": SECURITY_HEADERS["content-security-policy"].replace(
    "style-src 'self'",
    "style-src 'self' 'unsafe-inline'",
  ),
};
const PAGES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/console.js": { file: "console.js", type: "text/javascript; charset=utf-8" },
  "/console.css": { file: "console.css", type: "text/css; charset=utf-8" },
  "/tap_tempo.js": { file: "tap_tempo.js", type: "text/javascript; charset=utf-8" },
  "/zoom.js": { file: "zoom.js", type: "text/javascript; charset=utf-8" },
  "/login": { file: "login.html", type: "text/html; charset=utf-8" },
};

async function loadPages(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const { file } of Object.values(PAGES)) {
    const url = new URL(`../../web/console/${file}`, import.meta.url);
    files.set(file, await (await fetch(url)).text());
  }
  files.set(
    "login.css",
    await (await fetch(new URL("../../web/login.css", import.meta.url))).text(),
  );
  return files;
}

function isFolder(path: string): Promise<boolean> {
  return Deno.stat(path).then((info) => info.isDirectory, () => false);
}

class Console implements ConsoleServer {
  readonly pin: string;
  readonly library: string;
  readonly #hostname: string;
  readonly #player: Player;
  readonly #gate: RemoteGate;
  readonly #hosts: HostCheck;
  readonly #pages: Map<string, string>;
  readonly #vendor: Map<string, string>;
  readonly #server: http.Server;
  /** The song the console auditions: its folder and the player's song group it loaded (a song
   * change the console did not make ends the audition as its own). */
  #audition?: { folder?: string; group: number };
  /** An audition is loaded and its play is on its way (dispatched after the load). */
  #starting = false;
  readonly #barBeats = new BarBeatSeconds();
  #closed?: Promise<void>;

  constructor(
    player: Player,
    library: string,
    options: ConsoleOptions,
    pin: string,
    pages: Map<string, string>,
    vendor: Map<string, string>,
  ) {
    this.#player = player;
    this.library = library;
    this.pin = pin;
    this.#hostname = options.hostname ?? "127.0.0.1";
    this.#gate = new RemoteGate(pin, { cookieName: CONSOLE_COOKIE });
    this.#hosts = new HostCheck(options.allowHosts ?? []);
    this.#pages = pages;
    this.#vendor = vendor;
    this.#server = http.createServer({ maxHeaderSize: DEFAULT_HTTP_LIMITS.maxHeaderBytes });
  }

  async listen(port: number): Promise<void> {
    await listenHardened(this.#server, {
      port,
      hostname: this.#hostname,
      limits: DEFAULT_HTTP_LIMITS,
      name: "console",
      portFlag: "--port N",
    }, {
      // The console's own CSP rides on every reply (it replaces the stricter default).
      handle: async (request) => {
        const reply = await this.#handle(request);
        return { ...reply, headers: { ...CSP, ...(reply.headers ?? {}) } };
      },
      stranger: (request) => !this.#gate.hasSession(headersOf(request)),
    });
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  get url(): string {
    const host = this.#hostname.includes(":") ? `[${this.#hostname}]` : this.#hostname;
    return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${this.port}/`;
  }

  #page(path: string): Reply {
    const { file, type } = PAGES[path];
    return answer(this.#pages.get(file)!, 200, { "content-type": type });
  }

  #loginPage(message: string, status: number): Reply {
    const page = this.#pages.get("login.html")!.replace(
      "<!--message-->",
      message ? `<p class="message" role="alert">${escapeHtml(message)}</p>` : "",
    );
    return answer(page, status, { "content-type": PAGES["/login"].type });
  }

  #login(address: string, pin: string): Reply {
    const result = this.#gate.login(address, pin.trim());
    if (result.ok) {
      return answer(null, 303, {
        location: "/",
        "set-cookie": RemoteGate.cookie(result.token, CONSOLE_COOKIE),
      });
    }
    if (result.reason === "wrong") {
      return this.#loginPage(`Wrong PIN (${result.triesLeft} tries left).`, 401);
    }
    return this.#loginPage(`Too many tries: wait ${result.retryAfterSeconds} s.`, 429);
  }

  async #handle(request: IncomingMessage): Promise<Reply> {
    const headers = headersOf(request);
    if (!this.#hosts.allows(headers.get("host"))) {
      return answer("misdirected request", 421, { connection: "close" });
    }
    const address = request.socket.remoteAddress ?? "";
    const url = new URL(request.url ?? "/", "http://console.invalid");
    const { pathname: path } = url;
    const get = request.method === "GET", post = request.method === "POST";
    const session = this.#gate.hasSession(headers);
    if (path === "/" && get) {
      const pin = url.searchParams.get("pin");
      if (pin !== null && !fromAnotherSite(headers)) return this.#login(address, pin);
      return session ? this.#page("/") : this.#loginPage("", 200);
    }
    if (path === "/login" && post) {
      if (!sameOrigin(headers)) return answer("forbidden: not from the console's page", 403);
      const body = await readCapped(request, MAX_LOGIN_BYTES);
      if (body === undefined) return answer("the login form is too long", 413);
      return this.#login(address, new URLSearchParams(body).get("pin") ?? "");
    }
    if (path === "/login.css" && get) {
      return answer(this.#pages.get("login.css")!, 200, { "content-type": "text/css" });
    }
    if (path === "/session" && get) return answer(null, session ? 204 : 401);
    if (!session) return json({ ok: false, error: "log in first" }, 401);
    if (get && PAGES[path] && path !== "/login") return this.#page(path);
    if (get && this.#vendor.has(path)) {
      return answer(this.#vendor.get(path)!, 200, {
        "content-type": "text/javascript; charset=utf-8",
      });
    }
    try {
      if (get && path.startsWith("/api/")) return await this.#read(path, url.searchParams);
      if (post && path.startsWith("/api/")) {
        if (!sameOrigin(headers)) return json({ ok: false, error: "not from the console" }, 403);
        if (!(headers.get("content-type") ?? "").startsWith("application/json")) {
          return json({ ok: false, error: "send JSON" }, 415);
        }
        const text = await readCapped(request, MAX_EDIT_BYTES);
        if (text === undefined) return json({ ok: false, error: "the edit is too long" }, 413);
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text);
        } catch {
          return json({ ok: false, error: "the request is not JSON" }, 400);
        }
        return await this.#change(path, body ?? {});
      }
    } catch (error) {
      if (error instanceof StemplayError) {
        return json({ ok: false, code: error.code, error: error.message }, 400);
      }
      throw error;
    }
    return json({ ok: false, error: "not found" }, 404);
  }

  async #read(path: string, query: URLSearchParams): Promise<Reply> {
    if (path === "/api/library") {
      return json(await readLibrary(this.library, this.#player.buses.map((bus) => bus.name)));
    }
    if (path === "/api/song") {
      const { folder, manifest: manifestPath } = await songManifestIn(
        this.library,
        query.get("id"),
      );
      const version = await songVersion(manifestPath) ?? "";
      if (!version && !(await isFolder(folder))) {
        return json({
          ok: false,
          error: `no song ${JSON.stringify(query.get("id"))} in the library`,
        }, 404);
      }
      const song = await songForPage(folder, manifestPath, version, this.#barBeats);
      if ("error" in song) return json({ ok: false, error: song.error }, song.status);
      return json({ id: query.get("id"), version, ...song, playing: this.#lockOf(folder) });
    }
    if (path === "/api/peaks") {
      const folder = await insideLibrary(this.library, query.get("id"));
      const points = parsePeakPoints(query.get("points"));
      await checkSongStemsIn(this.library, folder);
      return json(await peaksReply(folder, points, query));
    }
    if (path === "/api/setlist") {
      const file = await setlistFileIn(this.library, query.get("id"));
      const version = await versionOf(file);
      if (!version) {
        return json({
          ok: false,
          error: `no setlist ${JSON.stringify(query.get("id"))} in the library: a new one is ` +
            "made by saving it",
        }, 404);
      }
      return json({
        id: query.get("id"),
        version,
        value: JSON.parse(await Deno.readTextFile(file)),
      });
    }
    if (path === "/api/rig") {
      const player = this.#player;
      return json({
        device: player.deviceName,
        backend: player.backendName,
        outputs: player.channels,
        sampleRate: player.sampleRate,
        blockFrames: player.blockFrames,
        buses: player.buses.map((bus) => ({ name: bus.name, outputs: bus.outputs })),
        playing: player.state === "playing",
        outputPeaks: player.metering ? player.readOutputPeaks() : [],
      });
    }
    return json({ ok: false, error: "not found" }, 404);
  }

  /** Whether what plays is the test signal alone. */
  #testing(): boolean {
    const tracks = this.#player.tracks;
    return tracks.length === 1 && tracks[0].name === "test signal";
  }

  /** Whether the show plays or is paused: what the player holds is not the console's. */
  #showPlaying(): boolean {
    const player = this.#player;
    if (!(player.playingOrAsked || player.state === "paused") || this.#testing()) return false;
    return !this.#ownAudition();
  }

  /** The song's editing lock for the page (null: it may be edited). */
  #lockOf(folder: string): string | null {
    return playingLock(this.#player, folder, this.#ownAudition()) ?? null;
  }

  #ownAudition(): boolean {
    return this.#player.currentGroup === this.#audition?.group;
  }

  async #change(path: string, body: Record<string, unknown>): Promise<Reply> {
    const ifVersion = typeof body.ifVersion === "string" ? body.ifVersion : undefined;
    const saving = path === "/api/song" || path === "/api/setlist";
    if (saving && ifVersion === undefined) {
      return json({
        ok: false,
        error: 'ifVersion is required: the version the page read ("" for a new file); ' +
          "nothing was written",
      }, 428);
    }
    if (path === "/api/song") {
      const { folder, manifest: manifestPath } = await songManifestIn(this.library, body.id);
      const lock = playingLock(this.#player, folder, this.#ownAudition());
      if (lock) return json({ ok: false, playing: lock, error: lockedMessage(lock) }, 423);
      const outside = await tracksOutside(this.library, folder, body.value);
      if (outside.length) return this.#saved({ ok: false, stale: false, problems: outside });
      try {
        // "" is the draft of a folder without song.json: stale if one has appeared since.
        const { version } = await saveSong(manifestPath, body.value, {
          ifVersion,
          outputs: this.#player.channels,
          noFollow: true,
        });
        return json({
          ok: true,
          version,
          barBeats: this.#barBeats.of(manifestPath, version, body.value),
        });
      } catch (error) {
        if (!(error instanceof StemplayError)) throw error;
        if (error.code === "STALE") {
          return this.#saved({ ok: false, stale: true, version: "" });
        }
        if (error.code === "INVALID_ARGUMENT") throw symlinkRefusal(`${body.id}/song.json`);
        return this.#saved({ ok: false, stale: false, problems: problemsOf(error) });
      }
    }
    if (path === "/api/setlist") {
      const file = await setlistFileIn(this.library, body.id);
      const outcome = await saveChecked(
        file,
        body.value,
        ifVersion,
        (candidate) => loadSetlist(candidate),
      ).catch((error) => {
        const link = error instanceof StemplayError && error.code === "INVALID_ARGUMENT";
        throw link ? symlinkRefusal(String(body.id)) : error;
      });
      return this.#saved(outcome);
    }
    if (path === "/api/detect-tempo") {
      await insideLibrary(this.library, body.id);
      const file = await insideLibrary(this.library, `${body.id}/${body.file}`);
      await finalFileInside(this.library, file, `${body.id}/${body.file}`);
      return json({ ok: true, ...(await detectTempo(file)) });
    }
    if (path === "/api/audition") {
      const folder = await insideLibrary(this.library, body.id);
      return await this.#startAudition(folder, body.at) ?? json({ ok: true });
    }
    if (path === "/api/loop" || path === "/api/solo") {
      // On the console's audition of this song; started (from `at`) when none plays.
      const folder = await insideLibrary(this.library, body.id);
      const own = this.#audition?.folder === folder && this.#ownAudition() && !this.#showPlaying();
      // Checked against the song on disk first: a refusal must not have started anything.
      if (!own) await checkAuditionRequest(folder, path, body);
      const refused = own ? undefined : await this.#startAudition(folder, body.at);
      if (refused) return refused;
      if (path === "/api/loop") await loopSection(this.#player, body.section ?? null, body.name);
      else await soloStem(this.#player, folder, body.file ?? null);
      return json({ ok: true, ...auditionState(this.#player, folder) });
    }
    if (path === "/api/stop" || (path === "/api/test-signal" && body.stop === true)) {
      const own = (path === "/api/stop" && this.#ownAudition()) || this.#testing();
      const refusal = showStopRefusal(this.#player, own);
      if (refusal) return json({ ok: false, error: refusal }, 423);
      if (this.#ownAudition()) await stopAudition(this.#player);
      this.#audition = undefined;
      await stopTestSignal(this.#player); // also ends an audition: stopped and unloaded
      return json({ ok: true });
    }
    if (path === "/api/test-signal") {
      const refusal = testSignalRefusal(this.#player);
      if (refusal) return json({ ok: false, error: refusal }, 423);
      playTestSignal(this.#player, body.output);
      return json({ ok: true, dbfs: TEST_SIGNAL_DBFS });
    }
    return json({ ok: false, error: "not found" }, 404);
  }

  /** Loads `folder` and plays it from `at` seconds as the console's audition; the refusal
   * (423) while anything plays, the show or another audition. */
  async #startAudition(folder: string, at: unknown): Promise<Reply | undefined> {
    // The check and the load are one action in the queue: a play pressed on another surface
    // meanwhile waits for the audition instead of starting the show the load would replace.
    const refused = await ControlSurface.for(this.#player).exclusive(async () => {
      const refusal = auditionRefusal(this.#player, this.#starting, this.#showPlaying());
      if (refusal) return json({ ok: false, error: refusal }, 423);
      await checkSongStemsIn(this.library, folder);
      await this.#player.loadSong(folder);
      this.#audition = { folder: loadedFolder(this.#player), group: this.#player.currentGroup };
      this.#starting = true; // loaded, not yet playing: a second browser must not replace it
    });
    if (refused) return refused;
    try {
      await playFrom(this.#player, at); // the page's times are the recording's
    } finally {
      this.#starting = false;
    }
    return undefined;
  }

  #saved(outcome: Awaited<ReturnType<typeof saveChecked>>): Reply {
    if (outcome.ok) return json(outcome);
    if (outcome.stale) {
      return json({
        ok: false,
        stale: true,
        version: outcome.version,
        error: "the file changed since this page read it (another browser, or an edit by " +
          "hand): nothing was written, and the page reloads it",
      }, 409);
    }
    return json(
      { ok: false, problems: outcome.problems, error: outcome.problems[0]?.message },
      422,
    );
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Serves the console for `player` on loopback (unless `hostname` says otherwise), with its own
 * PIN.
 *
 * @param player the player auditions go to (not closed by `close()`)
 * @returns the running console; `close()` it when done
 * @throws {StemplayError} "INVALID_ARGUMENT" for a bad PIN, port or library folder;
 *   "REMOTE_LISTEN" when the port cannot be opened; npm's codes when the page's pinned
 *   libraries cannot be fetched the first time
 */
export async function serveConsole(
  player: Player,
  options: ConsoleOptions = {},
): Promise<ConsoleServer> {
  const port = options.port ?? 8090;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StemplayError("INVALID_ARGUMENT", `console port must be 0 to 65535, got ${port}`);
  }
  const pin = options.pin ?? randomPin(8);
  if (!validPin(pin)) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the console's PIN must be 6 to 12 digits, got ${JSON.stringify(pin)}`,
    );
  }
  let library: string;
  try {
    library = await Deno.realPath(options.library ?? ".");
    if (!(await Deno.stat(library)).isDirectory) throw new Error("not a folder");
  } catch (error) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `the console's library ${options.library ?? "."} is not a folder: ${error}`,
    );
  }
  const server = new Console(
    player,
    library,
    options,
    pin,
    await loadPages(),
    await loadVendorFiles(),
  );
  await server.listen(port);
  player.metering = true; // the rig page's output meters
  return server;
}
