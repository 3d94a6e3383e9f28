/**
 * The command line: picks the command, and turns what went wrong into one line on stderr and
 * an exit code (0 done, 1 runtime failure, 2 usage).
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { UsageError } from "./args.ts";
import { consoleCommand } from "./console_command.ts";
import { demoCommand } from "./demo.ts";
import { devicesCommand } from "./devices.ts";
import { HELP } from "./help.ts";
import { initCommand } from "./init.ts";
import { playCommand } from "./play.ts";
import { renderCommand } from "./render.ts";
import denoJson from "../../deno.json" with { type: "json" };

/** The version, from deno.json. */
export const VERSION: string = denoJson.version;

/** Exit codes. */
export const EXIT = { done: 0, failure: 1, usage: 2 } as const;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  play: playCommand,
  devices: devicesCommand,
  render: renderCommand,
  demo: demoCommand,
  console: consoleCommand,
  init: initCommand,
};

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** Runs the command line `args` and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === "--version" || command === "-V" || command === "version") {
      console.log(`stemplay ${VERSION}`);
      return EXIT.done;
    }
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      console.log(HELP.main);
      return command === undefined ? EXIT.usage : EXIT.done;
    }
    const run = COMMANDS[command];
    if (!run) {
      throw new UsageError(
        `stemplay: unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(", ")})`,
      );
    }
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return EXIT.usage;
    }
    if (error instanceof StemplayError) {
      // Several problems in a file: one line each, as the message lists them.
      const several = (error.problems?.length ?? 0) > 1;
      console.error(`stemplay: ${several ? error.message : oneLine(error.message)}`);
      return EXIT.failure;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`stemplay: ${oneLine(message)}`);
    return EXIT.failure;
  }
}
