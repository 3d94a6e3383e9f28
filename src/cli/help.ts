/**
 * The `--help` texts.
 *
 * @module
 */

import { AUDIO_EXTENSIONS } from "../songs/song.ts";

/** Every extension a song folder takes, wrapped to the help's width (from the one list, so the
 * help never falls behind the decoders). */
const FORMATS = AUDIO_EXTENSIONS.reduce((lines, extension) => {
  const last = lines.length - 1;
  if (lines[last].length + extension.length + 1 > 76) lines.push(`  ${extension}`);
  else lines[last] += ` ${extension}`;
  return lines;
}, ["Audio files:"]).join("\n");

/** The one rule for starting, as both `play` and `demo` state it. */
const START_RULE =
  `On the screen everything opens stopped, and the screen says what space will play;
--play starts at once. Piped (no terminal, nobody to press space), it plays at once.`;

const AUDIO = `
Audio:
  --backend <name>     auto (default), null, pulseaudio, alsa, jack, coreaudio, wasapi, ...
  --device <id|name>   a device id from \`stemplay devices\`, or part of its name
  --rate <hz>          sample rate (default: the device's)
  --channels <n>       output channels (default: the device's, at least 2)
  --block <frames>     frames per audio callback (16..65536)
  --profile <name>     low-latency (256), balanced (1024) or safe (2048 frames)
  --monitor            start with the latency monitor on
  --recovery <mode>    when a lost device comes back by itself: in-time (default: where
                       the song would be by now), where-lost, or paused
  --config <file>      settings file (default: stemplay.json beside the setlist or song,
                       else in this folder, if any; every key: docs/settings.md)`;

/** Help for each command, and for `stemplay` alone. */
export const HELP: Record<string, string> = {
  main: `stemplay: multitrack playback for live performance

Usage:
  stemplay play <song-folder | song.json | file...> [flags]   play with a live screen
  stemplay play <setlist.json> [flags]                        run a show (a setlist)
  stemplay devices [--backend <name>]                         list playback devices
  stemplay render <song> -o <mix.wav> [flags]                 bounce a song to a WAV file
  stemplay demo [flags]                                       make a demo song and play it
  stemplay console [LIBRARY] [flags]                          prepare songs in a browser
  stemplay init <folder> [--midi <file.mid>] [--force]        write a song.json for stems
  stemplay --version                                          print the version

Run \`stemplay <command> --help\` for a command's flags.
Exit codes: 0 done, 1 runtime failure, 2 usage error.`,

  play: `Usage: stemplay play <song-folder | song.json | setlist.json | file...> [flags]

Plays a song folder (every audio file in it, sorted by name), a song.json manifest, a
setlist (a .json with "songs"), or audio files given one by one. On a terminal it shows a
live screen; piped, it prints a progress line a second and a summary at the end (a setlist
plays through, song after song).
${START_RULE}

${FORMATS}
(m4a, aac, alac, opus, caf and wma need ffmpeg installed.)

  --play                 start playing at once (default on the screen: open stopped)
  --start <time|marker>  start at seconds (12.5), m:ss (1:02) or a marker's name
  --transpose <st>       the song's key in semitones, -12 … +12 (default: its song.json's)
  --speed <ratio>        the song's tempo ratio, 0.5 … 2 (default: its song.json's)
  --stretch-engine <e>   finer (Rubber Band R3, default) or faster (R2: about 3x less
                         CPU, rougher sound; stemplay.json "keyTempo": { "engine" })
  --resume               go back to where the last run of this setlist (or song) left:
                         its song, position, mutes and gains, stopped (with --play: playing)
${AUDIO}

Remote control (on every network interface; see docs/remote.md):
  --osc <port>         OSC over UDP on this port (e.g. 9000)
  --remote <port>      the phone/tablet web remote on this port (e.g. 8080)
  --pin <digits>       the remote's PIN, 6 to 12 digits (default: a random 6-digit PIN,
                       shown on the screen with the URL and its QR code)
  --allow-host <name>  a name of this machine the remote's pages may be opened by, besides
                       its addresses, its hostname and <hostname>.local (repeatable)

Two rigs (a backup follows the primary; see docs/two-rigs.md):
  --sync-serve [<host>:]<port>  serve this rig's transport on UDP (default host: every
                       IPv4 interface)
  --follow <host>:<port>  follow the primary at that address: same setlist, same frame
  --sync-key-file <file>  the shared key (at least 16 bytes), the same file on both rigs
  --standby            (with --follow) stay muted while the primary is healthy; sound, in
                       time, when its feed stops; B (failback) mutes again
  --standby-bus <name> (with --follow) mute only this bus in standby (repeatable)
  --heartbeat <output> a steady 1 kHz tone at -20 dBFS on this output, for a redundancy
                       switcher: it stops (or loops) within a block when the engine stalls

Keys: space play/pause, <- -> seek 5 s, [ ] previous/next marker (on the bar), Home start,
1-9 select track, m mute, s solo, + - gain 1 dB, 0 reset gain, < > master gain 1 dB,
b pick a bus, { } its gain 1 dB, l latency monitor, r retry a lost device now (it is retried by itself too),
B failback (a backup that took over mutes again), q quit.
While playing, q, Ctrl-C, ., Home, n, p and g ask for a second press (150 ms to 2 s
later).
Show: n/p next/previous song, j then 1-9 jump to that marker at the next bar, v vamp
(loop) the current section, Enter leave the loop at its end, c count-in on/off,
f fade out over 4 s, a spoken cues on/off.
Key and tempo: k/K key down/up a semitone, t/T tempo down/up 1%, P the selected
track keeps its key (or follows it again).`,

  devices: `Usage: stemplay devices [--backend <name>]

Lists playback devices: id (for --device), name, channels, and which is the default.

  --backend <name>     auto (default), null, pulseaudio, alsa, jack, ...`,

  render: `Usage: stemplay render <song-folder | song.json | file...> -o <mix.wav> [flags]

Bounces the song offline (no device, faster than real time) with its levels and routing,
through the rig profile's buses (stemplay.json "buses"; default FOH 1-2, in-ears 3-4): the
WAV has every output the profile uses, or only one bus's outputs with --bus.

  -o, --output <file>  the WAV file to write (required)
  --bus <name>         only this bus's outputs (e.g. --bus FOH: a 2-channel mix)
  --rate <hz>          sample rate (default 48000)
  --channels <n>       output channels (default: the highest output of the profile)
  --format <f>         f32 (default), s16 or s24
  --transpose <st>     the song's key in semitones, -12 … +12 (default: its song.json's)
  --speed <ratio>      the song's tempo ratio, 0.5 … 2 (default: its song.json's)
  --stretch-engine <e> finer (Rubber Band R3, default) or faster (R2: about 3x less
                       CPU, rougher sound; stemplay.json "keyTempo": { "engine" })
  --config <file>      the settings file (default: stemplay.json beside the song, else
                       here, if there is one)`,

  console: `Usage: stemplay console [LIBRARY] [--port N] [--hostname H] [--pin P] [flags]

Serves the console, a browser page to prepare a show: the library's songs and setlists,
each song's waveforms, markers, tempo and stems, and the rig (see docs/console.md).
LIBRARY is a folder of song folders and setlists (default: this folder); nothing outside
it is read or written. Ctrl-C stops it.

  --port <n>           TCP port (default 8090; 0 picks a free one)
  --hostname <h>       address to listen on (default 127.0.0.1: this machine only)
  --pin <digits>       the console's PIN, 6 to 12 digits (default: a random 8-digit one).
                       Not the stage remote's PIN: a stage PIN must not edit the rig.
${AUDIO}`,

  init: `Usage: stemplay init <folder> [flags]

Writes <folder>/song.json for a folder of exported stems: every audio file as a track, sorted
by name, on the bus its name suggests (click, guide, cue or count: in-ears; else FOH); the
tempo map and markers of a MIDI file (--midi), else the tempo detected from the click stem
(a file with "click" in its name) and markers from the cue points of the first WAV stem that
has them. Without either, the tempo is left out and init says so. Edit the file afterwards;
docs/songs.md lists every key.

  --midi <file.mid>    take the tempo map (tempo, time signature, changes) and markers
                       from a Standard MIDI File exported by the DAW
  --markers <file.wav> take the markers from this WAV file's cue points
  --force              replace an existing song.json (default: keep it, and stop)`,

  demo: `Usage: stemplay demo [flags]

Synthesises a 24-second demo song (click, bass, pad, guide) into a temporary folder and
plays it. The click goes to output 3 when the device has 3 or more outputs.
${START_RULE}

  --out <folder>       write the song here instead (the folder is kept)
  --play               start playing at once (default on the screen: open stopped)
  --no-play            write the song, print the manifest's path, and stop
  --start <time|marker>  start at seconds, m:ss or a marker's name
${AUDIO}`,
};
