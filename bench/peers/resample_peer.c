/* resample_peer.c: the streaming load of the resampler, without decoding or FFI in the way:
 * `stems` stereo resamplers (sharing one filter, as streams will), each converting one
 * output block at a time from exactly the input it asks for. Built with native/resample.c by
 * bench/resample_bench.ts. */
#include <stdlib.h>

#include "internal.h"

typedef struct peer {
    uint32_t stems, block;
    sp_resampler **resamplers;
    float *input, *output;
} peer;

#define INPUT_FRAMES 65536u

SP_API void peer_free(peer *p);

SP_API peer *peer_create(uint32_t stems, uint32_t rate_in, uint32_t rate_out, uint32_t block) {
    peer *p = calloc(1, sizeof(peer));
    if (p == NULL) return NULL;
    p->stems = stems;
    p->block = block;
    p->resamplers = calloc(stems, sizeof(sp_resampler *));
    p->input = malloc(INPUT_FRAMES * 2 * sizeof(float));
    p->output = malloc((size_t)block * 2 * sizeof(float));
    if (p->resamplers == NULL || p->input == NULL || p->output == NULL) {
        peer_free(p);
        return NULL;
    }
    uint32_t seed = 1;
    for (uint32_t i = 0; i < INPUT_FRAMES * 2; i++) {
        seed = seed * 1664525u + 1013904223u;
        p->input[i] = (float)seed / 4294967296.0f - 0.5f;
    }
    for (uint32_t s = 0; s < stems; s++) {
        if (sp_resampler_create(rate_in, rate_out, 2, &p->resamplers[s]) != SP_OK) {
            peer_free(p);
            return NULL;
        }
    }
    return p;
}

/* Converts `blocks` blocks of every stem; returns the output frames made (all of them, or
 * fewer if something is wrong). */
SP_API uint64_t peer_run(peer *p, uint32_t blocks) {
    uint64_t made = 0;
    uint64_t at = 0;
    for (uint32_t b = 0; b < blocks; b++) {
        for (uint32_t s = 0; s < p->stems; s++) {
            uint64_t in = sp_resampler_required_input(p->resamplers[s], p->block);
            uint64_t out = p->block;
            if (at + in > INPUT_FRAMES) at = 0;
            sp_resampler_process(p->resamplers[s], p->input + at * 2, &in, p->output, &out);
            made += out;
        }
        at += p->block;
    }
    return made;
}

SP_API void peer_free(peer *p) {
    if (p == NULL) return;
    if (p->resamplers != NULL) {
        for (uint32_t s = 0; s < p->stems; s++) sp_resampler_free(p->resamplers[s]);
    }
    free(p->resamplers);
    free(p->input);
    free(p->output);
    free(p);
}
