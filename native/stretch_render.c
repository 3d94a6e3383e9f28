/* stretch_render.c: song audio from a frame on, through one stretcher, into a new pcm: the
 * one loop that resident audio (stretch_pcm.c) and streamed files (stretch_stream.c) share,
 * so both give the same frames bit for bit. Loading or reader thread only.
 *
 * From a frame past the start, the stretcher is fed a lead-in of the song before it (up to
 * SP_STRETCH_LEAD frames) whose output is dropped: the analysis window then holds the music that
 * precedes the frame, as in a render from the start, rather than silence. */
#include <string.h>

#include "stretch_api.h"


sp_result sp_stretch_render(const sp_stretch_job *job, sp_pcm **out_pcm) {
    SP_CHECK(job->start < job->frames, SP_ERROR_INVALID_ARGUMENT);
    sp_stretcher *stretcher = NULL;
    sp_result result = sp_stretcher_create(job->rate, job->channels, job->engine, job->speed,
                                           job->pitch_scale, &stretcher);
    if (result != SP_OK) return result;
    /* Song time to real time: round(frames / speed), as the timeline counts it. */
    const uint64_t expected = (uint64_t)((double)(job->frames - job->start) / job->speed + 0.5);
    const uint64_t lead = job->start < SP_STRETCH_LEAD ? job->start : SP_STRETCH_LEAD;
    sp_pcm *out = NULL;
    result = sp_pcm_alloc(job->channels, expected > 0 ? expected : 1, &out);
    if (result == SP_OK) result = job->seek(job->context, job->start - lead);
    if (result != SP_OK) {
        sp_pcm_free(out);
        sp_stretcher_free(stretcher);
        return result;
    }
    const uint32_t chunk = sp_stretcher_chunk(stretcher);
    float *lanes_out[SP_MAX_CHANNELS];
    sp_stretcher_skip(stretcher, (uint64_t)((double)lead / job->speed + 0.5));
    uint64_t fed = job->start - lead, produced = 0;
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
        const uint64_t left = job->frames - fed;
        const uint32_t n = left < chunk ? (uint32_t)left : chunk;
        const float *const *lanes_in = job->read(job->context, fed, n);
        if (lanes_in == NULL) {
            result = SP_ERROR_DECODE;
            break;
        }
        fed += n;
        ended = fed == job->frames;
        sp_stretcher_feed(stretcher, lanes_in, n, ended);
    }
    sp_stretcher_free(stretcher);
    if (result != SP_OK) {
        sp_pcm_free(out);
        return result;
    }
    for (uint32_t c = 0; c < out->channels; c++) {
        memset(out->data + (size_t)c * out->frames + produced, 0,
               (size_t)(out->frames - produced) * sizeof(float));
    }
    *out_pcm = out;
    return SP_OK;
}
