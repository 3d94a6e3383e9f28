/* peaks_wav.c: sp_peaks_file's fast path for plain PCM WAV (16, 24 or 32-bit integer, 32-bit
 * float; RIFF or RF64, so little-endian). The decoder converted every sample to s32 or f32 in
 * 8192-frame chunks; here dr_wav (the decoder's own parser and raw reader, so the same data
 * chunk, length and short-file behaviour) reads the data chunk in large blocks and min/max run
 * on the stored samples. Bit for bit the decoder path: an integer sample is compared as the s32
 * dr_wav makes of it (x << (32 - bits)) and becomes float once per point the same way.
 * Anything else (other formats, 8-bit, AIFF, compressed WAV) stays on the decoder path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PEAKS_BLOCK_BYTES (1u << 20)

typedef enum { KIND_S16, KIND_S24, KIND_S32, KIND_F32 } sample_kind;

/* One point's running min and max per channel (integers as dr_wav's s32, or floats). */
typedef struct {
    int32_t ilow[SP_MAX_CHANNELS], ihigh[SP_MAX_CHANNELS];
    float low[SP_MAX_CHANNELS], high[SP_MAX_CHANNELS];
} extremes;

static inline int32_t sample_s32(const unsigned char *p, sample_kind kind) {
    switch (kind) {
    case KIND_S16: return (int32_t)(((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 24));
    case KIND_S24:
        return (int32_t)(((uint32_t)p[0] << 8) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 24));
    default:
        return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                         ((uint32_t)p[3] << 24));
    }
}

/* Folds `frames` frames at `p` into `e`, in frame order (as the decoder path compares). Inlined
 * with constant kind and channels so the common layouts keep their extremes in registers. */
static inline __attribute__((always_inline)) void
fold(const unsigned char *p, size_t frames, uint32_t channels, sample_kind kind, extremes *e) {
    const size_t width = kind == KIND_S16 ? 2 : kind == KIND_S24 ? 3 : 4;
    if (kind == KIND_F32) {
        float low[SP_MAX_CHANNELS], high[SP_MAX_CHANNELS];
        memcpy(low, e->low, channels * sizeof(float));
        memcpy(high, e->high, channels * sizeof(float));
        for (size_t f = 0; f < frames; f++, p += width * channels) {
            for (uint32_t c = 0; c < channels; c++) {
                float x;
                memcpy(&x, p + width * c, sizeof x);
                low[c] = x < low[c] ? x : low[c];
                high[c] = x > high[c] ? x : high[c];
            }
        }
        memcpy(e->low, low, channels * sizeof(float));
        memcpy(e->high, high, channels * sizeof(float));
        return;
    }
    int32_t low[SP_MAX_CHANNELS], high[SP_MAX_CHANNELS];
    memcpy(low, e->ilow, channels * sizeof(int32_t));
    memcpy(high, e->ihigh, channels * sizeof(int32_t));
    for (size_t f = 0; f < frames; f++, p += width * channels) {
        for (uint32_t c = 0; c < channels; c++) {
            const int32_t x = sample_s32(p + width * c, kind);
            low[c] = x < low[c] ? x : low[c];
            high[c] = x > high[c] ? x : high[c];
        }
    }
    memcpy(e->ilow, low, channels * sizeof(int32_t));
    memcpy(e->ihigh, high, channels * sizeof(int32_t));
}

#define FOLD_KIND(KIND)                                                                        \
    switch (channels) {                                                                        \
    case 1: fold(p, frames, 1, KIND, e); return;                                               \
    case 2: fold(p, frames, 2, KIND, e); return;                                               \
    default: fold(p, frames, channels, KIND, e); return;                                       \
    }

static void fold_any(const unsigned char *p, size_t frames, uint32_t channels, sample_kind kind,
                     extremes *e) {
    switch (kind) {
    case KIND_S16: FOLD_KIND(KIND_S16)
    case KIND_S24: FOLD_KIND(KIND_S24)
    case KIND_S32: FOLD_KIND(KIND_S32)
    case KIND_F32: FOLD_KIND(KIND_F32)
    }
}

/* The kind of a WAV this path reads, or false to leave it to the decoder. */
static bool direct_kind(bool little_endian, uint32_t format_tag, uint32_t bits,
                        sample_kind *kind) {
    if (!little_endian) return false;
    if (format_tag == 1 /* WAVE_FORMAT_PCM */) {
        if (bits == 16) *kind = KIND_S16;
        else if (bits == 24) *kind = KIND_S24;
        else if (bits == 32) *kind = KIND_S32;
        else return false;
        return true;
    }
    if (format_tag == 3 /* WAVE_FORMAT_IEEE_FLOAT */ && bits == 32) {
        *kind = KIND_F32;
        return true;
    }
    return false;
}

bool sp_peaks_wav(const char *path, uint64_t f0, uint64_t n, uint64_t length, uint32_t channels,
                  uint32_t points, float *mins, float *maxs) {
    uint32_t little_endian = 0, format_tag = 0, bits = 0, wav_channels = 0;
    uint64_t wav_frames = 0;
    void *wav = sp_wav_raw_open(path, &little_endian, &format_tag, &bits, &wav_channels,
                                &wav_frames);
    if (wav == NULL) return false;
    sample_kind kind = KIND_S16;
    /* The same file the decoder saw (channels, length), in a layout read here. */
    if (!direct_kind(little_endian != 0, format_tag, bits, &kind) || wav_channels != channels ||
        channels == 0 || channels > SP_MAX_CHANNELS || wav_frames != length) {
        sp_wav_raw_close(wav);
        return false;
    }
    /* dr_wav's bytes per frame for whole-byte samples: bits × channels / 8, whatever blockAlign
     * says (ma_dr_wav_get_bytes_per_pcm_frame). */
    const size_t frame_bytes = (size_t)bits / 8 * channels;
    const uint64_t block_capacity = PEAKS_BLOCK_BYTES / frame_bytes;
    unsigned char *block = malloc((size_t)block_capacity * frame_bytes);
    if (block == NULL) {
        sp_wav_raw_close(wav);
        return false;
    }

    /* The decoder path's loop (peaks.c), with blocks of raw frames for its chunks. */
    uint64_t block_start = f0, block_frames = 0;
    bool ended = f0 >= length || !sp_wav_raw_seek(wav, f0);
    for (uint32_t b = 0; b < points && !ended; b++) {
        uint64_t lo = f0 + (uint64_t)((double)b * n / points);
        uint64_t hi = f0 + (uint64_t)((double)(b + 1) * n / points);
        if (hi <= lo) hi = lo + 1;
        if (hi > length) hi = length;
        extremes e;
        for (uint32_t c = 0; c < channels; c++) {
            e.low[c] = INFINITY, e.high[c] = -INFINITY;
            e.ilow[c] = INT32_MAX, e.ihigh[c] = INT32_MIN;
        }
        bool any = false;
        for (uint64_t f = lo; f < hi;) {
            if (f < block_start) { /* never: points only move forward */
                ended = true;
                break;
            }
            if (f >= block_start + block_frames) {
                block_start += block_frames;
                /* No further than the window needs: a one-point head read takes a few frames. */
                const uint64_t window_end = f0 + n < length ? f0 + n : length;
                const uint64_t left = window_end - block_start;
                block_frames = sp_wav_raw_read(wav, left < block_capacity ? left : block_capacity,
                                               block);
                if (block_frames > block_capacity) block_frames = 0; /* never: dr_wav's bound */
                if (block_frames == 0) {
                    ended = true; /* shorter than its header says: the rest stays silent */
                    break;
                }
                continue;
            }
            const uint64_t stop = hi < block_start + block_frames ? hi : block_start + block_frames;
            fold_any(block + (size_t)(f - block_start) * frame_bytes, (size_t)(stop - f), channels,
                     kind, &e);
            any = any || stop > f;
            f = stop;
        }
        if (!any) continue;
        for (uint32_t c = 0; c < channels; c++) {
            float mn = e.low[c], mx = e.high[c];
            if (kind != KIND_F32) {
                mn = (float)((double)e.ilow[c] / 2147483648.0);
                mx = (float)((double)e.ihigh[c] / 2147483648.0);
            }
            mins[(size_t)c * points + b] = mn;
            maxs[(size_t)c * points + b] = mx;
        }
    }
    free(block);
    sp_wav_raw_close(wav);
    return true;
}
