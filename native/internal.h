/* internal.h: the structs shared by the shim's files. Not part of the ABI. */
#ifndef STEMPLAY_INTERNAL_H
#define STEMPLAY_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "miniaudio.h"
#include "stemplay.h"

/* The audio thread must never reach these; they are only reached from control functions. */
#define SP_CHECK(cond, code) \
    do { \
        if (!(cond)) return (code); \
    } while (0)

/* Planar float32 audio: channel c starts at data + c * frames. */
struct sp_pcm {
    float *data;
    uint64_t frames;
    uint32_t channels;
};

/* Slot life cycle, owned by the control side. The audio side only sees `live`. */
enum { SLOT_FREE = 0, SLOT_RESERVED, SLOT_LIVE, SLOT_RETIRING };

typedef struct sp_slot {
    /* control-owned */
    int32_t lifecycle;
    uint64_t retire_after_block; /* free once blocks_done reaches this */

    /* written by control before `live` is published, then read-only for the audio side */
    sp_pcm *pcm;
    uint32_t group;

    /* control -> audio */
    _Atomic int32_t live;  /* release-stored by control, acquire-loaded by audio */
    _Atomic int32_t fresh; /* set on activation: the audio side snaps its gains once */
    _Atomic float gain;
    _Atomic int32_t muted;
    _Atomic int32_t solo;
    _Atomic int32_t protected_track; /* on a protected bus: a solo never silences it */
    _Atomic float *route; /* channels x device channels, preallocated at engine creation */

    /* audio -> control */
    _Atomic float peak;

    /* audio-owned: the per-(channel, output) gain reached at the end of the last block, and
     * the target of the current block. Preallocated, SP_MAX_CHANNELS x device channels. */
    float *applied;
    float *target;
    bool mixing; /* audio-owned: live and in the playing group, as seen at the block's start */
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

/* Show flow (show.c): one armed cue, a jump at an exact frame that may repeat (marker jumps,
 * loops, gapless and crossfaded song transitions); the voice that fades out while a crossfade
 * runs; and an equal-power fade of the whole mix. */
typedef struct sp_show {
    /* control -> audio. The cue is a seqlock: cue_seq is odd while control writes it. */
    _Atomic uint32_t cue_seq;
    _Atomic uint64_t cue_at, cue_target;
    _Atomic uint32_t cue_group, cue_crossfade;
    _Atomic int32_t cue_flags; /* SHOW_CUE_* */
    _Atomic uint32_t fade_seq;
    _Atomic int32_t fade_direction; /* 0 out, 1 in */
    _Atomic uint32_t fade_frames;
    _Atomic uint32_t play_seq; /* every play request: ends a finished fade-out */

    /* audio -> control: the seq of the cue that fired last, so control can tell which did */
    _Atomic uint32_t fired_cue_seq;

    /* audio-owned */
    uint32_t seen_cue_seq, seen_fade_seq, seen_play_seq;
    bool cue_armed, cue_repeat;
    uint64_t cue_at_frame, cue_target_frame;
    uint32_t cue_to_group, cue_fade_frames;
    bool tail_active;
    uint32_t tail_group;
    uint64_t tail_pos;
    uint32_t tail_done, tail_total;
    float *tail_mix; /* preallocated like engine->mix */
    int32_t fade_dir;
    uint32_t fade_total, fade_done;
    float fade_level, fade_from;
    bool faded_out; /* a fade-out finished: silent and paused until the next play */

    /* control-owned */
    uint32_t control_cue_seq, control_fade_seq, control_play_seq;
} sp_show;

enum { SHOW_CUE_ARMED = 1, SHOW_CUE_REPEAT = 2 };

/* What the transport is asked to do (control -> audio). */
enum { RUN_STOP = 0, RUN_PLAY = 1, RUN_PAUSE = 2 };

/* A device and its context, allocated apart from the engine: a dead one is handed to a thread
 * that may block in ma_device_uninit forever, while the engine lives on with a new one. */
typedef struct sp_output {
    ma_context context;
    ma_device device;
    bool has_context, has_device;
    sp_engine *engine;           /* set before the device starts */
    _Atomic int32_t detached;    /* control -> audio: never touch the engine again */
    _Atomic int32_t in_callback; /* audio -> control: the callback may be touching the engine */
} sp_output;

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
    _Atomic int32_t run_request;   /* RUN_* */
    _Atomic uint64_t jump_request; /* packed frame and group, see transport.c */
    _Atomic uint32_t jump_seq;
    _Atomic float master_gain;
    _Atomic int32_t meters_enabled;

    /* audio -> control */
    _Atomic uint64_t position;
    _Atomic int32_t state;
    _Atomic int32_t ended;
    _Atomic uint64_t duration;
    _Atomic uint32_t group_playing;
    _Atomic uint64_t blocks_begun;
    _Atomic uint64_t blocks_done;
    _Atomic uint32_t jump_seq_taken; /* the last jump request the audio side took */

    /* audio-owned transport */
    uint64_t pos;
    uint32_t group;
    bool is_ended;
    bool jump_pending;
    uint64_t jump_frame;
    uint32_t jump_group;
    uint32_t seen_jump_seq;
    float envelope; /* declick fade, 0..1 */
    float master_applied;
    uint64_t song_frames; /* longest live track of `group`, refreshed every block */

    /* control-owned */
    uint32_t control_jump_seq;
    uint32_t control_switch_seq, control_switch_group; /* the last request that named a group */

    /* buses.c: per-output gain (a bus's own level) and the protected flag the show fade
     * skips. control -> audio; output_applied is audio-owned (the ramp's start). */
    _Atomic float output_gain[SP_MAX_CHANNELS];
    _Atomic int32_t output_protected[SP_MAX_CHANNELS];
    float output_applied[SP_MAX_CHANNELS];
    _Atomic float output_peak[SP_MAX_CHANNELS]; /* audio -> control, with the meters on */

    sp_monitor monitor;
    sp_show show;
};

/* callback.c: the audio thread's whole work for one block of `frames` frames into `out`
 * (interleaved). frames must be <= block_frames. */
void sp_process_block(sp_engine *engine, float *out, uint32_t frames);

/* mix.c: kernels. dst never overlaps a source. */
void sp_mix_constant(float *dst, const float *src, uint32_t frames, float gain);
void sp_mix_ramp(float *dst, const float *src, uint32_t frames, float start, float step);
void sp_mix_pair_constant(float *dst, const float *src_a, const float *src_b, uint32_t frames,
                          float gain_a, float gain_b);
void sp_mix_pair_ramp(float *dst, const float *src_a, const float *src_b, uint32_t frames,
                      float start_a, float step_a, float start_b, float step_b);
float sp_peak_abs(const float *src, uint32_t frames);
void sp_prefetch(const float *src, uint32_t frames);
/* Flush denormals to zero on this thread (x86-64: MXCSR FTZ and DAZ); returns the previous
 * state for sp_denormals_restore. A no-op elsewhere. */
uint32_t sp_denormals_off(void);
void sp_denormals_restore(uint32_t saved);

/* monitor.c */
uint64_t sp_monitor_now_ns(void);
void sp_monitor_record(sp_engine *engine, uint64_t block, uint64_t start_ns, uint32_t frames);
#ifdef SP_TEST_HOOKS
void sp_test_spin(sp_engine *engine, uint64_t start_ns);
#endif

/* transport.c */
uint64_t sp_pack_jump(uint64_t frame, uint32_t group);
void sp_unpack_jump(uint64_t packed, uint64_t *frame, uint32_t *group);
bool sp_jump_keeps_group(uint32_t group); /* a seek or stop: stay in the playing group */

/* pcm.c */
sp_result sp_pcm_alloc(uint32_t channels, uint64_t frames, sp_pcm **out_pcm);

/* A header below this rate is lying, and resampling it up would turn a few bytes into
 * gigabytes; above it no interface runs. */
#define SP_MIN_SAMPLE_RATE 1000u
#define SP_MAX_SAMPLE_RATE 768000u

/* header.c: SP_ERROR_FORMAT (with why, in detail) for a rate or channel count stemplay does
 * not play, else SP_OK. */
sp_result sp_check_format(uint32_t rate, uint32_t channels, char *detail, size_t size);

/* header.c: the container from the first bytes, and what a WAV or FLAC header claims
 * (rate, channels, data size) checked against the file, and the file's size in bytes.
 * On failure, detail says why. */
sp_result sp_inspect_file(const char *path, ma_encoding_format *format, uint64_t *out_size,
                          char *detail, size_t size);

/* show.c: the audio side of cues, crossfades and fades, called from callback.c */
void sp_show_take_requests(sp_engine *engine);
bool sp_show_cue_due(const sp_engine *engine);
void sp_show_fire_cue(sp_engine *engine);
uint32_t sp_show_limit(const sp_engine *engine, uint32_t count);
void sp_show_crossfade(sp_engine *engine, uint32_t offset, uint32_t count);
void sp_show_apply_fade(sp_engine *engine, uint32_t frames);
void sp_show_note_play(sp_engine *engine); /* control side, from sp_transport_play */

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
