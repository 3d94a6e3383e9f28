/* mix.c: the inner loops of the mix, written so the compiler vectorises them. */
#include <math.h>

#include "internal.h"

void sp_mix_constant(float *restrict dst, const float *restrict src, uint32_t frames,
                     float gain) {
    for (uint32_t i = 0; i < frames; i++) dst[i] += gain * src[i];
}

/* Gain of frame i is start + step * i. */
void sp_mix_ramp(float *restrict dst, const float *restrict src, uint32_t frames, float start,
                 float step) {
    for (uint32_t i = 0; i < frames; i++) dst[i] += (start + step * (float)i) * src[i];
}

float sp_peak_abs(const float *src, uint32_t frames) {
    float peak = 0.0f;
    for (uint32_t i = 0; i < frames; i++) peak = fmaxf(peak, fabsf(src[i]));
    return peak;
}
