/* rt/mix.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The inner loops of the mix, written so the compiler vectorises them.
 *
 * Plain loops over restrict pointers, built with -O3 (see FILE_FLAGS in ffi/build.ts; gcc's
 * -O2 vectorises only loops whose trip count it knows): SSE2 on x86-64, NEON on arm64. On
 * x86-64 Linux each kernel also has an AVX2 clone, picked once at load time (ifunc). No FMA:
 * the AVX2 target does not enable it, so results round exactly like the baseline's.
 *
 * Every kernel adds in the same order as one pass per (channel, output) cell would, so the
 * fused kernels give bit-identical results. */
#include <math.h>
#include <string.h>

#include "internal.h"

#if defined(__x86_64__) && defined(__linux__) && \
    ((defined(__clang__) && __clang_major__ >= 14) || (!defined(__clang__) && __GNUC__ >= 6))
#define SP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SP_CLONES
#endif

SP_CLONES
void sp_mix_constant(float *restrict dst, const float *restrict src, uint32_t frames,
                     float gain) {
    for (uint32_t i = 0; i < frames; i++) dst[i] += gain * src[i];
}

/* Gain of frame i is start + step * i. */
SP_CLONES
void sp_mix_ramp(float *restrict dst, const float *restrict src, uint32_t frames, float start,
                 float step) {
    for (uint32_t i = 0; i < frames; i++) dst[i] += (start + step * (float)i) * src[i];
}

/* Two channels into one output in one pass over dst: (dst + a * src_a) + b * src_b. */
SP_CLONES
void sp_mix_pair_constant(float *restrict dst, const float *restrict src_a,
                          const float *restrict src_b, uint32_t frames, float gain_a,
                          float gain_b) {
    for (uint32_t i = 0; i < frames; i++) dst[i] = (dst[i] + gain_a * src_a[i]) + gain_b * src_b[i];
}

/* As sp_mix_pair_constant, each gain ramping like sp_mix_ramp (a step of 0 keeps it exact). */
SP_CLONES
void sp_mix_pair_ramp(float *restrict dst, const float *restrict src_a,
                      const float *restrict src_b, uint32_t frames, float start_a, float step_a,
                      float start_b, float step_b) {
    for (uint32_t i = 0; i < frames; i++) {
        const float index = (float)i;
        dst[i] = (dst[i] + (start_a + step_a * index) * src_a[i]) +
                 (start_b + step_b * index) * src_b[i];
    }
}

/* max |src[i]|, NaN counted as 0 (as fmaxf would skip it). On the bit patterns without the
 * sign: for finite and infinite floats, integer order is float order, and an integer max
 * reduction vectorises without -ffast-math. */
SP_CLONES
float sp_peak_abs(const float *restrict src, uint32_t frames) {
    int32_t peak = 0;
    for (uint32_t i = 0; i < frames; i++) {
        int32_t bits;
        memcpy(&bits, &src[i], sizeof bits);
        bits &= 0x7fffffff;
        const int32_t kept = bits <= 0x7f800000 ? bits : 0; /* above: NaN */
        peak = kept > peak ? kept : peak;
    }
    float out;
    memcpy(&out, &peak, sizeof out);
    return out;
}

/* Asks for the lines of src[0, frames) to be brought toward L2. The next block of a track
 * starts where this one ended; at small blocks the hardware prefetcher cannot follow 100+
 * short streams, so without this each block of each channel starts with a miss to DRAM. */
void sp_prefetch(const float *src, uint32_t frames) {
#if defined(__GNUC__) || defined(__clang__)
    const uint32_t line_floats = 64 / sizeof(float);
    for (uint32_t i = 0; i < frames; i += line_floats) __builtin_prefetch(src + i, 0, 2);
#else
    (void)src;
    (void)frames;
#endif
}
