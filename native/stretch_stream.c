/* stretch_stream.c: a file read the streaming reader's way (stream.c: decoded and resampled
 * in order from any frame) at another key and tempo (stretch_render.c): the same frames as
 * the file decoded whole and stretched (stretch_pcm.c), bit for bit. Reader or loading thread
 * only. */
#include <stdlib.h>

#include "stretch_api.h"

typedef struct {
    sp_stream *stream;
    uint32_t channels;
    float *interleaved; /* one chunk */
    float *planar;      /* one chunk per channel */
    const float *lanes[SP_MAX_CHANNELS];
} stream_reader;

static sp_result stream_seek(void *context, uint64_t frame) {
    stream_reader *reader = context;
    return sp_stream_seek(reader->stream, frame);
}

static const float *const *stream_read(void *context, uint64_t frame, uint32_t frames) {
    stream_reader *reader = context;
    (void)frame; /* in order from the seek */
    if (sp_stream_read(reader->stream, reader->interleaved, frames) != frames) return NULL;
    for (uint32_t c = 0; c < reader->channels; c++) {
        float *lane = reader->planar + (size_t)c * SP_STRETCH_CHUNK;
        for (uint32_t i = 0; i < frames; i++) {
            lane[i] = reader->interleaved[(size_t)i * reader->channels + c];
        }
        reader->lanes[c] = lane;
    }
    return reader->lanes;
}

SP_API sp_result sp_file_stretch(const char *path, uint32_t rate, double speed,
                                 double pitch_scale, uint32_t engine, uint64_t start,
                                 sp_pcm **out_pcm) {
    SP_CHECK(path != NULL && out_pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate >= SP_MIN_SAMPLE_RATE && rate <= SP_MAX_SAMPLE_RATE, SP_ERROR_FORMAT);
    char detail[256];
    stream_reader reader = {0};
    sp_result result = sp_stream_open(path, rate, &reader.stream, detail, sizeof detail);
    if (result != SP_OK) return result;
    reader.channels = sp_stream_channels(reader.stream);
    reader.interleaved = malloc((size_t)SP_STRETCH_CHUNK * reader.channels * sizeof(float));
    reader.planar = malloc((size_t)SP_STRETCH_CHUNK * reader.channels * sizeof(float));
    if (reader.interleaved == NULL || reader.planar == NULL) result = SP_ERROR_OUT_OF_MEMORY;
    if (result == SP_OK) {
        const sp_stretch_job job = {
            .rate = rate,
            .channels = reader.channels,
            .engine = engine,
            .speed = speed,
            .pitch_scale = pitch_scale,
            .frames = sp_stream_frames(reader.stream),
            .start = start,
            .seek = stream_seek,
            .read = stream_read,
            .context = &reader,
        };
        result = sp_stretch_render(&job, out_pcm);
    }
    free(reader.interleaved);
    free(reader.planar);
    sp_stream_free(reader.stream);
    return result;
}
