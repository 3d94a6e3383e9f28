/* peaks.c: a file's waveform overview, min and max per point, for the console's lanes. Runs
 * on a loading thread (nonblocking FFI), never the audio thread.
 *
 * The file is decoded at its own rate and channels in chunks and never held whole, so 16
 * stems of four minutes cost a few KB each rather than a gigabyte of float32. Point b covers
 * the file's frames [f0 + b*n/points, f0 + (b+1)*n/points); a point that covers no frame
 * (zoomed in past one frame per point) shows the frame it falls on. Points past the file's end
 * are silence (0, 0). */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Frames past any file (2^53: exact in a double): a window's ends are clamped to it. */
#define PEAKS_MAX_FRAME 9007199254740992.0

#define PEAKS_CHUNK 8192u

static sp_result seek_to(ma_decoder *decoder, uint32_t quirks, uint64_t frame) {
    /* dr_wav's AIFF forward seeks land late (see stream.c): seek from the first frame. */
    if ((quirks & SP_QUIRK_AIFF) && frame > 0 &&
        ma_decoder_seek_to_pcm_frame(decoder, 0) != MA_SUCCESS) {
        return SP_ERROR_DECODE;
    }
    return ma_decoder_seek_to_pcm_frame(decoder, frame) == MA_SUCCESS ? SP_OK : SP_ERROR_DECODE;
}

sp_result sp_peaks_file(const char *path, double start_seconds, double end_seconds,
                        uint32_t points, uint32_t max_channels, float *out, uint64_t *info,
                        char *detail, size_t size) {
    SP_CHECK(path != NULL && out != NULL && info != NULL && points > 0, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(start_seconds >= 0 && end_seconds > start_seconds, SP_ERROR_INVALID_ARGUMENT);
    if (detail != NULL && size > 0) detail[0] = '\0';
    ma_encoding_format format = ma_encoding_format_unknown;
    const char *name = NULL;
    uint64_t file_size = 0;
    uint32_t quirks = 0;
    sp_result result = sp_inspect_file(path, &format, &name, &file_size, &quirks, detail, size);
    if (result != SP_OK) return result;

    /* Integer files are read as s32, which dr_wav and dr_flac give by shifting (no float
     * conversion per sample); float files as f32. Peaks become float once per point. */
    ma_decoder decoder;
    ma_decoder_config config = ma_decoder_config_init(ma_format_unknown, 0, 0);
    config.encodingFormat = format;
    if (ma_decoder_init_file(path, &config, &decoder) != MA_SUCCESS) {
        if (detail != NULL) snprintf(detail, size, "the decoder rejected the file");
        return SP_ERROR_DECODE;
    }
    ma_format native_format = ma_format_unknown;
    ma_decoder_get_data_format(&decoder, &native_format, NULL, NULL, NULL, 0);
    const bool integer = native_format != ma_format_f32;
    ma_decoder_uninit(&decoder);
    config.format = integer ? ma_format_s32 : ma_format_f32;
    if (ma_decoder_init_file(path, &config, &decoder) != MA_SUCCESS) {
        if (detail != NULL) snprintf(detail, size, "the decoder rejected the file");
        return SP_ERROR_DECODE;
    }
    ma_uint32 channels = 0, rate = 0;
    ma_decoder_get_data_format(&decoder, NULL, &channels, &rate, NULL, 0);
    ma_uint64 length = 0;
    ma_decoder_get_length_in_pcm_frames(&decoder, &length);
    info[0] = length;
    info[1] = channels;
    info[2] = rate;
    result = sp_check_format(rate, channels, detail, size);
    if (result == SP_OK && channels > max_channels) result = SP_ERROR_INVALID_ARGUMENT;
    void *chunk = NULL; /* PEAKS_CHUNK frames of int32 or float, 4 bytes a sample */
    if (result == SP_OK) {
        chunk = malloc((size_t)PEAKS_CHUNK * channels * 4);
        if (chunk == NULL) result = SP_ERROR_OUT_OF_MEMORY;
    }
    if (result != SP_OK) {
        ma_decoder_uninit(&decoder);
        return result;
    }

    /* Clamped: finite seconds far past any file (1e300) must not overflow the conversion. */
    const double first = fmin(floor(start_seconds * rate), PEAKS_MAX_FRAME);
    const double last = fmin(ceil(end_seconds * rate), PEAKS_MAX_FRAME);
    const uint64_t f0 = (uint64_t)first;
    const uint64_t f1 = (uint64_t)last;
    const uint64_t n = f1 > f0 ? f1 - f0 : 1;
    float *mins = out, *maxs = out + (size_t)channels * points;
    memset(out, 0, (size_t)channels * points * 2 * sizeof(float));
    const bool negate = (quirks & SP_QUIRK_AIFF_G711) != 0;
    /* Plain PCM WAV skips the decoder (STEMPLAY_PEAKS_DECODER=1 keeps it, for tests' oracle) */
    /* getenv per call, so the tests can compare both paths in one process: it is unsafe only
     * while another thread sets a variable, which stemplay never does. */
    if (format == ma_encoding_format_wav && quirks == 0 && getenv("STEMPLAY_PEAKS_DECODER") == NULL &&
        sp_peaks_wav(path, f0, n, length, channels, points, mins, maxs)) {
        free(chunk);
        ma_decoder_uninit(&decoder);
        return SP_OK;
    }

    uint64_t chunk_start = f0, chunk_frames = 0; /* the frames in `chunk` */
    bool ended = f0 >= length || seek_to(&decoder, quirks, f0) != SP_OK;
    for (uint32_t b = 0; b < points && !ended; b++) {
        uint64_t lo = f0 + (uint64_t)((double)b * n / points);
        uint64_t hi = f0 + (uint64_t)((double)(b + 1) * n / points);
        if (hi <= lo) hi = lo + 1;
        if (hi > length) hi = length;
        float low[SP_MAX_CHANNELS], high[SP_MAX_CHANNELS];
        int32_t ilow[SP_MAX_CHANNELS], ihigh[SP_MAX_CHANNELS];
        for (uint32_t c = 0; c < channels; c++) {
            low[c] = INFINITY, high[c] = -INFINITY;
            ilow[c] = INT32_MAX, ihigh[c] = INT32_MIN;
        }
        bool any = false;
        for (uint64_t f = lo; f < hi;) {
            if (f >= chunk_start + chunk_frames) {
                chunk_start += chunk_frames;
                ma_uint64 got = 0;
                ma_decoder_read_pcm_frames(&decoder, chunk, PEAKS_CHUNK, &got);
                chunk_frames = got;
                if (got == 0) {
                    ended = true; /* shorter than its header says: the rest stays silent */
                    break;
                }
                continue;
            }
            const uint64_t stop = hi < chunk_start + chunk_frames ? hi : chunk_start + chunk_frames;
            const size_t first = (size_t)(f - chunk_start) * channels;
            const size_t count = (size_t)(stop - f) * channels;
            if (integer) {
                const int32_t *x = (const int32_t *)chunk + first;
                for (size_t i = 0; i < count; i += channels) {
                    for (uint32_t c = 0; c < channels; c++) {
                        ilow[c] = x[i + c] < ilow[c] ? x[i + c] : ilow[c];
                        ihigh[c] = x[i + c] > ihigh[c] ? x[i + c] : ihigh[c];
                    }
                }
            } else {
                const float *x = (const float *)chunk + first;
                for (size_t i = 0; i < count; i += channels) {
                    for (uint32_t c = 0; c < channels; c++) {
                        low[c] = x[i + c] < low[c] ? x[i + c] : low[c];
                        high[c] = x[i + c] > high[c] ? x[i + c] : high[c];
                    }
                }
            }
            any = any || stop > f;
            f = stop;
        }
        if (!any) continue;
        for (uint32_t c = 0; c < channels; c++) {
            float mn = low[c], mx = high[c];
            if (integer) {
                mn = (float)((double)ilow[c] / 2147483648.0);
                mx = (float)((double)ihigh[c] / 2147483648.0);
            }
            /* G.711 AIFF-C decodes inverted (see stream.c): the peaks of its negation. */
            if (negate) {
                const float t = mn;
                mn = 0.0f - mx;
                mx = 0.0f - t;
            }
            mins[(size_t)c * points + b] = mn;
            maxs[(size_t)c * points + b] = mx;
        }
    }
    free(chunk);
    ma_decoder_uninit(&decoder);
    return SP_OK;
}
