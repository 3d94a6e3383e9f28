/* stretch_pcm.c: resident audio at another key and tempo, from any frame (stretch_render.c).
 * Loading thread only. */
#include "stretch_api.h"

SP_API int32_t sp_stretch_available(void) { return sp_stretch_api_get() != NULL ? 1 : 0; }

typedef struct {
    const sp_pcm *pcm;
    const float *lanes[SP_MAX_CHANNELS];
} pcm_reader;

static sp_result pcm_seek(void *context, uint64_t frame) {
    (void)context;
    (void)frame;
    return SP_OK; /* resident: read in place */
}

static const float *const *pcm_read(void *context, uint64_t frame, uint32_t frames) {
    pcm_reader *reader = context;
    (void)frames;
    for (uint32_t c = 0; c < reader->pcm->channels; c++) {
        reader->lanes[c] = reader->pcm->data + (size_t)c * reader->pcm->frames + frame;
    }
    return reader->lanes;
}

SP_API sp_result sp_pcm_stretch(const sp_pcm *in, uint32_t rate, double speed,
                                double pitch_scale, uint32_t engine, uint64_t start,
                                sp_pcm **out_pcm) {
    SP_CHECK(in != NULL && out_pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate >= SP_MIN_SAMPLE_RATE && rate <= SP_MAX_SAMPLE_RATE, SP_ERROR_FORMAT);
    pcm_reader reader = {.pcm = in};
    const sp_stretch_job job = {
        .rate = rate,
        .channels = in->channels,
        .engine = engine,
        .speed = speed,
        .pitch_scale = pitch_scale,
        .frames = in->frames,
        .start = start,
        .seek = pcm_seek,
        .read = pcm_read,
        .context = &reader,
    };
    return sp_stretch_render(&job, out_pcm);
}
