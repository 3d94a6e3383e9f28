/* stretch_pcm.c: a resident pcm at another key and tempo, from any frame, through one
 * stretcher (stretch.c). Loading thread only.
 *
 * From a frame past the start, the stretcher is fed a lead-in of the song before it (up to
 * PREROLL frames) whose output is dropped: the analysis window then holds the music that
 * precedes the frame, as in a render from the start, rather than silence. */
#include <string.h>

#include "stretch_api.h"

#define PREROLL 16384u /* song frames fed before the start: R3's longest window, twice */

SP_API int32_t sp_stretch_available(void) { return sp_stretch_api_get() != NULL ? 1 : 0; }

SP_API sp_result sp_pcm_stretch(const sp_pcm *in, uint32_t rate, double speed,
                                double pitch_scale, uint32_t engine, uint64_t start,
                                sp_pcm **out_pcm) {
    SP_CHECK(in != NULL && out_pcm != NULL && start < in->frames, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate >= SP_MIN_SAMPLE_RATE && rate <= SP_MAX_SAMPLE_RATE, SP_ERROR_FORMAT);
    sp_stretcher *stretcher = NULL;
    sp_result result = sp_stretcher_create(rate, in->channels, engine, speed, pitch_scale,
                                           &stretcher);
    if (result != SP_OK) return result;
    /* Song time to real time: round(frames / speed), as the timeline counts it. */
    const uint64_t expected = (uint64_t)((double)(in->frames - start) / speed + 0.5);
    sp_pcm *out = NULL;
    result = sp_pcm_alloc(in->channels, expected > 0 ? expected : 1, &out);
    if (result != SP_OK) {
        sp_stretcher_free(stretcher);
        return result;
    }
    const uint32_t chunk = sp_stretcher_chunk(stretcher);
    const float *lanes_in[SP_MAX_CHANNELS];
    float *lanes_out[SP_MAX_CHANNELS];
    const uint64_t lead = start < PREROLL ? start : PREROLL;
    sp_stretcher_skip(stretcher, (uint64_t)((double)lead / speed + 0.5));
    uint64_t fed = start - lead, produced = 0;
    bool ended = false;
    while (produced < out->frames) {
        for (uint32_t c = 0; c < out->channels; c++) {
            lanes_out[c] = out->data + (size_t)c * out->frames + produced;
        }
        const uint64_t want = out->frames - produced;
        const uint32_t got = sp_stretcher_take(stretcher, lanes_out,
                                               want < chunk ? (uint32_t)want : chunk);
        produced += got;
        if (got > 0) continue;
        if (ended) break; /* drained: the rest is silence */
        const uint64_t left = in->frames - fed;
        const uint32_t n = left < chunk ? (uint32_t)left : chunk;
        for (uint32_t c = 0; c < in->channels; c++) {
            lanes_in[c] = in->data + (size_t)c * in->frames + fed;
        }
        fed += n;
        ended = fed == in->frames;
        sp_stretcher_feed(stretcher, lanes_in, n, ended);
    }
    for (uint32_t c = 0; c < out->channels; c++) {
        memset(out->data + (size_t)c * out->frames + produced, 0,
               (size_t)(out->frames - produced) * sizeof(float));
    }
    sp_stretcher_free(stretcher);
    *out_pcm = out;
    return SP_OK;
}
