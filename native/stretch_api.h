/* stretch_api.h: the few Rubber Band functions stemplay's key and tempo use, loaded from
 * librubberband at run time (dlopen), as jack_api.h loads libjack: the build needs no Rubber
 * Band headers or library, and Rubber Band (GPL-2+) is never linked. Not part of the ABI. */
#ifndef STEMPLAY_STRETCH_API_H
#define STEMPLAY_STRETCH_API_H

#include "internal.h"

typedef struct RubberBandState_ *RubberBandState;
/* The option bits we use (rubberband-c.h, Rubber Band 3). */
enum {
    RB_PROCESS_REALTIME = 0x00000001,
    RB_THREADING_NEVER = 0x00010000,
    RB_PITCH_HIGH_CONSISTENCY = 0x04000000,
    RB_CHANNELS_TOGETHER = 0x10000000,
    RB_ENGINE_FINER = 0x20000000,
};

typedef struct {
    void *library;
    RubberBandState (*create)(unsigned int, unsigned int, int, double, double);
    void (*destroy)(RubberBandState);
    unsigned int (*preferred_start_pad)(const RubberBandState);
    unsigned int (*start_delay)(const RubberBandState);
    void (*set_max_process_size)(RubberBandState, unsigned int);
    void (*process)(RubberBandState, const float *const *, unsigned int, int);
    int (*available)(const RubberBandState);
    unsigned int (*retrieve)(const RubberBandState, float *const *, unsigned int);
} sp_stretch_api;

/* The loaded library, or NULL when librubberband.so.2 (or $STEMPLAY_RUBBERBAND) is missing or
 * lacks a function. Loaded once, on first use; any thread. */
const sp_stretch_api *sp_stretch_api_get(void);

/* One stretcher: `channels` planar channels at `rate`, played `speed` times as fast (0.5 ...
 * 2) and `pitch_scale` times as high. engine: SP_STRETCH_FINER (R3) or SP_STRETCH_FASTER (R2).
 * Real-time mode fed in fixed chunks, so a render is the same run after run. Reader or loading
 * thread only. */
typedef struct sp_stretcher sp_stretcher;
#define SP_STRETCH_CHUNK 1024u /* input frames per feed: fixed, so a render repeats exactly */
/* Song frames fed before a render's start frame, their output dropped, so the analysis window
 * holds the music before it rather than silence: one window of R3's longest (4096 frames).
 * A change while playing is heard only once this is through the stretcher (about 2.7 ms of R3
 * per 1024 stereo frames here), so it is not longer: measured against a render from the
 * song's top (tests/key_change_latency_test.ts), the first periods after the start are within
 * 0.01 dB of its level with 2048, 4096 or 16384 frames of lead-in, and 1.8 to 3 dB below it
 * without one, at speed 0.8, 1 and 1.25. Shared by
 * every render from a frame (stretch_render.c, stretch_fill.c), so they agree bit for bit. */
#define SP_STRETCH_LEAD 4096u
sp_result sp_stretcher_create(uint32_t rate, uint32_t channels, uint32_t engine, double speed,
                              double pitch_scale, sp_stretcher **out);
void sp_stretcher_free(sp_stretcher *stretcher);
/* Input frames per feed: every feed but the last is exactly this long. */
uint32_t sp_stretcher_chunk(const sp_stretcher *stretcher);
/* Feeds one chunk (planar: in[c] holds `frames` frames of channel c); `last` at the end. */
void sp_stretcher_feed(sp_stretcher *stretcher, const float *const *in, uint32_t frames,
                       bool last);
/* Drops the next `frames` output frames (the output of a lead-in fed before the start). */
void sp_stretcher_skip(sp_stretcher *stretcher, uint64_t frames);
/* Drops what it can of the output still to drop (skip, latency); returns how much is left. */
uint64_t sp_stretcher_drop(sp_stretcher *stretcher);
/* Takes up to `frames` output frames into out[c], the latency already dropped: output frame 0
 * is input frame 0 (Rubber Band's start pad and start delay compensated). */
uint32_t sp_stretcher_take(sp_stretcher *stretcher, float *const *out, uint32_t frames);

/* One render of song audio from `start` on (stretch_render.c), read through `read`. */
typedef struct {
    uint32_t rate, channels, engine;
    double speed, pitch_scale;
    uint64_t frames; /* the song's length */
    uint64_t start;  /* the song frame that becomes output frame 0 */
    /* Goes to `frame`; the reads then come in order from there. */
    sp_result (*seek)(void *context, uint64_t frame);
    /* `frames` (at most SP_STRETCH_CHUNK) frames from `frame` on, planar; NULL on failure. */
    const float *const *(*read)(void *context, uint64_t frame, uint32_t frames);
    void *context;
} sp_stretch_job;
/* A new pcm of round((frames - start) / speed) frames; its frame 0 is song frame `start`. */
sp_result sp_stretch_render(const sp_stretch_job *job, sp_pcm **out_pcm);

/* A streamed file at another key and tempo (stretch_reader.c): sp_stream's seek, read and
 * length on the stretched timeline, over `inner` (owned once created). Reader or loading
 * thread only. stream.c's sp_stream_stretch wraps a stream in one. */
typedef struct sp_stretch_reader sp_stretch_reader;
sp_result sp_stretch_reader_create(sp_stream *inner, uint32_t rate, double speed,
                                   double pitch_scale, uint32_t engine, sp_stretch_reader **out);
void sp_stretch_reader_free(sp_stretch_reader *reader);
uint64_t sp_stretch_reader_frames(const sp_stretch_reader *reader);
sp_result sp_stretch_reader_seek(sp_stretch_reader *reader, uint64_t frame);
/* As seek, rendered from stretched frame `from` (<= frame) on, its output before `frame`
 * dropped: the frames a render from `from` gives there. Unlike seek, which lets any stretcher
 * standing at `frame` go on (the ring's own, parked), only one started at `from` is reused. */
sp_result sp_stretch_reader_seek_via(sp_stretch_reader *reader, uint64_t frame, uint64_t from);
/* Keeps a stretcher standing at `frame`, rendered from `from` (a head's end and start): the
 * one the ring after a jump to that head goes on with (seek_via), so the jump costs no render.
 * Takes the one parked there if any (the head just decoded), else renders one now. Leaves the
 * file anywhere: seek after. */
sp_result sp_stretch_reader_keep(sp_stretch_reader *reader, uint64_t frame, uint64_t from);
/* Whether keep was last asked for (frame, from) and its stretcher has not been taken since
 * (or could not be made: not asked again). */
bool sp_stretch_reader_kept(const sp_stretch_reader *reader, uint64_t frame, uint64_t from);
uint32_t sp_stretch_reader_read(sp_stretch_reader *reader, float *out, uint32_t want);
bool sp_stretch_reader_cut_short(const sp_stretch_reader *reader);
/* Replaces *stream by a stream of it at the key and tempo (stream.c); on failure *stream is
 * unchanged and still the caller's. */
sp_result sp_stream_stretch(sp_stream **stream, uint32_t rate, double speed, double pitch_scale,
                            uint32_t engine);
bool sp_stream_stretched(const sp_stream *stream);
/* sp_stream_seek, through the stretcher from `from` (sp_stretch_reader_seek_via) when the
 * stream is stretched: a head's decode (from == frame: the render from its start) and the
 * ring after a head. */
sp_result sp_stream_seek_via(sp_stream *stream, uint64_t frame, uint64_t from);
/* sp_stretch_reader_keep and _kept on a stretched stream; another has nothing to keep (SP_OK,
 * true). */
sp_result sp_stream_keep(sp_stream *stream, uint64_t frame, uint64_t from);
bool sp_stream_kept(const sp_stream *stream, uint64_t frame, uint64_t from);
/* The butler's seek of a track's file to where its ring starts again (stretch_source.c): a
 * stretched track that goes on from a head's end renders from the head's start, so the ring
 * continues the head's frames. */
sp_result sp_file_source_seek(sp_file_source *source, uint64_t frame);

#endif
