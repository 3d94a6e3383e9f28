/**
 * The command line run for real, as a user runs it (`deno run -A cli.ts …`), piped (not a
 * terminal), without colour.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The path of cli.ts. */
export const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));

/** What a run of the CLI left. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd` (default: this process's) with `env` added to this process's. */
export async function runCli(
  args: string[],
  cwd?: string,
  env: Record<string, string> = {},
): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}
