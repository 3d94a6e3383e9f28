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
