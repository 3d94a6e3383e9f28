/**
 * `stemplay demo`: synthesise the demo song for the device about to play it, then play it.
 *
 * @module
 */

import { type FlagSpecs, parseFlags, stringFlag, UsageError } from "./args.ts";
import { AUDIO_FLAGS, resolveAudioOptions } from "./audio_flags.ts";
import { writeDemoSong } from "./demo_song.ts";
import { HELP } from "./help.ts";
import { openPlayer } from "./open_player.ts";
import { playOn, signalExitCode, warn } from "./play.ts";

const COMMAND = "stemplay demo";

/** The flags of `demo`. */
export const DEMO_FLAGS: FlagSpecs = {
  ...AUDIO_FLAGS,
  out: { type: "string" },
  "no-play": { type: "boolean" },
  start: { type: "string" },
  play: { type: "boolean" },
};

/** Runs `stemplay demo …` and returns the exit code. */
export async function demoCommand(args: string[]): Promise<number> {
  const parsed = parseFlags(COMMAND, args, DEMO_FLAGS);
  if (parsed.flags.help) {
    console.log(HELP.demo);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`${COMMAND}: takes no arguments, got "${parsed.positionals[0]}"`);
  }
  const options = await resolveAudioOptions(COMMAND, parsed);
  const out = stringFlag(parsed, "out");
  if (out !== undefined) await Deno.mkdir(out, { recursive: true });
  const folder = out ?? await Deno.makeTempDir({ prefix: "stemplay-demo-" });
  try {
    if (parsed.flags["no-play"]) {
      // No device: the song is made for the channel count asked for (default 2).
      const manifest = await writeDemoSong(folder, {
        sampleRate: options.sampleRate,
        outputs: options.channels,
      });
      console.log(manifest);
      return 0;
    }
    await using player = await openPlayer(options, warn);
    console.error(
      `demo: playing on ${player.deviceName} (${player.backendName}), ${player.channels} outputs` +
        (player.channels >= 3 ? ", click on output 3" : ", click panned left"),
    );
    const manifest = await writeDemoSong(folder, {
      sampleRate: player.sampleRate,
      outputs: player.channels,
    });
    const start = stringFlag(parsed, "start");
    const playAtOnce = parsed.flags.play === true;
    return signalExitCode(
      await playOn(player, [manifest], start, COMMAND, undefined, playAtOnce),
    );
  } finally {
    if (out === undefined) await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}
