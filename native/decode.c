/* decode.c: whole files into planar float32 on a loading thread, resampled to the engine's
 * rate by miniaudio's decoder with our resampler (resample.c) plugged in. Never reached from
 * the audio thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define CHUNK_FRAMES 16384u
/* Frames a file may fall short of its header's length before it counts as truncated:
 * resampling and MP3 priming can lose a few. */
/* Frames per file byte that no WAV, FLAC or MP3 we expect exceeds (silence in FLAC comes
 * closest); only bounds the first allocation. */
#define PLAUSIBLE_FRAMES_PER_BYTE 32u

struct sp_decode_job {
    char *path;
    uint32_t target_rate;
    _Atomic uint64_t frames_done;
    _Atomic uint64_t frames_expected;
    uint32_t source_rate, source_channels;
    ma_format source_format;  /* the decoder's native sample format */
    const char *format_name; /* the container, from the header check */
    sp_pcm *pcm;
    char error[512];
};

SP_API sp_result sp_decode_job_create(const char *path, uint32_t sample_rate,
                                      sp_decode_job **out_job) {
    SP_CHECK(path != NULL && out_job != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sample_rate <= SP_MAX_SAMPLE_RATE, SP_ERROR_INVALID_ARGUMENT);
    sp_decode_job *job = calloc(1, sizeof(sp_decode_job));
    SP_CHECK(job != NULL, SP_ERROR_OUT_OF_MEMORY);
    job->path = strdup(path);
    if (job->path == NULL) {
        free(job);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    job->target_rate = sample_rate;
    job->format_name = "";
    *out_job = job;
    return SP_OK;
}

static sp_result fail(sp_decode_job *job, sp_result result, const char *detail) {
    snprintf(job->error, sizeof job->error, "%s", detail);
    return result;
}

/* Opens the file at its own rate and sample format to learn them, so that a bad rate or channel
 * count is reported as such rather than as a resampler failure. */
static sp_result probe(sp_decode_job *job, ma_encoding_format format, uint64_t *source_frames) {
    ma_decoder_config config = ma_decoder_config_init(ma_format_unknown, 0, 0);
    config.encodingFormat = format;
    ma_decoder decoder;
    if (ma_decoder_init_file(job->path, &config, &decoder) != MA_SUCCESS) {
        return fail(job, SP_ERROR_DECODE, "the decoder rejected the file (corrupt or unsupported)");
    }
    ma_format sample_format;
    ma_uint32 channels = 0, rate = 0;
    ma_decoder_get_data_format(&decoder, &sample_format, &channels, &rate, NULL, 0);
    job->source_format = sample_format;
    ma_uint64 length = 0;
    if (ma_decoder_get_length_in_pcm_frames(&decoder, &length) != MA_SUCCESS) length = 0;
    ma_decoder_uninit(&decoder);

    job->source_rate = rate;
    job->source_channels = channels;
    *source_frames = length;
    return sp_check_format(rate, channels, job->error, sizeof job->error);
}

/* Reads decoded (and resampled) frames. miniaudio never tells a resampler that the input has
 * ended: a call without input frames also happens mid-stream, whenever its converter has used
 * up a buffer. So once the decoder reports the end, the resampler is finished here and its
 * filter's tail read directly: the last input frames reach the output too. */
static ma_result read_frames(ma_decoder *decoder, sp_resampler_link *resampling, float *out,
                             ma_uint64 want, ma_uint64 *got) {
    sp_resampler *resampler = resampling->resampler;
    ma_result result = MA_AT_END;
    *got = 0;
    if (resampler == NULL || !sp_resampler_finished(resampler)) {
        result = ma_decoder_read_pcm_frames(decoder, out, want, got);
        if (*got > 0 || resampler == NULL || (result != MA_SUCCESS && result != MA_AT_END)) {
            return result;
        }
        sp_resampler_finish(resampler);
    }
    uint64_t none = 0, tail = want;
    sp_resampler_process(resampler, NULL, &none, out, &tail);
    *got = tail;
    return tail > 0 ? MA_SUCCESS : MA_AT_END;
}

/* The decoded samples' buffer. A large one asks for transparent huge pages (Linux, where the
 * system leaves them to madvise): first touching a 4-minute file's 46 MB one 4 KiB page at a
 * time was most of a decode's time on the project's virtual machines (a page fault each). */
static float *alloc_samples(size_t bytes) {
#ifdef MADV_HUGEPAGE
    const size_t huge = (size_t)2 << 20;
    if (bytes >= huge) {
        /* Aligned so that whole huge pages fit from its start; its size is not rounded up (the
         * tail past the last whole huge page stays in small pages, so no memory is wasted). */
        void *memory = NULL;
        if (posix_memalign(&memory, huge, bytes) != 0) return NULL;
        (void)madvise(memory, bytes, MADV_HUGEPAGE); /* advice only: fine if refused */
        return memory;
    }
#endif
    return malloc(bytes);
}

/* Grows the planar buffer to hold `capacity` frames per channel, moving channels apart. */
static bool grow(float **data, uint32_t channels, uint64_t used, uint64_t old_capacity,
                 uint64_t capacity) {
    float *grown = realloc(*data, (size_t)capacity * channels * sizeof(float));
    if (grown == NULL) return false;
    for (uint32_t c = channels; c-- > 1;) {
        memmove(grown + (size_t)c * capacity, grown + (size_t)c * old_capacity, used * sizeof(float));
    }
    *data = grown;
    return true;
}

SP_API sp_result sp_decode_job_run(sp_decode_job *job) {
    SP_CHECK(job != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(job->pcm == NULL, SP_ERROR_INVALID_ARGUMENT);
    job->error[0] = '\0';

    ma_encoding_format format = ma_encoding_format_unknown;
    uint64_t file_size = 0;
    uint32_t quirks = 0;
    sp_result result = sp_inspect_file(job->path, &format, &job->format_name, &file_size,
                                       &quirks, job->error, sizeof job->error);
    if (result != SP_OK) return result;
    uint64_t source_frames = 0;
    result = probe(job, format, &source_frames);
    if (result != SP_OK) return result;

    /* miniaudio maps 8-bit samples to float as x * 2/255 - 1: neither exact nor centred. They
     * are read as 16-bit ((x - 128) << 8, exact) at the file's rate instead, and resampled
     * afterwards (sp_pcm_resample: the same resampler) when the engine's rate differs. */
    const bool widen_u8 = job->source_format == ma_format_u8;
    const uint32_t final_rate = job->target_rate ? job->target_rate : job->source_rate;
    const bool resample_after = widen_u8 && final_rate != job->source_rate;
    const uint32_t rate = resample_after ? job->source_rate : final_rate;
    const uint32_t channels = job->source_channels;
    const uint64_t expected =
        (uint64_t)((double)source_frames * rate / job->source_rate + 0.5);
    atomic_store(&job->frames_expected, expected);

    ma_decoder_config config =
        ma_decoder_config_init(widen_u8 ? ma_format_s16 : ma_format_f32, channels, rate);
    config.encodingFormat = format;
    sp_resampler_link resampling = {0};
    sp_resampler_configure(&config.resampling, &resampling);
    ma_decoder decoder;
    if (ma_decoder_init_file(job->path, &config, &decoder) != MA_SUCCESS) {
        return fail(job, SP_ERROR_DECODE, "the decoder rejected the file");
    }

    /* Trust the header's length for the first allocation only as far as the file's size makes
     * it plausible: a FLAC or MP3 header that lies about its length must not make us reserve
     * gigabytes. Beyond that the buffer grows as audio actually arrives. */
    const double rate_ratio = (double)rate / job->source_rate;
    const uint64_t plausible =
        (uint64_t)((double)file_size * PLAUSIBLE_FRAMES_PER_BYTE * (rate_ratio > 1 ? rate_ratio : 1));
    const uint64_t first = expected < plausible ? expected : plausible;
    uint64_t capacity = first > 0 ? first : (uint64_t)rate * 10;
    /* Resampled, a file is exactly round(frames x ratio) long: the resampler's last few frames
     * of filter tail are dropped, or a shortfall of a few frames is padded with silence. So
     * the buffer is the right size from the start and never needs its channels moved. */
    const bool exact_length = rate != job->source_rate && first == expected && expected > 0;
    float *data = alloc_samples((size_t)capacity * channels * sizeof(float));
    float *chunk = malloc((size_t)CHUNK_FRAMES * channels * sizeof(float));
    uint64_t frames = 0;
    result = SP_OK;
    if (data == NULL || chunk == NULL) result = SP_ERROR_OUT_OF_MEMORY;

    while (result == SP_OK) {
        ma_uint64 got = 0, want = CHUNK_FRAMES;
        if (exact_length && expected - frames < want) want = expected - frames;
        if (want == 0) break;
        const ma_result read = read_frames(&decoder, &resampling, chunk, want, &got);
        if (got == 0) {
            if (read != MA_SUCCESS && read != MA_AT_END && frames == 0) {
                result = fail(job, SP_ERROR_DECODE, "the audio data could not be decoded");
            }
            break;
        }
        if (frames + got > capacity) {
            const uint64_t bigger = capacity * 2 > frames + got ? capacity * 2 : frames + got;
            if (!grow(&data, channels, frames, capacity, bigger)) {
                result = SP_ERROR_OUT_OF_MEMORY;
                break;
            }
            capacity = bigger;
        }
        for (uint32_t c = 0; c < channels; c++) {
            float *dst = data + (size_t)c * capacity + frames;
            if (widen_u8) {
                const int16_t *src = (const int16_t *)chunk;
                for (ma_uint64 i = 0; i < got; i++) dst[i] = src[i * channels + c] * (1.0f / 32768);
            } else if (quirks & SP_QUIRK_AIFF_G711) {
                sp_negate_strided(dst, chunk + c, channels, got);
            } else {
                for (ma_uint64 i = 0; i < got; i++) dst[i] = chunk[i * channels + c];
            }
        }
        frames += got;
        atomic_store_explicit(&job->frames_done, frames, memory_order_relaxed);
    }
    ma_decoder_uninit(&decoder);
    free(chunk);

    if (result == SP_OK && frames == 0) result = fail(job, SP_ERROR_EMPTY, "the file holds no audio frames");
    if (result == SP_OK && expected > SP_TRUNCATION_SLACK && frames + SP_TRUNCATION_SLACK < expected) {
        char detail[160];
        snprintf(detail, sizeof detail, "truncated: the header promises %llu frames, the file holds %llu",
                 (unsigned long long)expected, (unsigned long long)frames);
        result = fail(job, SP_ERROR_TRUNCATED, detail);
    }
    if (result != SP_OK) {
        if (result == SP_ERROR_OUT_OF_MEMORY) fail(job, result, "out of memory");
        free(data);
        return result;
    }
    if (exact_length && frames < expected) {
        for (uint32_t c = 0; c < channels; c++) {
            memset(data + (size_t)c * capacity + frames, 0, (expected - frames) * sizeof(float));
        }
        frames = expected;
    }

    /* Close the gaps between channels so memory held is the raw size. */
    if (frames < capacity) {
        for (uint32_t c = 1; c < channels; c++) {
            memmove(data + (size_t)c * frames, data + (size_t)c * capacity, frames * sizeof(float));
        }
        float *fitted = realloc(data, (size_t)frames * channels * sizeof(float));
        if (fitted != NULL) data = fitted;
    }

    sp_pcm *pcm = calloc(1, sizeof(sp_pcm));
    if (pcm == NULL) {
        free(data);
        return fail(job, SP_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    pcm->data = data;
    pcm->frames = frames;
    pcm->channels = channels;
    if (resample_after) {
        sp_pcm *resampled = NULL;
        result = sp_pcm_resample(pcm, rate, final_rate, &resampled);
        sp_pcm_free(pcm);
        if (result != SP_OK) return fail(job, result, "out of memory while resampling");
        pcm = resampled;
        frames = pcm->frames;
    }
    job->pcm = pcm;
    atomic_store(&job->frames_expected, frames);
    return SP_OK;
}

SP_API void sp_decode_job_progress(const sp_decode_job *job, uint64_t *out) {
    if (job == NULL || out == NULL) return;
    out[0] = atomic_load_explicit(&job->frames_done, memory_order_relaxed);
    out[1] = atomic_load_explicit(&job->frames_expected, memory_order_relaxed);
}

SP_API void sp_decode_job_source(const sp_decode_job *job, uint32_t *out) {
    if (job == NULL || out == NULL) return;
    out[0] = job->source_rate;
    out[1] = job->source_channels;
}

SP_API const char *sp_decode_job_format(const sp_decode_job *job) {
    return job == NULL ? "" : job->format_name;
}

SP_API const char *sp_decode_job_error(const sp_decode_job *job) {
    return job == NULL ? "" : job->error;
}

SP_API sp_result sp_decode_job_take(sp_decode_job *job, sp_pcm **out_pcm) {
    SP_CHECK(job != NULL && out_pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(job->pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    *out_pcm = job->pcm;
    job->pcm = NULL;
    return SP_OK;
}

SP_API void sp_decode_job_free(sp_decode_job *job) {
    if (job == NULL) return;
    sp_pcm_free(job->pcm);
    free(job->path);
    free(job);
}
