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
    _Atomic uint32_t spin_ns;   /* test hook */
    /* control-owned reset bases */
    uint64_t base_index, base_overruns;
} sp_monitor;

/* What the transport is asked to do (control -> audio). */
enum { RUN_STOP = 0, RUN_PLAY = 1, RUN_PAUSE = 2 };

struct sp_engine {
    /* fixed at creation */
    bool offline;
    bool has_context, has_device;
    ma_context context;
    ma_device device;
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

    sp_monitor monitor;
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

/* pcm.c */
sp_result sp_pcm_alloc(uint32_t channels, uint64_t frames, sp_pcm **out_pcm);

/* header.c: the container from the first bytes, and what a WAV or FLAC header claims
 * (rate, channels, data size) checked against the file, and the file's size in bytes.
 * On failure, detail says why. */
sp_result sp_inspect_file(const char *path, ma_encoding_format *format, uint64_t *out_size,
                          char *detail, size_t size);

/* engine.c */
void sp_engine_free_memory(sp_engine *engine);

#endif
