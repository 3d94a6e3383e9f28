/*
 * stemplay.h: the whole ABI of the stemplay native shim.
 *
 * Thread rules (see DESIGN.md):
 *   control: every function here unless marked otherwise. One control thread at a time.
 *   audio:   miniaudio's data callback, internal only. It reads atomics and preallocated
 *            memory, never allocates, frees, locks, waits, logs or does I/O.
 *   loading: sp_decode_job_run(), called from a worker thread (Deno: nonblocking FFI).
 *
 * Never call from the audio thread: anything in this header.
 * Every function that can fail returns an sp_result; pointers are checked for NULL first.
 */
#ifndef STEMPLAY_H
#define STEMPLAY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SP_API __declspec(dllexport)
#else
#define SP_API __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature or the meaning of an out-array changes. */
#define SP_ABI_VERSION 9u

#define SP_MAX_CHANNELS 32u       /* per track and per device */
/* Every gain stage's ceiling: +12 dB, 10^(12/20) (musicians wear in-ears). The setters refuse
 * more with SP_ERROR_INVALID_ARGUMENT; MAX_GAIN in src/engine/levels.ts is the same number. */
#define SP_MAX_GAIN_DB 12u
#define SP_MAX_GAIN 3.981071705534972f
#define SP_MONITOR_SLOTS 4096u    /* power of two */
#define SP_DEFAULT_BLOCK_FRAMES 2048u
#define SP_DEFAULT_TRACK_CAPACITY 128u
#define SP_FADE_MS 5u             /* declick fade around every transport jump */
#define SP_DEFAULT_DEVICE_TIMEOUT_MS 3000u /* deadline to open or start a device */
#define SP_TEARDOWN_TIMEOUT_MS 500u /* sp_engine_destroy waits this long for the device */

typedef int32_t sp_result;
enum {
    SP_OK = 0,
    SP_ERROR_INVALID_ARGUMENT = 1,
    SP_ERROR_OUT_OF_MEMORY = 2,
    SP_ERROR_NO_BACKEND = 3,      /* the requested backend is unknown or not available */
    SP_ERROR_DEVICE = 4,          /* the device could not be opened or started */
    SP_ERROR_NO_SUCH_DEVICE = 5,  /* device index out of range */
    SP_ERROR_FILE = 6,            /* the file could not be opened or read */
    SP_ERROR_DECODE = 7,          /* not a supported or valid audio file */
    SP_ERROR_TRUNCATED = 8,       /* the file holds less audio than its header says */
    SP_ERROR_FORMAT = 9,          /* unsupported format: 0 or absurd rate, too many channels */
    SP_ERROR_CAPACITY = 10,       /* the track table is full */
    SP_ERROR_SLOT = 11,           /* no such track slot, or the slot is in the wrong state */
    SP_ERROR_NOT_OFFLINE = 12,    /* sp_render on an engine that has a device */
    SP_ERROR_BUSY = 13,           /* try again later (slot still in use by the audio thread, or
                                     256 requests waiting for an audio side that does not run) */
    SP_ERROR_EMPTY = 14,          /* the file decodes to zero frames */
    SP_ERROR_UNSUPPORTED = 15,    /* not compiled into this build (test hooks, monitor) */
    SP_ERROR_TIMEOUT = 16,        /* the audio server did not answer before the deadline */
    SP_ERROR_FORMAT_UNAVAILABLE = 17 /* a format only the optional decoder (ffmpeg) reads */
};

/* Transport states published by the audio side. */
enum {
    SP_STATE_STOPPED = 0,
    SP_STATE_PLAYING = 1,
    SP_STATE_PAUSED = 2,
    SP_STATE_ENDED = 3
};

/* Indexes into the out-array of sp_engine_status(). */
enum {
    SP_STATUS_POSITION = 0,     /* frames */
    SP_STATUS_STATE = 1,        /* SP_STATE_* */
    SP_STATUS_ENDED = 2,        /* 1 once the longest track has ended */
    SP_STATUS_BLOCKS = 3,       /* callbacks completed (the watchdog counter) */
    SP_STATUS_DURATION = 4,     /* frames of the longest active track of the current group */
    SP_STATUS_GROUP = 5,        /* the group (song) being played */
    SP_STATUS_CUE_ARMED = 6,    /* the seq of the cue armed last (0: none yet) */
    SP_STATUS_CUE_FIRED = 7,    /* the seq of the cue that fired last (0: none yet) */
    SP_STATUS_STARVED = 8,      /* track-blocks a streamed track's ring could not fill (silent) */
    SP_STATUS_CALLBACK_NS = 9,  /* sp_clock_now_ns() when the last device callback began (0 offline) */
    SP_STATUS_CALLBACK_POS = 10, /* the song's frame that callback's first output frame plays */
    SP_STATUS_COUNT = 11
};

/* Indexes into the out-array of sp_engine_info(). */
enum {
    SP_INFO_SAMPLE_RATE = 0,
    SP_INFO_CHANNELS = 1,
    SP_INFO_BLOCK_FRAMES = 2,
    SP_INFO_TRACK_CAPACITY = 3,
    SP_INFO_OFFLINE = 4,
    SP_INFO_MONITOR_BUILT = 5,  /* 0 when compiled with -DSP_NO_MONITOR */
    SP_INFO_COUNT = 6
};

/* Indexes into the counters out-array of sp_monitor_read(). */
enum {
    SP_MONITOR_CALLBACKS = 0,   /* callbacks timed since the last reset */
    SP_MONITOR_OVERRUNS = 1,    /* of those, longer than 80% of their time budget */
    SP_MONITOR_WRITE_INDEX = 2, /* slots written since the last reset (only grows) */
    SP_MONITOR_COUNTER_COUNT = 3
};

typedef struct sp_engine sp_engine;         /* device (or offline) + track table + transport */
typedef struct sp_pcm sp_pcm;               /* planar float32 audio owned by C */
typedef struct sp_file_source sp_file_source; /* a file streamed through a ring */
typedef struct sp_decode_job sp_decode_job; /* one file being decoded on a loading thread */

/* ---- library ---------------------------------------------------------------------------- */
SP_API uint32_t sp_abi_version(void);
SP_API const char *sp_result_string(sp_result result);
SP_API const char *sp_miniaudio_version(void);

/* ---- devices ---------------------------------------------------------------------------- */
/* Writes one line per playback device: "index\tis_default\tmax_channels\tname\n".
 * backend: "auto" or NULL for miniaudio's default order, or a backend name.
 * SP_ERROR_TIMEOUT when the server does not answer within SP_DEFAULT_DEVICE_TIMEOUT_MS. */
SP_API sp_result sp_devices_list(const char *backend, char *out_text, uint32_t capacity,
                                 uint32_t *out_count);

/* ---- engine ----------------------------------------------------------------------------- */
/* How to open an engine (miniaudio style): sp_engine_config_init(), set fields, sp_engine_init().
 * Strings are read during the call only. */
typedef struct sp_engine_config {
    /* "offline" (no device, drive it with sp_render), "null", "auto"/NULL, "pulseaudio",
     * "alsa", "jack", or another miniaudio backend name (case and spaces do not matter). */
    const char *backend;
    /* The device's exact name (as sp_devices_list or sp_engine_device_name give it); wins over
     * device_index. NULL or "": use device_index. */
    const char *device_name;
    int32_t device_index;    /* -1: the default device */
    /* 0: the device's (offline: 48000). Otherwise the device must run at exactly this rate. */
    uint32_t sample_rate;
    /* 0: the device's, at least 2 (offline: 2). Otherwise the device must have exactly this many
     * channels: a device that would need a remix is refused with SP_ERROR_FORMAT. */
    uint32_t channels;
    uint32_t block_frames;   /* 0: SP_DEFAULT_BLOCK_FRAMES */
    uint32_t track_capacity; /* 0: SP_DEFAULT_TRACK_CAPACITY */
    /* Deadline for each of opening and starting the device (a hung audio server never
     * answers); past it the call fails with SP_ERROR_TIMEOUT. 0: SP_DEFAULT_DEVICE_TIMEOUT_MS. */
    uint32_t timeout_ms;
    /* out: the rate and channel count the device itself runs at, written whenever a device was
     * opened (also when it was refused with SP_ERROR_FORMAT); 0 otherwise. */
    uint32_t found_sample_rate;
    uint32_t found_channels;
} sp_engine_config;

/* Defaults: backend "auto", the default device, its rate and channels, default block size and
 * capacity, SP_DEFAULT_DEVICE_TIMEOUT_MS. */
SP_API sp_engine_config sp_engine_config_init(void);
/* For bindings that lay the struct out by hand: out[0] = sizeof(sp_engine_config), then the
 * offset of each field in declaration order. count: at least SP_ENGINE_CONFIG_LAYOUT_COUNT. */
#define SP_ENGINE_CONFIG_LAYOUT_COUNT 11u
SP_API sp_result sp_engine_config_layout(uint32_t *out, uint32_t count);
/* Opens the device (with the deadline), sizes the tables for it and starts it: it plays silence
 * until sp_transport_play(). SP_ERROR_FORMAT when the device's rate or channel count is not the
 * one asked for; SP_ERROR_TIMEOUT when the server did not answer in time. */
SP_API sp_result sp_engine_init(sp_engine_config *config, sp_engine **out_engine);
/* Stops the device and frees everything, including every attached pcm. Waits for the device's
 * teardown at most SP_TEARDOWN_TIMEOUT_MS; past that it is left to a thread of its own. */
SP_API sp_result sp_engine_destroy(sp_engine *engine);
/* For a lost device: returns at once. The device's callback is cut off from the engine (it
 * never touches it again), the engine and its tracks are freed here, and the device is torn
 * down on a detached thread, which may block there forever. The handle is invalid afterwards. */
SP_API sp_result sp_engine_abandon(sp_engine *engine);
/* Moves the engine to another device, or back to its own after a loss: opens the device
 * config names (backend, device_name or device_index, timeout_ms; its rate, channels, block size
 * and capacity are ignored: the engine's are used) and checks it runs at exactly the engine's
 * rate and channel count. Only then is the old device cut off from the engine (as abandon does)
 * and torn down on a detached thread, and the new one started. Tracks, parameters, the
 * transport and the position survive; playback resumes where the last block ended, fading in.
 * Any failure before the swap (SP_ERROR_NO_SUCH_DEVICE, SP_ERROR_FORMAT, SP_ERROR_TIMEOUT ...)
 * leaves the engine and its old device untouched; a failure to start the new one leaves the
 * engine without a device (call again). Not for offline engines. */
SP_API sp_result sp_engine_reopen(sp_engine *engine, sp_engine_config *config);
/* Device threads given up on (teardowns handed off, opens past their deadline) that have not
 * returned yet: a hung server keeps them. */
SP_API uint32_t sp_abandoned_outputs(void);
/* Of those, the device opens given up on past their deadline (a frozen server holds them):
 * a caller that retries can wait for them instead of piling up more. */
SP_API uint32_t sp_hanging_opens(void);
/* out: SP_INFO_COUNT values. */
SP_API sp_result sp_engine_info(const sp_engine *engine, uint32_t *out);
/* The device's name and the backend's name, NUL-terminated, truncated to capacity. */
SP_API sp_result sp_engine_device_name(const sp_engine *engine, char *out, uint32_t capacity);
SP_API sp_result sp_engine_backend_name(const sp_engine *engine, char *out, uint32_t capacity);
/* out: SP_STATUS_COUNT values, all from the same block (one snapshot). Lock-free; safe at any
 * rate. */
SP_API sp_result sp_engine_status(const sp_engine *engine, uint64_t *out);
/* 0 .. SP_MAX_GAIN, ramped across the next block. Every output is then clamped to [-1, 1]
 * (see sp_output_clipped_read). */
SP_API sp_result sp_engine_set_master_gain(sp_engine *engine, float gain);
/* Varispeed (a sync follower's drift correction): the mixed output plays `ppm` parts per
 * million fast (+) or slow (-), within +-SP_MAX_VARISPEED_PPM, through a real-time resampler.
 * The first call turns the resampler on (seamlessly at 0 ppm); it stays on. */
#define SP_MAX_VARISPEED_PPM 1000.0
SP_API sp_result sp_engine_set_varispeed(sp_engine *engine, double ppm);
/* The heartbeat for redundancy switchers: a steady 1 kHz tone at `level` (0 < level <= 1)
 * on `output` (from 0), replacing what the mix had there, written by the callback itself so it
 * stops when the callback does; output -1 turns it off. Ramped over 10 ms. */
SP_API sp_result sp_engine_set_heartbeat(sp_engine *engine, int32_t output, float level);
/* The clock of SP_STATUS_CALLBACK_NS (CLOCK_MONOTONIC), in ns. */
SP_API uint64_t sp_clock_now_ns(void);
/* Runs exactly the callback's code for `frames` frames into `out` (interleaved, channels
 * wide), in chunks of block_frames like a device would. Offline engines only. */
SP_API sp_result sp_render(sp_engine *engine, float *out, uint32_t frames);

/* ---- pcm -------------------------------------------------------------------------------- */
/* Copies planar float32 audio (channel 0's frames, then channel 1's ...). */
SP_API sp_result sp_pcm_from_planar(const float *planar, uint32_t channels, uint64_t frames,
                                    sp_pcm **out_pcm);
SP_API void sp_pcm_free(sp_pcm *pcm);
/* A new pcm: `in` converted from rate_in to rate_out with the decoder's resampler (for audio
 * decoded elsewhere, e.g. by the optional decoder), round(frames x rate_out / rate_in) frames
 * long. Blocking: call it on a loading thread. */
SP_API sp_result sp_pcm_resample(const sp_pcm *in, uint32_t rate_in, uint32_t rate_out,
                                 sp_pcm **out_pcm);
/* ---- key and tempo (stretch.c, stretch_pcm.c; Rubber Band loaded at run time) ---------- */
enum { SP_STRETCH_FINER = 0, SP_STRETCH_FASTER = 1 }; /* Rubber Band's R3 and R2 engines */
/* 1 when librubberband.so.2 (3.0 or later; $STEMPLAY_RUBBERBAND overrides the name) loads. */
SP_API int32_t sp_stretch_available(void);
/* A new pcm: `in` from frame `start` on, played `speed` times as fast (0.5 ... 2) and
 * `pitch_scale` times as high, round((frames - start) / speed) frames long, Rubber Band's
 * latency compensated (its frame 0 is `start`). The same input always gives the same output.
 * SP_ERROR_NO_BACKEND: no Rubber Band. Blocking: call it on a loading thread. */
SP_API sp_result sp_pcm_stretch(const sp_pcm *in, uint32_t rate, double speed,
                                double pitch_scale, uint32_t engine, uint64_t start,
                                sp_pcm **out_pcm);
/* The file at `path` read the streaming reader's way (decoded and resampled to `rate` in
 * order from a frame), then as sp_pcm_stretch: the same frames as the file decoded whole and
 * stretched, bit for bit. Blocking: call it on a loading thread. */
SP_API sp_result sp_file_stretch(const char *path, uint32_t rate, double speed,
                                 double pitch_scale, uint32_t engine, uint64_t start,
                                 sp_pcm **out_pcm);
/* A streamed file (sp_file_source_open at `rate`, before heads are added or it is attached)
 * read from here on through a stretcher at `speed` and `pitch_scale`: the reader thread fills
 * its ring and heads stretched, and its length is round(frames / speed). Read from 0 on it
 * equals sp_pcm_stretch of the file decoded whole, bit for bit. SP_ERROR_NO_BACKEND: no
 * Rubber Band. */
SP_API sp_result sp_file_source_stretch(sp_file_source *source, uint32_t rate, double speed,
                                        double pitch_scale, uint32_t engine);
/* 1 when `source` reads through a stretcher (sp_file_source_stretch), else 0. */
SP_API int32_t sp_file_source_stretched(const sp_file_source *source);
/* As sp_pcm_stretch from 0, but at once: a new pcm of the song's stretched length (silent),
 * rendered by a thread of its own while the engine may already play it, first from song frame
 * `start` (its output frame round(start / speed)) to the end, then the part before. It takes
 * `in` (freed once the thread is done). A window not written yet plays as silence, counted as
 * starved. sp_pcm_free stops the thread first. SP_ERROR_NO_BACKEND: no Rubber Band. */
SP_API sp_result sp_pcm_stretch_progressive(sp_pcm *in, uint32_t rate, double speed,
                                            double pitch_scale, uint32_t engine, uint64_t start,
                                            sp_pcm **out_pcm);
/* out[0], out[1]: the output frames [from, to) written so far (0 and frames for any other
 * pcm); returns the render's error once it failed, else SP_OK. */
SP_API sp_result sp_pcm_fill_state(const sp_pcm *pcm, uint64_t *out);
/* Where a progressive render's time went (the key change bench), CLOCK_MONOTONIC ns, 0 for
 * "not yet" (all 0 for any other pcm): out[0] now, out[1] the fill started, out[2] its first
 * render's stretcher made, out[3] its first frame written; out[4] the CPU time its thread
 * had used by then, out[5] the CPU time it has used so far (0 once it is done). */
SP_API sp_result sp_pcm_fill_timing(const sp_pcm *pcm, uint64_t *out);
/* out: [frames, channels, bytes held]. */
SP_API sp_result sp_pcm_info(const sp_pcm *pcm, uint64_t *out);
/* Copies `frames` frames of one channel from `start` into out. */
SP_API sp_result sp_pcm_read_channel(const sp_pcm *pcm, uint32_t channel, uint64_t start,
                                     uint64_t frames, float *out);

/* ---- decoding (loading thread) ---------------------------------------------------------- */
/* sample_rate: the rate to resample to, 0 to keep the file's. Opens nothing yet. */
SP_API sp_result sp_decode_job_create(const char *path, uint32_t sample_rate,
                                      sp_decode_job **out_job);
/* Decodes the whole file. Blocking: call it on a loading thread, never the audio thread. */
SP_API sp_result sp_decode_job_run(sp_decode_job *job);
/* out: [frames decoded so far, frames expected (0 until known)]. Any thread, lock-free. */
SP_API void sp_decode_job_progress(const sp_decode_job *job, uint64_t *out);
/* out: [source sample rate, source channels]. Valid after run. */
SP_API void sp_decode_job_source(const sp_decode_job *job, uint32_t *out);
/* The container the file turned out to be ("WAV", "RF64", "AIFF", "AIFF-C", "FLAC", "MP3",
 * "Ogg Vorbis", ...; "" before run). Static: valid for the program's life. */
SP_API const char *sp_decode_job_format(const sp_decode_job *job);
/* A NUL-terminated detail for the last failure ("" if none). */
SP_API const char *sp_decode_job_error(const sp_decode_job *job);
/* Moves the decoded pcm out of a finished job; the job keeps nothing. */
SP_API sp_result sp_decode_job_take(sp_decode_job *job, sp_pcm **out_pcm);
SP_API void sp_decode_job_free(sp_decode_job *job);

/* Waveform overview (peaks.c, a loading thread): min and max per point of a file's seconds
 * [start, end) at its own rate; out holds channels x points mins, then as many maxes (room for
 * max_channels); info: [length in frames, channels, rate]. */
SP_API sp_result sp_peaks_file(const char *path, double start_seconds, double end_seconds,
                               uint32_t points, uint32_t max_channels, float *out, uint64_t *info,
                               char *detail, size_t size);

/* ---- streamed files (loading thread) ----------------------------------------------------- */
/* Opens a file to stream at sample_rate, with a ring of at least ring_frames frames (rounded up
 * to a power of two). Reads only the header: nothing is decoded until the engine's reader
 * thread fills the ring. SP_ERROR_FORMAT_UNAVAILABLE: this file is better decoded whole (no
 * known length, 8-bit samples, MP3, no longer than ring_frames, or a container only the
 * optional decoder reads). SP_ERROR_TRUNCATED: shorter than its header says.
 * detail receives why, NUL-terminated. Blocking: call it on a loading thread. ring_frames 0:
 * no ring, heads only (a cache of a song's first seconds, which sp_file_source_copy_heads hands
 * to the source that plays; it cannot be attached). */
SP_API sp_result sp_file_source_open(const char *path, uint32_t sample_rate, uint32_t ring_frames,
                                     sp_file_source **out_source, char *detail,
                                     uint32_t detail_capacity);
/* Keeps frames [start, start + frames) resident once the reader has decoded them (a "head":
 * the first seconds after a marker or a jump target), so a jump there never waits for the
 * ring. A head inside an existing one is not added again. Control thread, before or after
 * attach (while the track is attached). SP_ERROR_CAPACITY: 64 heads already. */
SP_API sp_result sp_file_source_add_head(sp_file_source *source, uint64_t start,
                                         uint32_t frames);
/* Whether a jump to `frame` would find a resident head there (sp_file_source_head_state). */
enum {
    SP_HEAD_STATE_NONE = 0,    /* no head holds it (none asked for, or it could not be read) */
    SP_HEAD_STATE_PENDING = 1, /* asked for, not decoded yet */
    SP_HEAD_STATE_READY = 2    /* decoded and resident (or past the end: nothing to play) */
};
/* out_state: an SP_HEAD_STATE_* for `frame`. Control thread, attached or not. */
SP_API sp_result sp_file_source_head_state(const sp_file_source *source, uint64_t frame,
                                           int32_t *out_state);
/* The readers decode the head holding `frame` before the file's other heads (a switch waits
 * for it, in a song not playing yet: the armed cue's head goes first only in its own song).
 * Control thread, attached or not. */
SP_API sp_result sp_file_source_want_head(sp_file_source *source, uint64_t frame);
/* Decodes every head not decoded yet, now, on the calling (loading) thread. Only for a source
 * no engine has (an attached source's heads are decoded by the engine's reader). */
SP_API sp_result sp_file_source_decode_heads(sp_file_source *source);
/* Copies every decoded head of `from` (the same file at the same rate) into `to`, resident at
 * once: a jump to one never waits for the reader. Control thread; `to` may be attached,
 * `from` must not be changing. SP_ERROR_INVALID_ARGUMENT: not the same length and channels. */
SP_API sp_result sp_file_source_copy_heads(sp_file_source *to, const sp_file_source *from);
/* Indices into sp_file_source_info()'s out-array. */
enum {
    SP_FILE_INFO_FRAMES = 0,      /* at the engine's rate */
    SP_FILE_INFO_CHANNELS = 1,
    SP_FILE_INFO_RING_BYTES = 2,  /* what the ring holds */
    SP_FILE_INFO_SOURCE_RATE = 3, /* the file's own rate */
    SP_FILE_INFO_HEAD_BYTES = 4,  /* what the heads hold */
    SP_FILE_INFO_COUNT = 5
};
/* out: SP_FILE_INFO_COUNT values. */
SP_API sp_result sp_file_source_info(const sp_file_source *source, uint64_t *out);
/* The container ("WAV", "FLAC", ...). Static: valid for the program's life. */
SP_API const char *sp_file_source_format(const sp_file_source *source);
/* Times the reader found the file shorter than its length or unreadable (it ended early: cut
 * short on disk after loading, or a read or seek failed): that track plays silence from there
 * (counted as starved) until it is sent somewhere the file still holds. Never reset. */
SP_API uint32_t sp_file_source_read_failures(const sp_file_source *source);
/* Before attach: the reader fills the ring from `frame` (clamped to the length) instead of
 * frame 0, and the track starts there (a key or tempo change while playing: the song prepared
 * again goes on at the playhead's place). SP_ERROR_INVALID_ARGUMENT: no ring (heads only), or
 * already attached. */
SP_API sp_result sp_file_source_start_at(sp_file_source *source, uint64_t frame);
/* What the ring holds, for the control side to wait on: out[0] 1 once the reader answered the
 * last request, out[1] the frame it was asked to hold from (frames before it may be gone),
 * out[2] the end of what is written, out[3] its capacity in frames, out[4] 1 when the answer is
 * that the file could not be read there. SP_ERROR_INVALID_ARGUMENT: no ring. */
SP_API sp_result sp_file_source_ring_state(const sp_file_source *source, uint64_t *out);
/* How many of the playing song's streamed tracks hold less than `quarters` (0 to 4) quarters of
 * their ring past where it is read (short of their file's end or an armed cue that leaves the
 * song), or wait for their ring to be started somewhere (right after a jump or a seek), as the
 * readers judge it: those are filled before any other ring, so rings a key change starts then
 * wait behind them (src/songs/change_start.ts). A track whose file could not be read is not
 * counted. */
SP_API sp_result sp_engine_rings_low(sp_engine *engine, uint32_t quarters, uint32_t *out_count);
SP_API void sp_file_source_free(sp_file_source *source);

/* ---- tracks ----------------------------------------------------------------------------- */
/* Like sp_track_attach, for a streamed file: the engine owns the source from here on, and its
 * reader thread starts filling the ring from frame 0 at once (before activation). */
SP_API sp_result sp_track_attach_file(sp_engine *engine, sp_file_source *source, uint32_t group,
                                      uint32_t *out_slot);
/* out: [bytes held by the rings of attached streamed tracks, their count, nanoseconds of CPU
 * the reader threads have used (all of them), heads, heads decoded]. */
SP_API sp_result sp_engine_stream_stats(sp_engine *engine, uint64_t *out);
/* The engine's reader threads (butler.c): 1 .. SP_MAX_READERS, SP_DEFAULT_READERS unless set.
 * They start with the first streamed track; set while they run, a new pool of `count` takes
 * over at once. SP_ERROR_INVALID_ARGUMENT outside the range (nothing changes). */
#define SP_MAX_READERS 8u
#define SP_DEFAULT_READERS 2u
SP_API sp_result sp_engine_set_readers(sp_engine *engine, uint32_t count);
/* Reserves a free slot for pcm in `group` (a song). On success the engine owns the pcm.
 * The slot is silent until sp_track_activate(); set its parameters first. */
SP_API sp_result sp_track_attach(sp_engine *engine, sp_pcm *pcm, uint32_t group,
                                 uint32_t *out_slot);
/* Publishes the slot to the audio thread (a command, applied at its next block). Into a song
 * that is sounding it ramps in from silence over a block; otherwise its parameters apply at
 * once. SP_ERROR_BUSY: the command ring is full. */
SP_API sp_result sp_track_activate(sp_engine *engine, uint32_t slot);
/* Takes the slot away from the audio thread (a command): a sounding track ramps out over the
 * next block, then the audio thread leaves the slot for good. SP_ERROR_BUSY: ring full. */
SP_API sp_result sp_track_deactivate(sp_engine *engine, uint32_t slot);
/* Frees a deactivated slot's pcm once the audio thread has left it; SP_ERROR_BUSY until then.
 * An engine with a reader thread (a streamed track was attached) returns SP_OK at once and its
 * reader frees the slot when the audio thread has left it (the slot is reusable after that).
 * Offline engines return SP_OK at once: a silent slot is freed then; a sounding one once the
 * next sp_render has ramped it out (at the next attach or release, or with the engine). */
SP_API sp_result sp_track_release(sp_engine *engine, uint32_t slot);
/* 0 .. SP_MAX_GAIN. */
SP_API sp_result sp_track_set_gain(sp_engine *engine, uint32_t slot, float gain);
SP_API sp_result sp_track_set_mute(sp_engine *engine, uint32_t slot, int32_t muted);
SP_API sp_result sp_track_set_solo(sp_engine *engine, uint32_t slot, int32_t solo);
/* buses.c. A protected track (on the in-ears bus) is never silenced by another track's solo. */
SP_API sp_result sp_track_set_protected(sp_engine *engine, uint32_t slot, int32_t on);
/* An output's own gain (a bus's level), 0 .. SP_MAX_GAIN, ramped across the next block like
 * every gain. output counts from 0. */
SP_API sp_result sp_output_set_gain(sp_engine *engine, uint32_t output, float gain);
/* bus_delay.c: an output's delay (a bus's delayMs), 0 .. sample rate frames (1 s). A change
 * while playing crossfades from the old delay to the new over 20 ms; 0 leaves the output as it
 * was, bit for bit. The first delay allocates the output's line (here, never in the callback). */
SP_API sp_result sp_output_set_delay(sp_engine *engine, uint32_t output, uint32_t frames);
/* A protected output keeps its level through show fades (sp_transport_fade). */
SP_API sp_result sp_output_set_protected(sp_engine *engine, uint32_t output, int32_t on);
/* Each output's highest peak since the last read (with the meters on), out[0 .. count). */
SP_API sp_result sp_output_peaks_read(sp_engine *engine, float *out, uint32_t count);
/* Samples the callback clamped to [-1, 1] on each output since the engine was made (a NaN
 * counts and plays as 0), out[0 .. count); outputs past the engine's channels read 0. The
 * clamp comes after the master gain, so the device never gets more than full scale. */
SP_API sp_result sp_output_clipped_read(const sp_engine *engine, uint64_t *out, uint32_t count);
/* gains: channels x outputs (row per track channel), count must equal that product, each
 * within -SP_MAX_GAIN .. SP_MAX_GAIN. Routing and pan are resolved into this matrix by the
 * caller. */
SP_API sp_result sp_track_set_route(sp_engine *engine, uint32_t slot, const float *gains,
                                    uint32_t count);

/* ---- transport (requests, consumed by the audio thread at the next block) --------------- */
/* Every request (transport, cues, fades, track activation) is a command in one ring that the
 * audio thread drains in order at the start of each block: requests apply in the order they
 * were made, each exactly once. A full ring (256 waiting) returns SP_ERROR_BUSY. */
SP_API sp_result sp_transport_play(sp_engine *engine);
SP_API sp_result sp_transport_pause(sp_engine *engine);
/* Pause and rewind to 0; reported as SP_STATE_STOPPED. */
SP_API sp_result sp_transport_stop(sp_engine *engine);
/* Jump to frame; while audible, fades out, jumps, fades in. Clears `ended`. */
SP_API sp_result sp_transport_seek(sp_engine *engine, uint64_t frame);
/* Switch the playing group (song) and jump to frame, as one request. A seek or stop made after
 * it, even before it was applied, jumps within the new song. */
SP_API sp_result sp_transport_switch(sp_engine *engine, uint32_t group, uint64_t frame);

/* ---- meters ----------------------------------------------------------------------------- */
/* Off by default: peak metering costs a pass over every block. */
SP_API sp_result sp_meters_set_enabled(sp_engine *engine, int32_t enabled);
/* Per slot, the highest peak since the last read, as it reached the outputs (after the
 * track's gains, declick, crossfade weights, fades and master gain); resets them. */
SP_API sp_result sp_meters_read(sp_engine *engine, float *out, uint32_t capacity);

/* ---- latency monitor -------------------------------------------------------------------- */
SP_API sp_result sp_monitor_set_enabled(sp_engine *engine, int32_t enabled);
SP_API int32_t sp_monitor_enabled(const sp_engine *engine);
SP_API sp_result sp_monitor_reset(sp_engine *engine);
/* Copies the newest min(capacity, window) slots: callback durations and start-to-start
 * intervals in ns, oldest first, dropping slots overwritten during the copy. counters gets
 * SP_MONITOR_COUNTER_COUNT values. *out_count is the number of slots copied. */
SP_API sp_result sp_monitor_read(const sp_engine *engine, uint32_t *durations_ns,
                                 uint32_t *intervals_ns, uint32_t capacity, uint64_t *counters,
                                 uint32_t *out_count);

/* ---- show flow -------------------------------------------------------------------------- */
/* Renders a mono metronome track of `frames` frames: a click on each beat frame, accented where
 * accents[b] is non-zero. It plays as an ordinary track (gain, mute, routing). */
SP_API sp_result sp_click_render(const uint64_t *beat_frames, const uint8_t *accents,
                                 uint32_t beats, uint64_t frames, uint32_t sample_rate,
                                 sp_pcm **out_pcm);

/* Renders a mono SMPTE linear timecode track (see ltc.c): fps_x100 is 2400, 2500, 2997 (29.97
 * drop-frame) or 3000; song frame 0 reads hour:00:00:00; first_frame is the song frame of the
 * track's first sample (negative: a pre-roll in the hour before); level is the peak, in (0, 1]. */
SP_API sp_result sp_ltc_render(uint32_t fps_x100, uint32_t hour, int64_t first_frame,
                               uint64_t frames, uint32_t sample_rate, float level,
                               sp_pcm **out_pcm);
/* As sp_ltc_render for a song at `speed` (0.25 .. 4): the track's frames are real time, its
 * codes song time (real frame r reads song frame r * speed); first_frame is in real frames. */
SP_API sp_result sp_ltc_render_speed(uint32_t fps_x100, uint32_t hour, int64_t first_frame,
                                     uint64_t frames, uint32_t sample_rate, float level,
                                     double speed, sp_pcm **out_pcm);

/* Arms the cue (replacing any): when the playing position reaches at_frame, play continues in
 * `group` from target_frame, crossfaded with equal power over crossfade_frames (0: a hard,
 * gapless cut; a cut into another group at a frame other than 0 is declicked over
 * SP_FADE_MS). repeat: re-arm after firing, for loops (target_frame must be at least
 * sp_min_loop_frames() before at_frame, else SP_ERROR_INVALID_ARGUMENT). A frame the
 * position is already past (a seek went over it, or "now") fires at once. A cue that fires
 * while a crossfade runs finishes that crossfade's old voice over SP_FADE_MS. */
SP_API sp_result sp_transport_cue(sp_engine *engine, uint64_t at_frame, uint32_t group,
                                  uint64_t target_frame, uint32_t crossfade_frames,
                                  int32_t repeat);
SP_API sp_result sp_transport_cancel_cue(sp_engine *engine);
/* A key or tempo change while playing: play moves to `group` (the current song prepared again
 * at another key and tempo) at the block boundary where the request is taken, at the same
 * musical place (position x from_speed / to_speed), the old key fading out under the new one
 * over crossfade_frames with equal-gain weights. Stopped or paused it moves there silently; a
 * seek still fading out lands at its mapped place. Speeds in 0.25 ... 4. */
SP_API sp_result sp_transport_retime(sp_engine *engine, uint32_t group, double from_speed,
                                     double to_speed, uint32_t crossfade_frames);
/* The shortest loop sp_transport_cue accepts: two declick seams (2 x SP_FADE_MS). */
SP_API uint32_t sp_min_loop_frames(const sp_engine *engine);
/* Equal-power fade of the whole mix over `frames`: direction 0 fades out, then holds silent
 * and paused until the next sp_transport_play; 1 fades in (from silence when not playing). */
SP_API sp_result sp_transport_fade(sp_engine *engine, int32_t direction, uint32_t frames);

/* ---- MIDI in (midi_in.c, midi_jack.c, midi_alsa.c; Linux only, else SP_ERROR_UNSUPPORTED) -- */
typedef struct sp_midi_in sp_midi_in;

/* One channel voice message as the input queued it: when it reached the backend (monotonic
 * ns), its length (2 or 3) and its bytes, and its frame within the JACK cycle that delivered it
 * (0 from ALSA). */
typedef struct sp_midi_event {
    uint64_t time_ns;
    uint8_t size;
    uint8_t bytes[3];
    uint32_t frame;
} sp_midi_event;

/* Indexes into the out-array of sp_midi_in_counters(). */
enum {
    SP_MIDI_RECEIVED = 0,  /* every message the backend delivered */
    SP_MIDI_QUEUED = 1,    /* channel voice messages queued for the control side */
    SP_MIDI_SYSEX = 2,     /* system exclusive, skipped */
    SP_MIDI_SYSTEM = 3,    /* system common and real-time (clock, active sensing), ignored */
    SP_MIDI_MALFORMED = 4, /* empty, no status byte, or the wrong length for its status */
    SP_MIDI_DROPPED = 5,   /* the queue was full (the control side fell behind) */
    SP_MIDI_COUNTER_COUNT = 6
};

/* Opens a JACK client named `client_name` (exactly: SP_ERROR_BUSY when taken) with a MIDI input
 * port `port_name`, loading libjack at run time; connects `connect_from` (a JACK output port
 * name) to it when not NULL. SP_ERROR_NO_BACKEND: no libjack or no server. SP_ERROR_DEVICE:
 * the port could not be registered or connected. */
SP_API sp_result sp_midi_in_open_jack(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi);
/* Registers a MIDI input port `port_name` on the engine's own JACK client (the one that plays
 * its audio), read by the audio callback in the same JACK cycle as the audio, and connects
 * `connect_from` to it when not NULL. SP_ERROR_NO_BACKEND when the engine does not play on
 * JACK, SP_ERROR_BUSY when it already has one, SP_ERROR_DEVICE when the port could not be
 * registered or connected. Close it before the engine is destroyed. */
SP_API sp_result sp_midi_in_open_engine(sp_engine *engine, const char *port_name,
                                        const char *connect_from, sp_midi_in **out_midi);
/* After the engine's device was reopened (a new JACK client): the port again on the new client,
 * connected again. SP_OK when nothing changed, or for an input of its own client. */
SP_API sp_result sp_midi_in_reattach(sp_midi_in *midi);
/* The input's full port name ("client:port") when the backend knows it (the engine's client),
 * else "". */
SP_API sp_result sp_midi_in_port_name(const sp_midi_in *midi, char *name, uint32_t capacity);
/* Opens an ALSA sequencer client `client_name` with a writable port `port_name`, loading
 * libasound at run time, and subscribes it to `connect_from` ("client:port" or a client name)
 * when not NULL. A reader thread fills the queue. Untested here (no /dev/snd). */
SP_API sp_result sp_midi_in_open_alsa(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi);
/* Waits until events are queued (or sp_midi_in_wake), then copies up to `capacity` of them,
 * oldest first. Blocks: call it from a loading thread (FFI nonblocking). */
SP_API sp_result sp_midi_in_wait(sp_midi_in *midi, sp_midi_event *events, uint32_t capacity,
                                 uint32_t *out_count);
/* Makes a waiting (or the next) sp_midi_in_wait return at once, and every later one too. */
SP_API sp_result sp_midi_in_wake(sp_midi_in *midi);
/* Copies SP_MIDI_COUNTER_COUNT counters. */
SP_API sp_result sp_midi_in_counters(const sp_midi_in *midi, uint64_t *counters);
/* Stops the backend and frees the input. No sp_midi_in_wait may be running (wake it first). */
SP_API void sp_midi_in_close(sp_midi_in *midi);
/* The clock event times are read from (monotonic ns), for latency measurements. */
SP_API uint64_t sp_midi_now_ns(void);

/* ---- MTC out (mtc.c; JACK on Linux only, else SP_ERROR_UNSUPPORTED) ----------------------- */
typedef struct sp_mtc sp_mtc;

/* Opens a MIDI output port `port_name` that sends MIDI timecode at fps_x100 (2400, 2500, 2997
 * drop-frame, 3000) for the engine's playing song: quarter frames while it plays, a full-frame message after every jump. Only groups mapped with
 * sp_mtc_map_song send timecode. The JACK server must run at the engine's rate
 * (SP_ERROR_FORMAT). When the engine plays on JACK the port is on the engine's own client,
 * written by the audio callback on the exact frame of the audio (SP_ERROR_BUSY when the engine
 * already has one); else on a JACK client of its own named `client_name` (exactly), following
 * the audio within about one JACK period. Connects the port to `connect_to` when not NULL.
 * Close it before the engine is destroyed. */
SP_API sp_result sp_mtc_open_jack(const sp_engine *engine, uint32_t fps_x100,
                                  const char *client_name, const char *port_name,
                                  const char *connect_to, sp_mtc **out_mtc);
/* Group `group` (a song) starts at hour:00:00:00. */
SP_API sp_result sp_mtc_map_song(sp_mtc *mtc, uint32_t group, uint32_t hour);
/* As sp_mtc_map_song for a song whose timeline runs at `speed` (0.25 .. 4, issue 24): its
 * quarter and full frames carry song time, timeline frame f reading song frame f * speed. */
SP_API sp_result sp_mtc_map_song_speed(sp_mtc *mtc, uint32_t group, uint32_t hour,
                                       double speed);
/* Forgets group `group` (a song prepared and dropped): its slot is free for the next song. */
SP_API sp_result sp_mtc_unmap_song(sp_mtc *mtc, uint32_t group);
/* Moves the timecode against the audio by offset_frames (> 0 late, < 0 early; |offset| < 2^32). */
SP_API sp_result sp_mtc_set_offset(sp_mtc *mtc, int64_t offset_frames);
/* counters[0]: full-frame messages sent, counters[1]: quarter frames sent. */
SP_API sp_result sp_mtc_counters(const sp_mtc *mtc, uint64_t *counters);
/* After the engine's device was reopened: the port again on the engine's new client. */
SP_API sp_result sp_mtc_reattach(sp_mtc *mtc);
/* The port's full name ("client:port"), NUL-terminated, cut to capacity. */
SP_API sp_result sp_mtc_port_name(const sp_mtc *mtc, char *name, uint32_t capacity);
SP_API void sp_mtc_close(sp_mtc *mtc);

/* ---- MIDI out (midi_out.c, rt/midi_out_rt.c; JACK on Linux only) -------------------------- */
typedef struct sp_midi_out sp_midi_out;

/* Registers a MIDI output port `port_name` on the engine's own JACK client (the one that plays
 * its audio), written by the audio callback in the same JACK cycle as the audio, with frame
 * offsets: MIDI clock (24 ppqn) for groups mapped with sp_midi_out_map_song, Start, Continue,
 * Stop and Song Position Pointer. SP_ERROR_NO_BACKEND when the engine does not play on JACK,
 * SP_ERROR_BUSY when the engine already has one. Close it before the engine is destroyed. */
SP_API sp_result sp_midi_out_open_jack(sp_engine *engine, const char *port_name,
                                       sp_midi_out **out_midi);
/* After the engine's device was reopened (a new JACK client): registers the port again on
 * the new client (its connections are gone with the old one). SP_OK when nothing changed. */
SP_API sp_result sp_midi_out_reattach(sp_midi_out *out);
/* Connects the port to a JACK MIDI input port (already connected is fine): SP_ERROR_DEVICE
 * when there is no such port. */
SP_API sp_result sp_midi_out_connect(sp_midi_out *out, const char *destination);
/* The port's full name ("client:port"), NUL-terminated, cut to capacity. */
SP_API sp_result sp_midi_out_port_name(const sp_midi_out *out, char *name, uint32_t capacity);
/* Group `group`'s tempo map: `count` segments of 3 doubles {start seconds, seconds per clock
 * tick, index of the segment's first tick counted from the song's first downbeat}; and its
 * messages: `event_count` of them in frame order, message e on song frame event_frames[e],
 * event_sizes[e] bytes taken in turn from `bytes` (byte_count in all). Replaces what the group
 * had; waits until the audio callback no longer reads the old one. */
SP_API sp_result sp_midi_out_map_song(sp_midi_out *out, uint32_t group, const double *segments,
                                      uint32_t count, const int64_t *event_frames,
                                      const uint32_t *event_sizes, uint32_t event_count,
                                      const unsigned char *bytes, uint32_t byte_count);
/* Forgets group `group`'s map (a count-in that is over), freeing its slot. */
SP_API sp_result sp_midi_out_unmap_song(sp_midi_out *out, uint32_t group);
/* Clock on or off, and the offset of every message against its audio in frames (> 0 later). */
SP_API sp_result sp_midi_out_set(sp_midi_out *out, int32_t clock_on, int64_t offset_frames);
/* Copies 7 counters: clock ticks, Starts, Continues, Stops, song position pointers sent,
 * messages dropped for a full port buffer, and the songs' own messages sent. */
SP_API sp_result sp_midi_out_counters(const sp_midi_out *out, uint64_t *counters);
/* The last song message sent and the song frame it belongs to, as one snapshot (never the
 * message of one write with the frame of another): last[0] its length (up to 3) << 24 |
 * byte0 << 16 | byte1 << 8 | byte2, 0 before any; last[1] the frame, -1 before any. */
SP_API sp_result sp_midi_out_last(const sp_midi_out *out, int64_t *last);
SP_API void sp_midi_out_close(sp_midi_out *out);

/* ---- test hooks (only with -DSP_TEST_HOOKS) --------------------------------------------- */
/* Makes every callback busy-wait until it has lasted ns nanoseconds (wall time), to give the
 * monitor a known load. */
SP_API sp_result sp_test_set_spin_ns(sp_engine *engine, uint32_t ns);
/* Makes every callback burn ns nanoseconds of its thread's CPU time after its work, so a
 * pause of the thread adds to the callback's duration in full. */
SP_API sp_result sp_test_set_cpu_load_ns(sp_engine *engine, uint32_t ns);
/* Pauses the engine's reader thread (no ring or head is filled while paused), and makes an
 * offline render stop waiting for it (it then starves like the audio thread would). */
SP_API sp_result sp_test_set_streaming(sp_engine *engine, int32_t reader_paused,
                                       int32_t offline_waits);
/* Lets the paused reader take `add` more rounds, each as the reader's loop takes it (every
 * urgent ring of the song playing a chunk, else every urgent ring's, else a head ...); out_left:
 * the rounds still to take, the one under way included. Meant for a pool of one reader. */
SP_API sp_result sp_test_reader_steps(sp_engine *engine, int32_t add, int32_t *out_left);
/* Song frames fed to every stretcher of the process so far (what key and tempo rendered). */
SP_API sp_result sp_test_stretch_fed(uint64_t *out_frames);

#ifdef __cplusplus
}
#endif
#endif
