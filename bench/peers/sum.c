/* sum.c: the memory limit. Reads the same track data as the mixers, as fast as the machine
 * allows: one sequential, vectorised pass per channel (built with -O3 -march=native
 * -ffast-math so the reduction is vectorised), returning the sum so nothing is optimised
 * away. */
#include <stdint.h>

float bench_sum(const float *const *channels, uint32_t count, uint64_t start, uint32_t frames) {
    float total = 0.0f;
    for (uint32_t c = 0; c < count; c++) {
        const float *src = channels[c] + start;
        float sum = 0.0f;
        for (uint32_t i = 0; i < frames; i++) sum += src[i];
        total += sum;
    }
    return total;
}
