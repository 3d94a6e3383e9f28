/**
 * The one table of the Player's integer options: each one's range and default, and the CLI
 * flag and stemplay.json key it goes by. `Player.open` (player_options.ts), the CLI's flags
 * (src/cli/audio_flags.ts) and the settings file (src/cli/settings.ts) all check against it,
 * each in its own words (a StemplayError, a usage error, a settings problem), so a range is
 * written once.
 *
 * @module
 */

/** One integer option. */
export interface IntegerOption {
  /** Smallest value allowed. */
  readonly min: number;
  /** Largest value allowed. */
  readonly max: number;
  /** What applies when it is not given, in words. */
  readonly default: string;
  /** Its CLI flag (without "--"), when it has one; its stemplay.json key (in "audio") is its
   * option name. */
  readonly flag?: string;
}

/** The Player's integer options, by their `PlayerOptions` name. */
export const PLAYER_INTEGER_OPTIONS = {
  sampleRate: { min: 8000, max: 768000, default: "the device's (offline: 48000)", flag: "rate" },
  channels: {
    min: 1,
    max: 32,
    default: "the device's, at least 2 (offline: 2)",
    flag: "channels",
  },
  blockFrames: { min: 16, max: 65536, default: "the profile's, else 2048", flag: "block" },
  trackCapacity: { min: 1, max: 4096, default: "128" },
} as const satisfies Record<string, IntegerOption>;

/** The name of a Player integer option. */
export type IntegerOptionName = keyof typeof PLAYER_INTEGER_OPTIONS;

/** The one range check: true when `value` is an integer within the option's range. */
export function inOptionRange(name: IntegerOptionName, value: unknown): value is number {
  const { min, max } = PLAYER_INTEGER_OPTIONS[name];
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}
