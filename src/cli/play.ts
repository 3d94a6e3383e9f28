/**
 * `stemplay play`: load a song (folder, manifest or files) and play it, with the live screen
 * on a terminal or plain progress lines when piped.
 *
 * @module
 */

import type { KeyTempo } from "../model/key_tempo.ts";
import { KEY_TEMPO_FLAGS, keyTempoFlags, stretchEngineFlag } from "./key_tempo_flags.ts";
import type { Player } from "../player/player.ts";
import { StemplayError } from "../errors.ts";
import { type FlagSpecs, parseFlags, stringFlag, UsageError } from "./args.ts";
import { AUDIO_FLAGS, resolveAudioOptions } from "./audio_flags.ts";
import { conversionLine } from "./conversion.ts";
import { startMidiFromSettings, startMidiOutFromSettings } from "./midi.ts";
import { MidiLearn } from "./midi_learn.ts";
import { keyAction } from "./keys.ts";
import type { MidiInput } from "../control/midi.ts";
import type { MidiAction } from "../control/midi_map.ts";
import { DEFAULT_SETTINGS_FILE, findSettingsFile } from "./settings.ts";
import { formatTime } from "./format.ts";
import { HELP } from "./help.ts";
import { openPlayer } from "./open_player.ts";
import { StderrProgress } from "./progress.ts";
import { runReporter } from "./reporter.ts";
import { REMOTE_FLAGS, remoteFlags, RemoteSurfaces } from "./remote_surfaces.ts";
import { heartbeatFlag, startSync, SYNC_FLAGS, type SyncFlags, syncFlags } from "./sync_flags.ts";
import { setHeartbeat } from "../control/heartbeat.ts";
import { ActivityLight } from "./activity_light.ts";
import { PlaySession } from "./session.ts";
import { runSetlistReporter } from "./setlist_reporter.ts";
import { isSetlistFile, type LoadedSong, loadInputs } from "./song_source.ts";
import { runScreen } from "./tui.ts";
import { loadSetlist } from "../songs/setlist.ts";
import {
  applyPlace,
  describePlace,
  journalBeside,
  readResume,
  ResumeJournal,
  stateFolder,
} from "./resume_journal.ts";

const COMMAND = "stemplay play";

/** The flags of `play`. */
export const PLAY_FLAGS: FlagSpecs = {
  ...AUDIO_FLAGS,
  ...REMOTE_FLAGS,
  ...SYNC_FLAGS,
  start: { type: "string" },
  play: { type: "boolean" },
  resume: { type: "boolean" },
  ...KEY_TEMPO_FLAGS,
};

/** What `play` adds around the song on a stage: the settings file it read (named on the
 * screen), and the resume journal (see resume_journal.ts). */
export interface StageOptions {
  /** The settings file used, as found (undefined: none, the defaults). */
  settingsFile?: string;
  /** Journal the show's place, and offer (R) or go back (`--resume`) to the last one. */
  journal?: boolean;
  /** `--resume`: go back to where the last run left, stopped (or playing with --play). */
  resume?: boolean;
  /** `--transpose` and `--speed`: the song's key and tempo in place of its song.json's. */
  keyTempo?: Partial<KeyTempo>;
  /** `--sync-serve` or `--follow` (docs/two-rigs.md), started once the show is loaded. */
  sync?: SyncFlags;
}

/** Writes one line to stderr (notices and warnings). */
export function warn(line: string): void {
  console.error(line);
}

/**
 * Where `--start` points: seconds ("12.5"), m:ss ("1:02.5"), or a marker's name (exact,
 * then ignoring case).
 *
 * @throws {UsageError} naming --start when it is neither
 */
export function startSeconds(command: string, start: string, song: LoadedSong): number {
  const clock = /^(?:(\d+):)?(\d+(?:\.\d+)?)$/.exec(start);
  if (clock) {
    if (clock[1] !== undefined && Number(clock[2]) >= 60) {
      throw new UsageError(`${command}: --start "${start}": seconds after the colon must be < 60`);
    }
    return Number(clock[1] ?? 0) * 60 + Number(clock[2]);
  }
  const marker = song.markers.find((m) => m.name === start) ??
    song.markers.find((m) => m.name.toLowerCase() === start.toLowerCase());
  if (marker) return marker.at;
  const names = song.markers.map((m) => m.name).join(", ");
  throw new UsageError(
    `${command}: --start "${start}" is neither a time nor a marker of this song ` +
      `(markers: ${names || "none"})`,
  );
}

/**
 * The one rule for starting: on the screen everything opens stopped (nothing on a live rig
 * starts by surprise; space plays) unless `--play` was given. Piped, nobody can press space,
 * so a piped run plays at once, as it always has.
 */
export function startsAtOnce(screen: boolean, playFlag: boolean): boolean {
  return playFlag || !screen;
}

/**
 * Loads `inputs` into an open player and plays them until the song ends (piped) or q (on a
 * terminal). Closes nothing: the caller owns the player. On the screen it opens stopped unless
 * `playAtOnce` (see {@link startsAtOnce}).
 *
 * @returns the signal that stopped playback (SIGINT/SIGTERM), if one did
 */
export async function playOn(
  player: Player,
  inputs: string[],
  start: string | undefined,
  command = COMMAND,
  midi?: { input: MidiInput; settingsPath: string },
  playAtOnce = false,
  stage: StageOptions = {},
): Promise<Deno.Signal | undefined> {
  const setlist = inputs.length === 1 && await isSetlistFile(inputs[0]);
  let song: LoadedSong;
  let songErrors = new Map<number, string>();
  if (setlist && Object.keys(stage.keyTempo ?? {}).length > 0) {
    throw new UsageError(
      `${command}: --transpose and --speed apply to one song; give a setlist entry its own ` +
        `"transpose" and "speed"`,
    );
  }
  if (setlist) {
    warn(`loading the setlist ${inputs[0]}…`);
    songErrors = await openSetlist(player, inputs[0]);
    song = { title: player.title, markers: player.markers };
  } else {
    const progress = new StderrProgress("loading");
    song = await loadInputs(
      player,
      inputs,
      (done, total) => progress.update(done, total),
      stage.keyTempo,
    );
    progress.done();
    for (const warning of song.warnings ?? []) warn(`stemplay: warning: ${warning}`);
  }
  // Where space will play from: the seek below reaches the audio thread a block later.
  let from = player.position;
  if (start !== undefined) {
    const seconds = startSeconds(command, start, song);
    if (seconds > player.duration) {
      throw new UsageError(
        `${command}: --start ${start} is past the end of the song (${formatTime(player.duration)})`,
      );
    }
    player.seek(seconds);
    from = seconds;
  }
  const session = new PlaySession(player, song);
  try {
    session.settingsFile = stage.settingsFile;
    session.songErrors = songErrors;
    const screen = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    const showPath = stage.journal && inputs.length === 1 ? inputs[0] : undefined;
    let resumed: string | undefined;
    if (showPath) {
      const lookup = await readResume(showPath);
      if (lookup.notice) {
        session.resumeLine = `resume: ${lookup.notice}`;
        if (!screen) warn(`stemplay: ${lookup.notice}`);
      }
      if (lookup.place && stage.resume) {
        try {
          resumed = await applyPlace(player, lookup.place);
          from = lookup.place.position;
        } catch (error) {
          // The show opens anyway (a song that cannot load any more, say), at the start.
          const reason = error instanceof Error ? error.message : String(error);
          session.resumeLine = `resume: cannot go back to ${
            describePlace(lookup.place)
          }: ${reason}`;
          if (!screen) warn(`stemplay: ${session.resumeLine}`);
        }
      } else if (lookup.place) {
        const place = lookup.place;
        session.resumeLine = `resume: R goes back to ${
          describePlace(place)
        }, where the last run left`;
        session.resumeOffer = async () => {
          session.resumeLine = undefined;
          session.resumeOffer = undefined;
          return `${await applyPlace(player, place)}, stopped: space plays`;
        };
      } else if (stage.resume && !lookup.notice) {
        const notice = `--resume: no resume journal for ${showPath} (looked for ` +
          `${journalBeside(showPath)} and in ${stateFolder()}): opened at the start`;
        session.resumeLine = `resume: ${notice}`;
        if (!screen) warn(`stemplay: ${notice}`);
      }
    }
    await using journal = showPath ? ResumeJournal.start(player, showPath) : undefined;
    if (journal && session.resumeOffer) {
      // The first change of this run replaces the last run's journal: its offer is gone then.
      journal.onFirstWrite = () => {
        session.resumeOffer = undefined;
        session.resumeLine = undefined;
      };
    }
    if (midi) {
      const input = midi.input;
      session.midiLight = new ActivityLight(() => input.received);
      session.learn = new MidiLearn(midi.input, midi.settingsPath, {
        get message() {
          return session.message;
        },
        set message(text: string) {
          session.message = text;
        },
        // Every screen action is a plain JSON object, as a mapping stores it.
        actionFor: (key) => keyAction(session, key) as MidiAction | undefined,
      });
    }
    await using _sync = await startSync(player, stage.sync, (text) => {
      if (screen) session.message = text;
      else warn(`stemplay: ${text}`);
    });
    // A follower plays when its primary does.
    const follows = stage.sync !== undefined && "follow" in stage.sync;
    if (startsAtOnce(screen, playAtOnce) && !follows) player.play();
    else if (resumed) session.message = `${resumed}, stopped: space plays`;
    else {
      const unavailable = [...songErrors.keys()].map((index) => index + 1);
      session.message = setlist
        ? `setlist loaded, stopped: space plays ${firstSongWords(player)}` +
          (unavailable.length
            ? `; cannot load (refused): song${unavailable.length > 1 ? "s" : ""} ${
              unavailable.join(", ")
            }`
            : "")
        : `stopped: space plays "${song.title}" from ${formatTime(from)}`;
    }
    const conversion = conversionLine(player);
    if (!screen && conversion) console.log(conversion); // the screen shows it itself
    if (screen) {
      const signal = await runScreen(session);
      const list = player.setlist;
      const where = list
        ? ` (song ${list.index + 1} of ${list.songs.length} of "${list.title}")`
        : "";
      const state = player.state;
      console.log(
        `stemplay: left "${session.song.title}"${where} at ${formatTime(player.position)} of ` +
          `${formatTime(player.duration)} (${signal ? `stopped by ${signal}` : state})`,
      );
      if (state === "error" && !signal) {
        throw new StemplayError("DEVICE_LOST", `the audio device ${player.deviceName} was lost`);
      }
      return signal;
    }
    return setlist ? await runSetlistReporter(session) : await runReporter(session);
  } finally {
    session.close(); // it stops hearing the other surfaces
  }
}

/**
 * Loads a setlist into the player. A song that cannot load (a stem missing or renamed) does
 * not stop the show from opening: it is refused on its own, and the screen marks it.
 *
 * @returns each unavailable song's error, by its index
 * @throws {StemplayError} for a broken setlist, or when no song of it can load
 */
async function openSetlist(player: Player, path: string): Promise<Map<number, string>> {
  const checked = await loadSetlist(path, player.channels, player.buses.map((bus) => bus.name));
  const errors = new Map<number, string>();
  checked.songs.forEach((entry, index) => {
    if (entry.error !== undefined) errors.set(index, entry.error);
  });
  await player.loadSetlist(path); // on the first song that can load
  return errors;
}

/** "the first song", or `song 2 "Title"` when the setlist opened past songs that cannot load. */
function firstSongWords(player: Player): string {
  const index = player.setlist?.index ?? 0;
  return index === 0 ? "the first song" : `song ${index + 1} "${player.title}"`;
}

/** Exit codes after a signal, as shells report them (128 + its number). */
export function signalExitCode(signal: Deno.Signal | undefined): number {
  return signal === undefined ? 0 : signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1;
}

/** Runs `stemplay play …` and returns the exit code. */
export async function playCommand(args: string[]): Promise<number> {
  const parsed = parseFlags(COMMAND, args, PLAY_FLAGS);
  if (parsed.flags.help) {
    console.log(HELP.play);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    throw new UsageError(`${COMMAND}: give a song folder, a song.json or audio files to play`);
  }
  const remote = remoteFlags(COMMAND, parsed);
  const keyTempo = keyTempoFlags(COMMAND, parsed);
  const stretchEngine = stretchEngineFlag(COMMAND, parsed);
  const sync = syncFlags(COMMAND, parsed);
  const heartbeat = heartbeatFlag(COMMAND, parsed);
  if (parsed.flags.resume && stringFlag(parsed, "start") !== undefined) {
    throw new UsageError(`${COMMAND}: give --resume or --start, not both`);
  }
  const settingsFile = await findSettingsFile(parsed.positionals, stringFlag(parsed, "config"));
  const options = await resolveAudioOptions(COMMAND, parsed, settingsFile);
  if (stretchEngine) options.keyTempo = { engine: stretchEngine }; // over stemplay.json's
  await using player = await openPlayer(options, warn);
  if (heartbeat !== undefined) setHeartbeat(player, { output: heartbeat });
  await using surfaces = await RemoteSurfaces.start(player, remote);
  if (!(Deno.stdin.isTerminal() && Deno.stdout.isTerminal())) {
    surfaces.lines().forEach(warn);
    surfaces.watchPinPause(warn); // the screen shows it; piped output is told
  }
  const settingsPath = settingsFile ?? DEFAULT_SETTINGS_FILE;
  await using input = await startMidiFromSettings(player, settingsFile, warn);
  await using _midiOut = await startMidiOutFromSettings(player, settingsFile, warn);
  const midi = input && { input, settingsPath };
  return signalExitCode(
    await playOn(
      player,
      parsed.positionals,
      stringFlag(parsed, "start"),
      COMMAND,
      midi,
      parsed.flags.play === true,
      { journal: true, resume: parsed.flags.resume === true, settingsFile, sync, keyTempo },
    ),
  );
}
