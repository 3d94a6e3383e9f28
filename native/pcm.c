/* pcm.c: planar float32 audio owned by C, handed to the engine by sp_track_attach. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

sp_result sp_pcm_alloc(uint32_t channels, uint64_t frames, sp_pcm **out_pcm) {
    SP_CHECK(out_pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(channels >= 1 && channels <= SP_MAX_CHANNELS, SP_ERROR_FORMAT);
    SP_CHECK(frames >= 1, SP_ERROR_EMPTY);
    SP_CHECK(frames <= SIZE_MAX / sizeof(float) / channels, SP_ERROR_OUT_OF_MEMORY);
    sp_pcm *pcm = calloc(1, sizeof(sp_pcm));
    SP_CHECK(pcm != NULL, SP_ERROR_OUT_OF_MEMORY);
    pcm->data = malloc((size_t)frames * channels * sizeof(float));
    if (pcm->data == NULL) {
        free(pcm);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    pcm->frames = frames;
    pcm->channels = channels;
    *out_pcm = pcm;
    return SP_OK;
}

sp_result sp_pcm_alloc_silent(uint32_t channels, uint64_t frames, sp_pcm **out_pcm) {
    SP_CHECK(frames >= 1, SP_ERROR_EMPTY);
    SP_CHECK(channels >= 1 && frames <= SIZE_MAX / sizeof(float) / channels,
             SP_ERROR_OUT_OF_MEMORY);
    sp_result result = sp_pcm_alloc(channels, 1, out_pcm);
    if (result != SP_OK) return result;
    /* calloc: a large block comes as untouched zero pages (no memset to fault them all in). */
    float *data = calloc((size_t)frames * channels, sizeof(float));
    if (data == NULL) {
        sp_pcm_free(*out_pcm);
        *out_pcm = NULL;
        return SP_ERROR_OUT_OF_MEMORY;
    }
    free((*out_pcm)->data);
    (*out_pcm)->data = data;
    (*out_pcm)->frames = frames;
    return SP_OK;
}

SP_API sp_result sp_pcm_from_planar(const float *planar, uint32_t channels, uint64_t frames,
                                    sp_pcm **out_pcm) {
    SP_CHECK(planar != NULL && out_pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    sp_pcm *pcm;
    const sp_result result = sp_pcm_alloc(channels, frames, &pcm);
    if (result != SP_OK) return result;
    memcpy(pcm->data, planar, (size_t)frames * channels * sizeof(float));
    *out_pcm = pcm;
    return SP_OK;
}

SP_API void sp_pcm_free(sp_pcm *pcm) {
    if (pcm == NULL) return;
    if (pcm->fill != NULL) sp_fill_free(pcm->fill); /* its thread writes into data */
    free(pcm->data);
    free(pcm);
}

SP_API sp_result sp_pcm_info(const sp_pcm *pcm, uint64_t *out) {
    SP_CHECK(pcm != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    out[0] = pcm->frames;
    out[1] = pcm->channels;
    out[2] = pcm->frames * pcm->channels * sizeof(float) + sizeof(sp_pcm);
    return SP_OK;
}

SP_API sp_result sp_pcm_read_channel(const sp_pcm *pcm, uint32_t channel, uint64_t start,
                                     uint64_t frames, float *out) {
    SP_CHECK(pcm != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(channel < pcm->channels, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(start <= pcm->frames && frames <= pcm->frames - start, SP_ERROR_INVALID_ARGUMENT);
    memcpy(out, pcm->data + (uint64_t)channel * pcm->frames + start, frames * sizeof(float));
    return SP_OK;
}

#define RESAMPLE_CHUNK 8192u

SP_API sp_result sp_pcm_resample(const sp_pcm *in, uint32_t rate_in, uint32_t rate_out,
                                 sp_pcm **out_pcm) {
    SP_CHECK(in != NULL && out_pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate_in >= SP_MIN_SAMPLE_RATE && rate_in <= SP_MAX_SAMPLE_RATE, SP_ERROR_FORMAT);
    SP_CHECK(rate_out >= SP_MIN_SAMPLE_RATE && rate_out <= SP_MAX_SAMPLE_RATE, SP_ERROR_FORMAT);
    const uint32_t channels = in->channels;
    /* The same length rule as a decode: round(frames x ratio). */
    const uint64_t expected = (uint64_t)((double)in->frames * rate_out / rate_in + 0.5);
    sp_pcm *out = NULL;
    sp_result result = sp_pcm_alloc(channels, expected, &out);
    if (result != SP_OK) return result;
    sp_resampler *resampler = NULL;
    result = sp_resampler_create(rate_in, rate_out, channels, &resampler);
    const uint64_t out_chunk = (uint64_t)((double)RESAMPLE_CHUNK * rate_out / rate_in) + 64;
    float *interleaved_in = malloc((size_t)RESAMPLE_CHUNK * channels * sizeof(float));
    float *interleaved_out = malloc((size_t)out_chunk * channels * sizeof(float));
    if (result == SP_OK && (interleaved_in == NULL || interleaved_out == NULL)) {
        result = SP_ERROR_OUT_OF_MEMORY;
    }
    uint64_t consumed = 0, produced = 0;
    while (result == SP_OK && produced < expected) {
        uint64_t frames_in = in->frames - consumed < RESAMPLE_CHUNK ? in->frames - consumed
                                                                    : RESAMPLE_CHUNK;
        for (uint32_t c = 0; c < channels; c++) {
            const float *src = in->data + (size_t)c * in->frames + consumed;
            for (uint64_t i = 0; i < frames_in; i++) interleaved_in[i * channels + c] = src[i];
        }
        if (frames_in == 0 && !sp_resampler_finished(resampler)) sp_resampler_finish(resampler);
        uint64_t frames_out = expected - produced < out_chunk ? expected - produced : out_chunk;
        sp_resampler_process(resampler, frames_in > 0 ? interleaved_in : NULL, &frames_in,
                             interleaved_out, &frames_out);
        for (uint32_t c = 0; c < channels; c++) {
            float *dst = out->data + (size_t)c * expected + produced;
            for (uint64_t i = 0; i < frames_out; i++) dst[i] = interleaved_out[i * channels + c];
        }
        consumed += frames_in;
        produced += frames_out;
        if (frames_in == 0 && frames_out == 0) break; /* the tail is drained */
    }
    if (result == SP_OK && produced < expected) { /* a few frames short: silence, as decode.c */
        for (uint32_t c = 0; c < channels; c++) {
            memset(out->data + (size_t)c * expected + produced, 0,
                   (expected - produced) * sizeof(float));
        }
    }
    free(interleaved_in);
    free(interleaved_out);
    sp_resampler_free(resampler);
    if (result != SP_OK) {
        sp_pcm_free(out);
        return result;
    }
    *out_pcm = out;
    return SP_OK;
}
