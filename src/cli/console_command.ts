/**
 * `stemplay console [LIBRARY] [--port N] [--hostname H] [--pin P]`: serves the console
 * (src/control/console.ts) for a library folder until Ctrl-C. It opens a player on the audio
 * flags (and the settings file) for auditions and the rig page.
 *
 * @module
 */

import { serveConsole } from "../control/console.ts";
import { randomPin, validPin } from "../control/remote_auth.ts";
import { integerFlag, parseFlags, stringFlag, UsageError } from "./args.ts";
import { AUDIO_FLAGS, resolveAudioOptions } from "./audio_flags.ts";
import { HELP } from "./help.ts";
import { openPlayer } from "./open_player.ts";

const COMMAND = "stemplay console";

/** The flags of `stemplay console`. */
export const CONSOLE_FLAGS = {
  ...AUDIO_FLAGS,
  port: { type: "string" },
  hostname: { type: "string" },
  pin: { type: "string" },
} as const;

/** Runs `stemplay console …` and returns the exit code. */
export async function consoleCommand(args: string[]): Promise<number> {
  const parsed = parseFlags(COMMAND, args, CONSOLE_FLAGS);
  if (parsed.flags.help) {
    console.log(HELP.console);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    throw new UsageError(
      `${COMMAND}: takes one library folder, got ${parsed.positionals.length} (quote a name ` +
        `with spaces)`,
    );
  }
  const library = parsed.positionals[0] ?? ".";
  const info = await Deno.stat(library).catch(() => undefined);
  if (!info?.isDirectory) {
    throw new UsageError(`${COMMAND}: no such library folder: ${library}`);
  }
  const port = integerFlag(COMMAND, parsed, "port", 0, 65535) ?? 8090;
  const pin = stringFlag(parsed, "pin") ?? randomPin(8);
  if (!validPin(pin)) {
    throw new UsageError(`${COMMAND}: --pin must be 6 to 12 digits, got "${pin}"`);
  }
  const hostname = stringFlag(parsed, "hostname") ?? "127.0.0.1";
  const options = await resolveAudioOptions(COMMAND, parsed);
  const player = await openPlayer(options, (line) => console.error(`stemplay: ${line}`));
  try {
    const server = await serveConsole(player, { library, port, hostname, pin });
    console.log(`console: ${server.url}  PIN ${server.pin}  (library ${server.library})`);
    console.log("Ctrl-C stops the console.");
    const stopped = Promise.withResolvers<void>();
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const stop = () => stopped.resolve();
    for (const signal of signals) Deno.addSignalListener(signal, stop);
    await stopped.promise;
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
    await server.close();
  } finally {
    await player.close();
  }
  return 0;
}
