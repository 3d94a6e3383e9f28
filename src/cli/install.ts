/**
 * `deno task install`: puts a `stemplay` command on this machine that works when Deno itself
 * came through npx (as the README runs it). `deno install` writes a shim that calls `deno`,
 * which is not on PATH then (`exec: deno: not found`); this one calls the pinned Deno through
 * npx instead. No FFI here: installing must not build or load the native library.
 *
 * Usage: `deno task install [--root <dir>] [--force]`. The command goes into `<root>/bin`, the
 * root being `--root`, else `$DENO_INSTALL_ROOT`, else `$HOME/.deno` (where `deno install`
 * puts commands).
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StemplayError } from "../errors.ts";
import { parseFlags, stringFlag, UsageError } from "./args.ts";
import { writeTextAtomic } from "../util/write_atomic.ts";

const COMMAND = "deno task install";
/** The first lines every shim we write carries: how a later install knows it may replace it. */
const MARK = "# stemplay command, written by `deno task install`";

/** The checkout this module belongs to (its cli.ts and .deno-version). */
const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Quotes `text` for a POSIX shell: single quotes, with any single quote closed and escaped. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/** The Deno version this checkout pins (`.deno-version`). */
export async function pinnedDenoVersion(checkout = CHECKOUT): Promise<string> {
  const version = (await Deno.readTextFile(join(checkout, ".deno-version"))).trim();
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new StemplayError("FILE", `.deno-version holds "${version}", not a version`);
  }
  return version;
}

/**
 * The shim's text. It runs the pinned Deno through `npx -y deno@<version>` rather than
 * `Deno.execPath()`: the path of npx's copy is a cache entry (`~/.npm/_npx/<hash>/…`) that npm
 * may clean or rehash at any time, while the npx form finds or fetches the same pinned Deno on
 * every run. `--config` pins this checkout's deno.json (and so its lock file) whatever folder
 * the command is run from.
 */
export function shimText(checkout: string, denoVersion: string): string {
  const cli = join(checkout, "cli.ts");
  const config = join(checkout, "deno.json");
  return [
    "#!/bin/sh",
    MARK,
    `# from ${checkout}; runs Deno ${denoVersion} through npx (see src/cli/install.ts).`,
    `exec npx -y deno@${denoVersion} run -A --config ${shellQuote(config)} ${shellQuote(cli)} "$@"`,
    "",
  ].join("\n");
}

/** Where the command goes: `<root>/bin`. A relative root is taken from the folder the user ran
 * `deno task` in (`INIT_CWD`): the task itself runs in the checkout. */
export function binFolder(root: string | undefined): string {
  const base = root ?? Deno.env.get("DENO_INSTALL_ROOT") ?? join(homeFolder(), ".deno");
  return join(resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), base), "bin");
}

function homeFolder(): string {
  const home = Deno.env.get("HOME");
  if (!home) {
    throw new UsageError(`${COMMAND}: HOME is not set: give --root <dir> or DENO_INSTALL_ROOT`);
  }
  return home;
}

/** True when `path` is missing or is a shim we wrote (so replacing it loses nothing). */
async function mayReplace(path: string): Promise<boolean> {
  try {
    return (await Deno.readTextFile(path)).includes(MARK);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

/**
 * Writes the `stemplay` command into `<root>/bin` (atomically, mode 755) and returns its path.
 *
 * @throws {UsageError} when a `stemplay` we did not write is there and `force` is not set
 */
export async function installCommand(
  options: { root?: string; force?: boolean; checkout?: string } = {},
): Promise<string> {
  if (Deno.build.os === "windows") {
    throw new StemplayError(
      "UNSUPPORTED",
      "the installer writes a POSIX shell script; on Windows run " +
        "`npx -y deno@<.deno-version> run -A cli.ts <command>` from the checkout",
    );
  }
  const checkout = options.checkout ?? CHECKOUT;
  const folder = binFolder(options.root);
  const target = join(folder, "stemplay");
  if (!options.force && !(await mayReplace(target))) {
    throw new UsageError(
      `${COMMAND}: ${target} exists and was not written by this installer (--force replaces it)`,
    );
  }
  await Deno.mkdir(folder, { recursive: true });
  await writeTextAtomic(target, shimText(checkout, await pinnedDenoVersion(checkout)), {
    mode: 0o755,
  });
  return target;
}

/** Runs the installer with command-line `args`; returns the exit code. */
export async function installMain(args: string[]): Promise<number> {
  try {
    const parsed = parseFlags(COMMAND, args, {
      root: { type: "string" },
      force: { type: "boolean" },
    });
    if (parsed.flags.help) {
      console.log(
        `Usage: ${COMMAND} [--root <dir>] [--force]\n\n${"Writes a `stemplay` command into <dir>/bin (default: $DENO_INSTALL_ROOT/bin, else"} ~/.deno/bin)\nthat runs this checkout's cli.ts with the pinned Deno through npx.`,
      );
      return 0;
    }
    if (parsed.positionals.length > 0) {
      throw new UsageError(`${COMMAND}: takes no arguments, got "${parsed.positionals[0]}"`);
    }
    const target = await installCommand({
      root: stringFlag(parsed, "root"),
      force: parsed.flags.force === true,
    });
    const folder = dirname(target);
    console.log(`installed the stemplay command: ${target}`);
    const onPath = (Deno.env.get("PATH") ?? "").split(":").some((entry) =>
      entry && resolve(entry) === folder
    );
    if (!onPath) {
      console.log(`${folder} is not on your PATH; add this line to your shell's profile:`);
      console.log(`  export PATH=${shellQuote(folder)}:"$PATH"`);
    }
    console.log("then: stemplay --version");
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    console.error(`${COMMAND}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await installMain(Deno.args));
