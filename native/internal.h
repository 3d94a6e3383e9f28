/* internal.h: the structs shared by the shim's files. Not part of the ABI.
 *
 * Where code runs is told by its path: native/rt/ is the audio thread's code (and what any
 * real-time thread may call: no allocation, locks, waits or I/O); everything else in native/
 * runs on the control, reader or helper threads. */
#ifndef STEMPLAY_INTERNAL_H
#define STEMPLAY_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "miniaudio.h"
#include "rt/seqlock.h"
#include "rt/spsc.h"
#include "stemplay.h"

/* The audio thread must never reach these; they are only reached from control functions. */
#define SP_CHECK(cond, code) \
    do { \
        if (!(cond)) return (code); \
    } while (0)

/* Planar float32 audio: channel c starts at data + c * frames. */
typedef struct sp_fill sp_fill;
struct sp_pcm {
    float *data;
    uint64_t frames;
    uint32_t channels;
    /* Rendered while it plays (stretch_fill.c), else NULL: frames [fill_from, fill_to) are
     * written (its thread stores them with release; fill_from only ever falls, once, to 0) */
    sp_fill *fill;
    _Atomic uint64_t fill_from, fill_to;
};
/* stretch_fill.c: stops the fill's thread (at its next chunk), joins it, frees what it owns */
void sp_fill_free(sp_fill *fill);

/* Slot life cycle, owned by the control side. The audio side learns of activation and
 * deactivation through the command ring (commands.c). */
enum { SLOT_FREE = 0, SLOT_RESERVED, SLOT_LIVE, SLOT_RETIRING };
/* A retired slot's free: not handed; handed to the reader; claimed by one side (which frees it,
 * the reader under its lock); freed by the reader (control then marks the slot free). */
enum { SP_HANDED_NO = 0, SP_HANDED_YES, SP_HANDED_CLAIMED, SP_HANDED_FREED };

/* resample.c: the greatest common divisor (rational rate ratios) */
uint32_t sp_gcd(uint32_t a, uint32_t b);

#include "streaming.h" /* rings, streams and heads */

/* ---- source.c, rt/source_rt.c: where a track's frames come from -------------------------- */
enum { SP_SOURCE_NONE = 0, SP_SOURCE_MEMORY = 1, SP_SOURCE_STREAM = 2 };

typedef struct sp_source sp_source;
struct sp_source {
    int32_t kind;      /* SP_SOURCE_* */
    uint32_t channels;
    uint64_t frames;   /* the track's length */
    sp_pcm *pcm;       /* SP_SOURCE_MEMORY: owned */
    sp_file_source *file; /* SP_SOURCE_STREAM: owned */
    /* offline engines' streamed sources only (never a device's): the render's wait for the
     * butler (offline.c's sp_offline_wait): whether to look again */
    bool (*offline_wait)(sp_source *source, uint64_t pos, int voice);
    bool busy;         /* under the butler's lock: it is reading the file (not to be freed) */
};

/* Frames the callback reads in place: channel c's first frame at data + c * stride. */
struct sp_window {
    const float *data;
    uint64_t stride;
    uint32_t frames; /* contiguous frames from the position asked, 1..count */
    uint32_t ahead;  /* frames that follow the window in the same layout (a prefetch hint) */
};

/* control: the source plays pcm and owns it from here on */
void sp_source_init_memory(sp_source *source, sp_pcm *pcm);
/* control: frees what the source owns; the audio side must have left it */
void sp_source_free(sp_source *source);
/* Who reads a source: the main voice, which steers a streamed track's ring; the main voice
 * while a crossfade of its own song runs (resident heads only: the fading voice has the ring);
 * a fading voice (the ring where it already is, or heads; it never moves the ring). */
enum { SP_VOICE_MAIN = 0, SP_VOICE_HEADS, SP_VOICE_TAIL };
/* audio: the first contiguous run of frames [pos, pos + count) for `voice`, or false when not
 * ready (the track is silent for the rest of the block). Never waits. */
bool sp_source_window(sp_source *source, uint64_t pos, uint32_t count, sp_window *window,
                      int voice);
/* audio: whether frame pos can play now (memory: always; past the end: nothing to wait for).
 * A streamed source that lacks it asks its ring for it. */
bool sp_source_ready(sp_source *source, uint64_t pos);
/* audio: the head of file that holds pos, is in `state` (SP_HEAD_*) and reaches furthest */
const sp_head *sp_file_source_head_at(const sp_file_source *file, uint64_t pos, int32_t state);
/* audio: whether the reader's last request for file's ring failed (its seek) */
bool sp_file_source_request_failed(sp_file_source *file);

/* ---- offline.c: what only an offline render does (control side, never the audio thread) -- */
extern _Atomic int32_t sp_test_no_wait; /* test hook (sp_test_set_streaming) */
/* waits briefly for the reader when what the source lacks is on its way; whether to look again */
bool sp_offline_wait(sp_source *source, uint64_t pos, int voice);
/* offline engines: drains the command ring on the control thread (the one that renders) */
void sp_offline_drain(sp_engine *engine);
/* sp_render's blocks */
void sp_offline_render(sp_engine *engine, float *out, uint32_t frames);
/* control: the source streams file and owns it from here on */
void sp_source_init_stream(sp_source *source, sp_file_source *file, bool may_wait);

/* ---- unload.c: open engines, whose threads stop when the library unloads ----------------- */
void sp_live_add(sp_engine *engine);
void sp_live_remove(sp_engine *engine);
/* engine.c: the device torn down (under its deadline) and the reader stopped; memory kept */
void sp_engine_stop_threads(sp_engine *engine);

/* ---- butler.c: the engine's reader threads (a pool) ------------------------------------- */
typedef struct sp_butler sp_butler;
/* control: the slot's source becomes `source` under the butler's lock (a streamed source
 * starts the butler) */
sp_result sp_butler_attach(sp_engine *engine, sp_source *slot_source, const sp_source *source);
/* control: frees a source the audio side has left, under the butler's lock */
void sp_butler_free_source(sp_engine *engine, sp_source *source);
sp_result sp_butler_start(sp_engine *engine); /* control: once; later calls do nothing */
void sp_butler_stop(sp_engine *engine);
/* control: keeps the reader thread off the slots (e.g. while reading their sources) */
void sp_butler_lock(sp_engine *engine);
void sp_butler_unlock(sp_engine *engine);
uint64_t sp_butler_busy_ns(const sp_engine *engine);
/* The frame of `group` the last armed cue lands on, not fired yet; UINT64_MAX: none */
uint64_t sp_butler_cue_head(sp_engine *engine, uint32_t group);

typedef struct sp_slot {
    /* control-owned */
    int32_t lifecycle;

    /* written by control before its activation is pushed, then read-only for the audio side */
    sp_source source;
    uint32_t group;

    /* control -> audio: parameters (levels the callback ramps to, not requests) */
    _Atomic float gain;
    _Atomic int32_t muted;
    _Atomic int32_t solo;
    _Atomic int32_t protected_track; /* on a protected bus: a solo never silences it */
    _Atomic float *route; /* channels x device channels, preallocated at engine creation */

    /* audio -> control */
    _Atomic float peak;       /* the highest output peak since the last read (atomic max) */
    _Atomic int32_t released; /* the audio side has left the slot for good: it may be freed */

    /* control <-> butler: SP_HANDED_*, the free of a retired slot handed to the reader thread
     * (sp_track_release while the audio side was still on the slot) */
    _Atomic int32_t handed;

    /* audio-owned: the per-(channel, output) gain reached at the end of the last block, and
     * the target of the current block. Preallocated, SP_MAX_CHANNELS x device channels. */
    float *applied;
    float *target;
    bool on;      /* activated and not deactivated, as the commands drained so far say */
    bool snap;    /* take the targets at once on the next scan (activated while silent) */
    bool leaving; /* deactivated while sounding: ramps to silence this block, then off */
    bool mixing;  /* on and in a sounding group, as seen at the last scan */
    bool ramp_in; /* activated into a sounding group: ramps from silence, never snaps */
    float block_peak; /* this block's peak before the block-wide gains (fade, master) */
} sp_slot;

/* Latency monitor: a fixed ring inside the engine. Only the audio side writes the ring and
 * counters; the control side reads them (seqlock on write_index) and keeps its own bases for
 * reset, so nothing is ever written by both. */
typedef struct sp_monitor {
    _Atomic int32_t enabled;
    _Atomic uint64_t write_begun; /* slots begun: a reader drops slots a write has reached */
    _Atomic uint64_t write_index; /* slots done; only grows; also the count of timed callbacks */
    _Atomic uint64_t overruns;
    _Atomic uint32_t durations_ns[SP_MONITOR_SLOTS];
    _Atomic uint32_t intervals_ns[SP_MONITOR_SLOTS];
    /* audio-owned: start time and block number of the last timed block. Comparing block
     * numbers (not clearing a flag) keeps the off path free of stores. */
    uint64_t last_start_ns;
    uint64_t last_block;
    _Atomic uint32_t spin_ns;     /* test hook: wall-time busy-wait */
    _Atomic uint32_t cpu_load_ns; /* test hook: CPU-time busy-wait */
    /* control-owned reset bases */
    uint64_t base_index, base_overruns;
} sp_monitor;

/* One voice fading out while the main voice fades in (a crossfaded cue). Weights over its
 * n frames, frame k: in = in_from + (1 - in_from) sin(a), out = out_from cos(a), a = k/n pi/2.
 * A fresh tail has in_from 0 and out_from 1; a tail cut short by a later cue continues from
 * the weights it had, over the declick length. */
typedef struct sp_tail {
    bool active;
    uint32_t group;
    uint64_t pos;
    uint32_t done, total;
    float in_from, out_from;
    uint64_t started; /* fire count when it began: newer tails nest inside older ones */
    bool linear;      /* equal-gain weights: the same music at another key (rt/retime_rt.c) */
    float *mix;       /* block_frames x channels, preallocated */
} sp_tail;

/* A cue shortens running tails to the declick length, so two suffice: a cue that needs a third
 * waits at most that long for one to finish (sp_show_cue_due). */
#define SP_MAX_TAILS 2u

/* Show flow (show.c, rt/show_rt.c): one armed cue, a jump at an exact frame that may repeat
 * (marker jumps, loops, gapless and crossfaded song transitions); the voices fading out while
 * crossfades run; and an equal-power fade of the whole mix. All audio-owned: requests arrive as commands. */
typedef struct sp_show {
    uint32_t cue_seq; /* the seq of the cue (or cancel) taken last */
    uint32_t fired_cue_seq;
    bool cue_armed, cue_repeat;
    uint64_t cue_at_frame, cue_target_frame;
    uint32_t cue_to_group, cue_fade_frames;
    uint64_t fires;
    sp_tail tails[SP_MAX_TAILS];
    float *tail_mix; /* SP_MAX_TAILS x block_frames x channels, preallocated */
    int32_t fade_dir;
    uint32_t fade_total, fade_done;
    float fade_level, fade_from;
    float fade_peak; /* the highest fade level of the last block, for the meters */
    float protect_applied[SP_MAX_CHANNELS]; /* per output: 1 protected, as the last block ended */
    bool faded_out;  /* a fade-out finished: silent and paused until the next play */

    /* control-owned */
    uint32_t control_cue_seq;
} sp_show;

/* What the transport is asked to do. */
enum { RUN_STOP = 0, RUN_PLAY = 1, RUN_PAUSE = 2 };

/* ---- commands.c, rt/commands_rt.c: the one control -> audio request path ----------------- *
 * A single-producer single-consumer ring of fixed-size commands (rt/spsc.h), drained in order
 * at the start of every block. A full ring refuses with SP_ERROR_BUSY. */
enum {
    SP_COMMAND_PLAY = 1,
    SP_COMMAND_PAUSE,
    SP_COMMAND_STOP,       /* pause and rewind to 0 of the group playing when applied */
    SP_COMMAND_SEEK,       /* frame, in the group playing when applied */
    SP_COMMAND_SWITCH,     /* group, frame */
    SP_COMMAND_CUE,        /* frame = at, group, target, length = crossfade, flags, seq */
    SP_COMMAND_CANCEL_CUE, /* seq */
    SP_COMMAND_FADE,       /* flags = direction (0 out, 1 in), length = frames */
    SP_COMMAND_ACTIVATE,   /* group = the slot's index */
    SP_COMMAND_DEACTIVATE, /* group = the slot's index */
    SP_COMMAND_RETIME      /* group, frame/target = old/new speed (x 2^40), length = crossfade */
};
enum { SP_COMMAND_REPEAT = 1 };

typedef struct sp_command {
    uint16_t type;
    uint16_t flags;
    uint32_t group;
    uint64_t frame;
    uint64_t target;
    uint32_t length;
    uint32_t seq;
} sp_command;

#define SP_COMMAND_SLOTS 256u /* power of two; a control burst never comes near it */

typedef struct sp_command_ring {
    sp_command items[SP_COMMAND_SLOTS];
    sp_spsc ring; /* over items: control pushes, audio pops */
} sp_command_ring;

/* ---- status.c, rt/status_rt.c: one snapshot of the audio side, under the seqlock --------- */
typedef struct sp_status_board {
    _Atomic uint32_t seq; /* odd while the audio side writes */
    _Atomic uint64_t values[SP_STATUS_COUNT];
} sp_status_board;

/* A device and its context, allocated apart from the engine: a dead one is handed to a thread
 * that may block in ma_device_uninit forever, while the engine lives on with a new one. */
typedef struct sp_output {
    ma_context context;
    ma_device device;
    bool has_context, has_device;
    /* What the device itself offers, behind any conversion (a sound server's own remix) */
    ma_device_info info;
    bool has_info;
    sp_engine *engine;           /* set before the device starts */
    _Atomic int32_t detached;    /* control -> audio: never touch the engine again */
    _Atomic int32_t in_callback; /* audio -> control: the callback may be touching the engine */
    _Atomic int32_t fade_out;    /* control -> audio: fade the next callback out, then silence */
    _Atomic int32_t silent;      /* audio -> control: faded out; plays silence from now on */
    /* Which output this is, unique in the process (set before it starts): a reopened JACK
     * device's new client may get the old one's address, so engine_port.c tells them apart by
     * this, not by the address. */
    uint32_t generation;
} sp_output;

/* Runs work(arg) on a helper thread and waits for it at most deadline_ms. Returns its result,
 * or SP_ERROR_TIMEOUT: then give_up(arg) runs at once on the caller's thread, and late(arg)
 * runs on the helper thread if work ever returns (to free what it made). Either hook may be
 * NULL. deadline_ms 0: hand the work off without waiting. */
sp_result sp_run_with_deadline(sp_result (*work)(void *), void (*give_up)(void *),
                               void (*late)(void *), void *arg, uint32_t deadline_ms);
/* Helper threads given up on that have not returned. */
uint32_t sp_stuck_threads(void);
/* deadline.c: names the calling thread ("sp-reader", "sp-deadline", "sp-midi-in") where the
 * platform can; a no-op elsewhere. */
void sp_thread_name(const char *name);

/* varispeed.c, rt/varispeed_rt.c: the follower's variable-ratio output stage. */
typedef struct sp_varispeed {
    _Atomic double ppm;   /* control -> audio */
    _Atomic int32_t on;   /* control -> audio: once set, stays */
    bool active;          /* audio-owned: the resampler runs */
    float *buf;           /* interleaved input frames, allocated with the engine */
    uint32_t have;        /* frames in buf */
    double t;             /* read position in buf (>= 1) */
} sp_varispeed;
/* heartbeat.c, rt/heartbeat_rt.c: the tone a redundancy switcher watches. */
typedef struct sp_heartbeat {
    _Atomic int32_t output; /* control -> audio: the output (from 0), -1 off */
    _Atomic float level;    /* control -> audio */
    uint32_t channel;       /* audio-owned: the output it ramps on (kept while ramping off) */
    float applied;          /* audio-owned: the ramp */
    float top;              /* audio-owned: the last level on (the ramp's full height) */
    double phase;           /* audio-owned */
} sp_heartbeat;
/* bus_delay.c, rt/bus_delay_rt.c: one output's delay line (a bus's delayMs). */
typedef struct sp_output_delay {
    _Atomic(float *) line;          /* control -> audio, set once, freed with the engine */
    uint32_t mask;                  /* the line's frames - 1, written before line */
    _Atomic uint32_t target_frames; /* control -> audio */
    uint32_t current, previous;     /* audio-owned: the delay, and the one fading out */
    uint32_t xfade_done, xfade_total; /* audio-owned: 0 total: no crossfade running */
    uint64_t written;               /* audio-owned: frames written into the line */
    uint32_t fade_in;               /* audio-owned: the line's first frames still ramped in */
    float last;                     /* audio-owned: before the line, the last block's last sample */
} sp_output_delay;
void sp_output_delays_apply(sp_engine *engine, uint32_t frames); /* audio: the mix, per output */
void sp_output_delays_free(sp_engine *engine);                   /* control: engine free */
void sp_output_delays_clear(sp_engine *engine); /* control, no callback running: a reopen */
void sp_heartbeat_write(sp_engine *engine, float *out, uint32_t frames);
sp_result sp_varispeed_allocate(sp_engine *engine);
void sp_varispeed_free(sp_engine *engine);

struct sp_engine {
    /* fixed at creation */
    bool offline;
    sp_output *output; /* the device; NULL offline, and after a loss until reopened */
    uint32_t sample_rate, channels, block_frames, capacity;
    uint32_t fade_frames;
    char device_name[256];
    char backend_name[64];
    sp_slot *slots;
    float *mix; /* block_frames x channels, planar: output o at mix + o * block_frames */

    /* control -> audio */
    sp_command_ring commands;
    _Atomic float master_gain;
    _Atomic int32_t meters_enabled;

    /* audio -> control */
    sp_status_board status;
    _Atomic uint64_t blocks_begun; /* the block number (monitor) */

    /* audio-owned transport */
    int32_t run;   /* RUN_* */
    bool metering; /* meters_enabled, read once per block */
    uint64_t pos;
    uint32_t group;
    bool is_ended;
    bool jump_pending;
    uint64_t jump_frame;
    uint32_t jump_group; /* SP_GROUP_CURRENT: the group playing when the jump applies */
    float envelope; /* declick fade, 0..1 */
    float master_applied;
    uint64_t song_frames; /* longest live track of `group`, refreshed at every scan */
    uint32_t scanned_groups[1 + SP_MAX_TAILS]; /* the groups the last scan mixed */
    uint32_t scanned_count;
    uint64_t scans; /* full scans of the track table so far (a test reads it) */
    /* The songs (groups) that have a soloed track, among those that can sound in this block;
     * read once per block, at the full scan. Solo acts within its own song. */
    uint32_t solo_groups[SP_MAX_TAILS + 3];
    uint32_t solo_count;

    /* buses.c: per-output gain (a bus's own level) and the protected flag the show fade
     * skips. control -> audio; output_applied is audio-owned (the ramp's start). */
    _Atomic float output_gain[SP_MAX_CHANNELS];
    _Atomic int32_t output_protected[SP_MAX_CHANNELS];
    float output_applied[SP_MAX_CHANNELS];
    _Atomic float output_peak[SP_MAX_CHANNELS]; /* audio -> control, with the meters on */
    /* audio -> control: samples clamped to [-1, 1] per output, a running total (only the
     * audio side writes it). */
    _Atomic uint64_t output_clipped[SP_MAX_CHANNELS];
    sp_output_delay output_delay[SP_MAX_CHANNELS]; /* bus_delay.c */

    sp_monitor monitor;
    sp_show show;
    sp_varispeed varispeed;
    sp_heartbeat heartbeat;
    uint64_t callback_ns;  /* audio-owned: when the device callback began (status) */
    uint64_t callback_pos; /* audio-owned: the frame its first output plays (status) */
#ifdef SP_TEST_HOOKS
    void (*drain_hook)(sp_engine *engine); /* test hook: called after each command drained */
    /* test hook: every device callback's buffer (interleaved), with the device it is for */
    void (*device_tap)(const void *device, const float *out, uint32_t frames, uint32_t channels);
#endif

    /* streaming: the reader thread (control-owned pointer), and the audio side's count of
     * track-blocks a ring could not fill (published in the status) */
    sp_butler *butler;
    uint32_t reader_count; /* control-owned: sp_engine_set_readers, 0: SP_DEFAULT_READERS */
    sp_engine *live_next; /* unload.c's list of open engines */
    _Atomic int32_t butler_paused; /* test hook: the reader does nothing while set */
    _Atomic int32_t butler_steps;  /* test hook: rounds a paused reader still takes */
    /* control -> butler: where the last armed cue lands (its frame + 1, 0: none yet, and its
     * group): the readers decode the head there before any other (butler.c). Two stores, not
     * one: a reader that sees a torn pair only decodes another head first, once. */
    _Atomic uint64_t cue_head_frame;
    _Atomic uint32_t cue_head_group;
    /* ... and that cue's seq (control), and the last one-off cue's that fired (audio): equal,
     * the jump is made and the hint void (a seq, not the frame: the same jump armed again) */
    _Atomic uint32_t cue_head_seq, cue_fired_seq;
    /* audio -> butler: the group playing at the end of the last block; the readers fill its
     * rings before those of a song being prepared (butler.c) */
    _Atomic uint32_t sounding_group;
    /* audio -> butler: the crossfade tails' groups + 1 (0: none), heard as the playing one */
    _Atomic uint32_t sounding_tails[SP_MAX_TAILS];
    /* audio -> butler: sp_show_heard_until after each block, its drain and a fired cue: the
     * playing group's rings are not filled from there (frames no one hears, stretched perhaps,
     * while the jump's heads wait for the readers) */
    _Atomic uint64_t sounding_until;
    uint64_t starved;
    /* midi_out.c: the MIDI out port's state, or NULL (control sets it, audio reads it) */
    _Atomic(sp_midi_out *) midi_out;
    /* midi_in_engine.c, mtc.c: MIDI in and MTC on the engine's own JACK client, or NULL */
    _Atomic(sp_midi_in *) midi_in;
    _Atomic(sp_mtc *) mtc;
    /* rt/device_rt.c -> engine_port.c: device callbacks inside the engine now (past their
     * output's detached check). On the engine, not the output: a port's close waits on it
     * while a reopen frees the output (sp_engine_wait_for_callback). */
    _Atomic uint32_t callbacks_inside;
};

/* rt/device_rt.c: miniaudio's data callback, and the block loop it and sp_render run */
void sp_data_callback(ma_device *device, void *buffer, const void *input, ma_uint32 frames);
void sp_render_blocks(sp_engine *engine, float *out, uint32_t frames);
/* rt/varispeed_rt.c: a device callback's or offline render's whole output (through the
 * varispeed resampler once it is on). */
void sp_render_output(sp_engine *engine, float *out, uint32_t frames);

/* rt/callback.c: the audio thread's whole work for one block of `frames` frames into `out`
 * (interleaved). frames must be <= block_frames. */
void sp_process_block(sp_engine *engine, float *out, uint32_t frames);

/* rt/mix.c: kernels. dst never overlaps a source. */
void sp_mix_constant(float *dst, const float *src, uint32_t frames, float gain);
void sp_mix_ramp(float *dst, const float *src, uint32_t frames, float start, float step);
void sp_mix_pair_constant(float *dst, const float *src_a, const float *src_b, uint32_t frames,
                          float gain_a, float gain_b);
void sp_mix_pair_ramp(float *dst, const float *src_a, const float *src_b, uint32_t frames,
                      float start_a, float step_a, float start_b, float step_b);
float sp_peak_abs(const float *src, uint32_t frames);
void sp_prefetch(const float *src, uint32_t frames);
/* offline.c (sp_render; miniaudio does the same around a device's callback): flush denormals
 * to zero on this thread (x86-64: MXCSR FTZ and DAZ); returns the previous state for
 * sp_denormals_restore. A no-op elsewhere. */
uint32_t sp_denormals_off(void);
void sp_denormals_restore(uint32_t saved);

/* rt/monitor_rt.c */
uint64_t sp_monitor_now_ns(void);
void sp_monitor_record(sp_engine *engine, uint64_t block, uint64_t start_ns, uint32_t frames);
#ifdef SP_TEST_HOOKS
void sp_test_spin(sp_engine *engine, uint64_t start_ns);
#endif

/* A jump's group meaning "whatever group is playing when the audio side applies it". */
#define SP_GROUP_CURRENT 0xffffffu
#define SP_MAX_FRAME ((1ull << 40) - 1u)

/* rt/callback.c: raises a track or output meter to peak (atomic max, so a reader's exchange is
 * never lost), audio side */
void sp_peak_raise(_Atomic float *meter, float peak);

/* commands.c (control), rt/commands_rt.c (audio) */
void sp_commands_init(sp_engine *engine);                                /* control, once */
sp_result sp_command_push(sp_engine *engine, const sp_command *command); /* control */
/* audio: the write index a drain stops at (read once per drain), then one command at a time
 * up to it */
uint32_t sp_command_drain_end(sp_engine *engine);
bool sp_command_pop(sp_engine *engine, sp_command *command, uint32_t end);

/* rt/status_rt.c (audio, and a real-time reader's one try), status.c (control) */
void sp_status_publish(sp_engine *engine, const uint64_t *values);   /* audio */
bool sp_status_try_read(const sp_engine *engine, uint64_t *out);     /* any: false if torn */
void sp_status_read(const sp_engine *engine, uint64_t *out);         /* control: retries */

/* pcm.c */
sp_result sp_pcm_alloc(uint32_t channels, uint64_t frames, sp_pcm **out_pcm);
/* As sp_pcm_alloc, its data zeroed. */
sp_result sp_pcm_alloc_silent(uint32_t channels, uint64_t frames, sp_pcm **out_pcm);

/* A header below this rate is lying, and resampling it up would turn a few bytes into
 * gigabytes; above it no interface runs. */
#define SP_MIN_SAMPLE_RATE 1000u
#define SP_MAX_SAMPLE_RATE 768000u

/* header.c: SP_ERROR_FORMAT (with why, in detail) for a rate or channel count stemplay does
 * not play, else SP_OK. */
sp_result sp_check_format(uint32_t rate, uint32_t channels, char *detail, size_t size);

/* header.c: the container from the first bytes (its name, e.g. "AIFF-C", in *name, a static
 * string), what a WAV, AIFF or FLAC header claims (rate, channels, data size) checked against
 * the file, and the file's size in bytes. On failure, detail says why; a container only the
 * optional decoder reads gives SP_ERROR_FORMAT_UNAVAILABLE with its name as the detail. */
sp_result sp_inspect_file(const char *path, ma_encoding_format *format, const char **name,
                          uint64_t *out_size, uint32_t *quirks, char *detail, size_t size);
/* dst[i] = -src[i * stride] for i < frames, with 0 - x so that silence stays +0 (stream.c:
 * undoes SP_QUIRK_AIFF_G711; negation is exact, also after the linear resampler) */
void sp_negate_strided(float *dst, const float *src, uint32_t stride, uint64_t frames);
/* peaks_wav.c: sp_peaks_file's points [0, points) of a plain PCM WAV read straight from its
 * data chunk, or false (nothing written) to leave the file to the decoder */
bool sp_peaks_wav(const char *path, uint64_t f0, uint64_t n, uint64_t length, uint32_t channels,
                  uint32_t points, float *mins, float *maxs);
/* native/miniaudio/miniaudio.c: dr_wav's parse and raw little-endian reader, for peaks_wav.c.
 * open gives NULL for a file dr_wav refuses, channels 0 when fmt and dr_wav disagree */
void *sp_wav_raw_open(const char *path, uint32_t *container_le, uint32_t *format_tag,
                      uint32_t *bits, uint32_t *channels, uint64_t *frames);
int sp_wav_raw_seek(void *wav, uint64_t frame);
uint64_t sp_wav_raw_read(void *wav, uint64_t frames, void *out);
void sp_wav_raw_close(void *wav);
/* What sp_inspect_file found that the decoder gets wrong (miniaudio 0.11.25's dr_wav), bits: */
enum {
    /* An AIFF/AIFF-C: dr_wav counts SSND's 8 bytes of offset and blockSize as audio, so a
     * chunk after SSND makes its forward seeks land 8 bytes late (stream.c seeks from frame 0) */
    SP_QUIRK_AIFF = 1u << 0,
    /* AIFF-C ulaw/alaw: dr_wav adds 128 to every byte (meant for signed 8-bit PCM), which flips
     * the G.711 sign bit: each sample comes out exactly negated */
    SP_QUIRK_AIFF_G711 = 1u << 1,
};

/* rt/show_rt.c: the audio side of cues, crossfades and fades, called from rt/callback.c */
void sp_show_take_command(sp_engine *engine, const sp_command *command);
void sp_show_play(sp_engine *engine); /* a play command: ends or reverses a fade-out */
bool sp_show_cue_due(const sp_engine *engine);
void sp_show_fire_cue(sp_engine *engine);
/* The frame + 1 from which the playing song is not heard while the armed cue stays armed (a
 * one-off jump: its frame, crossfade, declick and a block), 0: anywhere may be heard. */
uint64_t sp_show_heard_until(const sp_engine *engine);
/* Shortens running tails to the declick length and fades the voice playing now out over
 * `frames` as a new tail (the oldest gives way when none is free); the caller moves the main
 * voice. */
sp_tail *sp_show_begin_tail(sp_engine *engine, uint32_t frames, bool linear);
/* rt/retime_rt.c: the song switched to itself at another key or tempo (SP_COMMAND_RETIME) */
void sp_retime(sp_engine *engine, const sp_command *command);
bool sp_show_tails_active(const sp_engine *engine);
bool sp_show_in_tail(const sp_engine *engine, uint32_t group);
void sp_show_drop_tails(sp_engine *engine);
uint32_t sp_show_limit(const sp_engine *engine, uint32_t count);
float sp_show_main_weight(const sp_engine *engine, uint32_t count); /* highest, for meters */
void sp_show_mix_tails(sp_engine *engine, uint32_t offset, uint32_t count, uint32_t block,
                       float envelope_peak);
void sp_show_apply_fade(sp_engine *engine, uint32_t frames);

/* rt/mixer.c: the mixer, for rt/callback.c (the main voice) and rt/show_rt.c (tails) */
void sp_mix_group(sp_engine *engine, uint32_t group, uint64_t pos, float *mix, uint32_t offset,
                  uint32_t count, uint32_t block, float meter_weight, int voice);
/* rt/callback.c */
void sp_scan_tracks(sp_engine *engine);
/* rt/callback.c: drains the command ring. The audio side at every block's start; offline
 * engines also from the control side (sp_offline_drain: the same thread renders), so retired
 * slots come back at once. */
void sp_take_commands(sp_engine *engine);

/* resample.c: polyphase windowed-sinc sample-rate conversion of interleaved float32, in chunks
 * (state carried from call to call). Loading and reader threads only: create allocates. */
typedef struct sp_resampler sp_resampler;
sp_result sp_resampler_create(uint32_t rate_in, uint32_t rate_out, uint32_t channels,
                              sp_resampler **out_resampler);
void sp_resampler_free(sp_resampler *resampler);
void sp_resampler_reset(sp_resampler *resampler);
/* Consumes up to *frames_in frames of `in` (NULL: silence) and writes up to *frames_out frames
 * to `out` (NULL: computed and dropped); both are updated to what was done. Output frame j is
 * the input at time j x rate_in / rate_out, so the first frames wait for `delay` frames of input
 * ahead: after the input's end, sp_resampler_finish and process with no input give the rest. */
void sp_resampler_process(sp_resampler *resampler, const float *in, uint64_t *frames_in,
                          float *out, uint64_t *frames_out);
/* No more input: the stream ends at round(frames in x rate_out / rate_in) output frames. */
void sp_resampler_finish(sp_resampler *resampler);
bool sp_resampler_finished(const sp_resampler *resampler);
/* Tests: the portable kernel even where the AVX2 one would run. */
void sp_resampler_use_portable_kernel(sp_resampler *resampler);
/* Input frames the filter reads ahead of an output's time. */
uint32_t sp_resampler_delay(const sp_resampler *resampler);
/* Input frames needed before frames_out more frames can be produced. */
uint64_t sp_resampler_required_input(const sp_resampler *resampler, uint64_t frames_out);
/* Output frames that frames_in more input frames make available. */
uint64_t sp_resampler_expected_output(const sp_resampler *resampler, uint64_t frames_in);

/* Plugs ours into miniaudio's resampler config (decoder or data converter). miniaudio never
 * tells a resampler that its input ended, so `link` receives the instance it creates: the
 * caller finishes it and drains the tail itself. */
typedef struct sp_resampler_link {
    sp_resampler *resampler;
} sp_resampler_link;
void sp_resampler_configure(ma_resampler_config *config, sp_resampler_link *link);

/* engine.c */
void sp_engine_free_memory(sp_engine *engine);

/* buses.c: every output at unity, none protected (at engine creation). */
void sp_buses_init(sp_engine *engine);

#endif
