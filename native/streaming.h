/* streaming.h: a streamed track's ring (ring.c, rt/ring_rt.c), its file stream (stream.c) and
 * heads: the part of internal.h that the reader threads and the audio side share for streaming.
 * Not part of the ABI; included by internal.h only, in its place there (it uses what internal.h
 * declares before it). */
#ifndef STEMPLAY_STREAMING_H
#define STEMPLAY_STREAMING_H

/* ---- ring.c, rt/ring_rt.c: a streamed track's frames, butler -> audio (ring.c: protocol) -- */
typedef struct sp_window sp_window;
/* Each side's fields on cache lines of their own: the audio side stores read_frame every block
 * of every track, which must not take the reader's lines from its core (and back). */
typedef struct sp_ring {
    float *data; /* channels x capacity, planar */
    uint32_t channels;
    uint32_t capacity; /* frames, a power of two */
    /* audio -> butler */
    _Alignas(64) _Atomic uint64_t read_frame;
    _Atomic uint64_t request_frame;
    _Atomic uint32_t request_seq;
    /* audio-owned */
    uint32_t asked_seq;
    uint64_t asked_frame, consumed;
    /* butler -> audio */
    _Alignas(64) _Atomic uint32_t fill_seq;
    _Atomic uint64_t write_frame;
    /* butler-owned */
    _Alignas(64) uint32_t served_seq;
    uint64_t butler_write;
} sp_ring;

sp_result sp_ring_init(sp_ring *ring, uint32_t channels, uint32_t min_frames); /* control */
void sp_ring_free(sp_ring *ring);                                            /* control */
/* audio: frames from pos that the ring holds now (no request made), or false */
bool sp_ring_window(sp_ring *ring, uint64_t pos, uint32_t count, sp_window *window);
/* audio: the ring lacks pos: asks the butler to start there, unless it is on its way */
void sp_ring_follow(sp_ring *ring, uint64_t pos);
void sp_ring_ask(sp_ring *ring, uint64_t frame); /* audio: start again from frame */
/* audio: whether the butler has answered the last request (filled or failed) */
bool sp_ring_answered(const sp_ring *ring);
/* audio: whether the butler fills pos without a new request (the last one's window) */
bool sp_ring_will_hold(const sp_ring *ring, uint64_t pos);
bool sp_ring_take_request(const sp_ring *ring, uint32_t *seq, uint64_t *frame); /* butler */
void sp_ring_restart(sp_ring *ring, uint32_t seq, uint64_t frame);          /* butler */
uint32_t sp_ring_space(const sp_ring *ring);                                /* butler */
void sp_ring_write(sp_ring *ring, const float *interleaved, uint32_t frames); /* butler */

/* A decoded file may end this many frames before its header's length (a decoder's rounding)
 * before it counts as truncated (decode.c, stream.c). */
#define SP_TRUNCATION_SLACK 64u

/* The largest MIDI out or MTC offset, frames either way (exclusive): the real-time threads
 * subtract it from frame counts, so it is bounded (2^32 frames is a day at 48 kHz; the
 * TypeScript side allows ±1 s). */
#define SP_MAX_OFFSET_FRAMES ((int64_t)1 << 32)

/* ---- stream.c: a file decoded and resampled in order from any frame (butler, loading) ---- */
typedef struct sp_stream sp_stream;
sp_result sp_stream_open(const char *path, uint32_t rate, sp_stream **out_stream, char *detail,
                         size_t size);
void sp_stream_free(sp_stream *stream);
uint32_t sp_stream_channels(const sp_stream *stream);
uint64_t sp_stream_frames(const sp_stream *stream);
uint32_t sp_stream_source_rate(const sp_stream *stream);
const char *sp_stream_format(const sp_stream *stream); /* static, e.g. "FLAC" */
sp_result sp_stream_seek(sp_stream *stream, uint64_t frame);
/* Interleaved frames from the current position; returns frames written: `want`, fewer only
 * at the stream's end (0 there), or when the file ends (or cannot be read) more than
 * SP_TRUNCATION_SLACK frames before its length: then sp_stream_cut_short() is true until the
 * next seek. */
uint32_t sp_stream_read(sp_stream *stream, float *out, uint32_t want);
bool sp_stream_cut_short(const sp_stream *stream);

/* The first frames after a point a jump may go to (a marker, a song's start, an armed cue's
 * target), kept resident so the jump never waits for the ring. Control fills in start, frames
 * and data, then publishes it by raising head_count; the butler decodes it and sets ready;
 * from then on it never changes until the source is freed. */
#define SP_MAX_HEADS 64u
enum { SP_HEAD_PENDING = 0, SP_HEAD_READY = 1, SP_HEAD_FAILED = -1 };
typedef struct sp_head {
    uint64_t start;
    uint64_t frames;
    float *data; /* planar: channel c at data + c * frames */
    _Atomic int32_t ready; /* SP_HEAD_* */
} sp_head;

/* A streamed file, its ring and its heads (stemplay.h's sp_file_source). */
struct sp_file_source {
    sp_stream *stream;
    sp_ring ring;
    /* butler -> audio: the last request's seek failed: the ring stays empty (silence, counted
     * as starved) until a request it can serve; published before that request's fill_seq */
    _Atomic int32_t failed;
    _Atomic uint32_t read_failures; /* butler -> control: sp_file_source_read_failures */
    sp_head heads[SP_MAX_HEADS];
    _Atomic uint32_t head_count; /* control -> butler, audio */
    _Atomic uint64_t head_bytes;
    /* control -> butler: the frame + 1 of a head a switch waits for (0: none), decoded before
     * the file's other heads (sp_file_source_want_head) */
    _Atomic uint64_t wanted_head;
    /* control -> butler, set before attach: a switch waits for this ring (a key change while
     * playing, sp_file_source_start_at), so it goes before the sounding rings' top-up */
    bool switch_waits;
};

#define SP_DECODE_CHUNK 4096u /* frames decoded at a time into a head or a ring */
/* butler, or a loading thread for a source no engine has: decodes the first head not decoded
 * yet (chunk: SP_DECODE_CHUNK x SP_MAX_CHANNELS floats); whether there was one. The head
 * holding frame `wanted` goes first (UINT64_MAX: none). */
bool sp_file_source_decode_next_head(sp_file_source *source, float *chunk, uint64_t wanted);
/* Whether a head holding frame `wanted` is still to be decoded. */
bool sp_file_source_head_pending(const sp_file_source *source, uint64_t wanted);
/* Seeks the file back to where its ring goes on, after a head (a failure is counted, and the
 * ring stops there). Butler or loading thread. */
void sp_file_source_return_to_ring(sp_file_source *source);
/* At another key: keeps a stretcher at the end of the ready head holding frame `wanted`, for
 * the ring after a jump there (stretch_source.c). Whether it did anything: rendering one is a
 * long turn. */
bool sp_file_source_keep_voice(sp_file_source *source, uint64_t wanted);
/* Whether keep_voice has work for `wanted`. */
bool sp_file_source_voice_wanted(const sp_file_source *source, uint64_t wanted);

#endif
