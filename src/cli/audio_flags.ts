/**
 * The flags that choose the audio device and engine, shared by `play` and `demo`.
 *
 * @module
 */

import type { PlayerOptions } from "../player/player.ts";
import { PROFILE_NAMES } from "../engine/profiles.ts";
import { PLAYER_INTEGER_OPTIONS } from "../player/option_ranges.ts";
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

/** The flag of a Player integer option, checked against its range in the one table. */
function optionFlag(
  command: string,
  parsed: ParsedArgs,
  name: "sampleRate" | "channels" | "blockFrames",
): number | undefined {
  const { flag, min, max } = PLAYER_INTEGER_OPTIONS[name];
  return integerFlag(command, parsed, flag, min, max);
}

/** Player options from the flags alone (the settings file is applied by the caller). */
export function audioOptions(command: string, parsed: ParsedArgs): PlayerOptions {
  const options: PlayerOptions = {};
  const backend = choiceFlag(command, parsed, "backend", BACKENDS);
  if (backend) options.backend = backend;
  const device = stringFlag(parsed, "device");
  if (device !== undefined) options.device = /^\d+$/.test(device) ? Number(device) : device;
  const rate = optionFlag(command, parsed, "sampleRate");
  if (rate !== undefined) options.sampleRate = rate;
  const channels = optionFlag(command, parsed, "channels");
  if (channels !== undefined) options.channels = channels;
  const block = optionFlag(command, parsed, "blockFrames");
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
