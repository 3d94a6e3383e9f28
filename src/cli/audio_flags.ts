/**
 * The flags that choose the audio device and engine, shared by `play` and `demo`.
 *
 * @module
 */

import type { PlayerOptions } from "../player/player.ts";
import { PROFILE_NAMES } from "../engine/profiles.ts";
import { RECOVERY_MODES, type RecoveryMode } from "../engine/device_recovery.ts";
import { loadSettings, settingsToPlayerOptions } from "./settings.ts";
import {
  BACKENDS,
  choiceFlag,
  type FlagSpecs,
  integerFlag,
  type ParsedArgs,
  stringFlag,
  UsageError,
} from "./args.ts";

/** A band that keeps playing through a dropout stays with the tracks when they come back:
 * the CLI's default (see docs/player.md, "When the device is lost"). */
export const CLI_RECOVERY: RecoveryMode = "in-time";

/** The flags, by long name. */
export const AUDIO_FLAGS: FlagSpecs = {
  backend: { type: "string" },
  device: { type: "string" },
  rate: { type: "string" },
  channels: { type: "string" },
  block: { type: "string" },
  profile: { type: "string" },
  monitor: { type: "boolean" },
  recovery: { type: "string" },
  config: { type: "string" },
};

/** Player options from the flags alone (the settings file is applied by the caller). */
export function audioOptions(command: string, parsed: ParsedArgs): PlayerOptions {
  const options: PlayerOptions = {};
  const backend = choiceFlag(command, parsed, "backend", BACKENDS);
  if (backend) options.backend = backend;
  const device = stringFlag(parsed, "device");
  if (device !== undefined) options.device = /^\d+$/.test(device) ? Number(device) : device;
  const rate = integerFlag(command, parsed, "rate", 8000, 768000);
  if (rate !== undefined) options.sampleRate = rate;
  const channels = integerFlag(command, parsed, "channels", 1, 32);
  if (channels !== undefined) options.channels = channels;
  const block = integerFlag(command, parsed, "block", 16, 65536);
  const profile = choiceFlag(command, parsed, "profile", PROFILE_NAMES);
  if (block !== undefined && profile !== undefined) {
    throw new UsageError(`${command}: give --block or --profile, not both`);
  }
  if (block !== undefined) options.blockFrames = block;
  if (profile !== undefined) options.profile = profile;
  if (parsed.flags.monitor) options.latencyMonitor = true;
  const recovery = choiceFlag(command, parsed, "recovery", RECOVERY_MODES);
  if (recovery !== undefined) options.recovery = recovery;
  return options;
}

/**
 * The flags over the settings file (`settingsFile`: by default `--config`, else stemplay.json
 * in the working folder if there is one; `play` passes the one `findSettingsFile` found). A flag wins over the key it stands for; `--block`/`--profile` replace both
 * block keys of the file, and `--backend` drops the file's device (it names another backend's).
 *
 * @throws {UsageError} for a bad flag; {StemplayError} for a bad settings file
 */
export async function resolveAudioOptions(
  command: string,
  parsed: ParsedArgs,
  settingsFile: string | undefined = stringFlag(parsed, "config"),
): Promise<PlayerOptions> {
  const flags = audioOptions(command, parsed);
  const settings = settingsToPlayerOptions(await loadSettings(settingsFile));
  if (flags.blockFrames !== undefined || flags.profile !== undefined) {
    delete settings.blockFrames;
    delete settings.profile;
  }
  if (flags.backend !== undefined) delete settings.device;
  return { recovery: CLI_RECOVERY, ...settings, ...flags };
}
