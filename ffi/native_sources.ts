/**
 * Which files make the native library.
 *
 * @module
 */

/**
 * The shim's files, relative to native/, headers included: native/rt/ holds what the audio
 * thread runs, native/ the rest. Local builds glob native/ and native/rt/ instead;
 * this list is what a build from an http(s) URL fetches (a URL cannot be globbed). A test checks
 * that it equals what is on disk.
 */
export const NATIVE_SOURCES: readonly string[] = [
  "buses.c",
  "butler.c",
  "click.c",
  "commands.c",
  "deadline.c",
  "decode.c",
  "devices.c",
  "engine.c",
  "header.c",
  "internal.h",
  "jack_api.c",
  "jack_api.h",
  "ltc.c",
  "midi_alsa.c",
  "midi_in.c",
  "midi_in.h",
  "midi_jack.c",
  "midi_out.c",
  "midi_out.h",
  "monitor.c",
  "mtc.c",
  "offline.c",
  "pcm.c",
  "peaks.c",
  "peaks_wav.c",
  "resample.c",
  "result.c",
  "ring.c",
  "rt/callback.c",
  "rt/commands_rt.c",
  "rt/device_rt.c",
  "rt/midi_out_rt.c",
  "rt/heartbeat_rt.c",
  "rt/mix.c",
  "rt/mixer.c",
  "rt/monitor_rt.c",
  "rt/retime_rt.c",
  "rt/ring_rt.c",
  "rt/seqlock.h",
  "rt/show_rt.c",
  "rt/source_rt.c",
  "rt/spsc.h",
  "rt/status_rt.c",
  "rt/varispeed_rt.c",
  "show.c",
  "source.c",
  "status.c",
  "stemplay.h",
  "stream.c",
  "stretch.c",
  "stretch_api.h",
  "stretch_pcm.c",
  "stretch_render.c",
  "stretch_stream.c",
  "timecode.c",
  "timecode.h",
  "tracks.c",
  "transport.c",
  "unload.c",
  "varispeed.c",
];
