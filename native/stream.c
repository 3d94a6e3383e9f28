/* stream.c: a file read in order from any frame, decoded and resampled to the engine's rate,
 * for the butler (butler.c). Never the audio thread.
 *
 * The frames equal a whole-file decode (decode.c) bit for bit: the same decoder, the same
 * resampler. A seek into resampled audio starts the resampler afresh at an input frame where
 * its phase is 0 (a multiple of rate_in / gcd) early enough that the filter has its full
 * history again before the target, and drops the frames before the target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stretch_api.h"

#define STREAM_CHUNK 4096u

struct sp_stream {
    char *path;
    ma_encoding_format format;
    ma_decoder decoder;
    bool open;
    sp_resampler *resampler; /* NULL when the file is at the engine's rate */
    uint32_t up, down;       /* rate_out / gcd, rate_in / gcd */
    uint32_t channels;
    uint32_t source_rate;
    const char *format_name; /* the container, static */
    uint32_t quirks;         /* SP_QUIRK_* from the header check */
    uint64_t frames;         /* output length */
    uint64_t in_frames;      /* the file's length, at its own rate */
    uint64_t next;           /* the output frame the next read gives */
    bool input_done;
    bool cut_short;          /* the last read ended before the file's length; until a seek */
    /* A seek failed or the decoder gave fewer frames than asked (its end, or a file cut on
     * disk): it is opened again before the next seek, never trusted in the state that left.
     * dr_flac seeks back inside the frame it stands in without decoding again, even a frame
     * whose decode failed at a cut (a subframe's samples NULL): the reader crashed reading them
     * (tests/stream_cut_sanitize_test.ts). */
    bool reopen;
    uint64_t in_pos, in_len; /* input read but not yet taken by the resampler */
    float *in;               /* STREAM_CHUNK frames, interleaved, at the file's rate */
    sp_stretch_reader *stretch; /* at another key and tempo: reads go through it */
};

/* dr_wav takes an AIFF's audio to be SSND's size minus its offset, forgetting the 8 bytes of
 * offset and blockSize, and counts its place in the file from that: with any chunk after SSND
 * (Logic's LGWV, an ID3 tag, MARK ...) a seek forward from where it stands lands those 8 bytes
 * (1 or 2 frames) late, and every frame after it plays shifted. (With SSND last, its clamp to
 * the file's size hides the error.) A seek from the first frame counts from SSND's data start
 * and is right, so an AIFF always seeks from there (two fseeks, no decoding). */
static sp_result open_decoder(sp_stream *stream);

static ma_result seek_opened(sp_stream *stream, uint64_t frame) {
    if ((stream->reopen || !stream->open) && open_decoder(stream) != SP_OK) return MA_ERROR;
    if ((stream->quirks & SP_QUIRK_AIFF) && frame > 0) {
        const ma_result result = ma_decoder_seek_to_pcm_frame(&stream->decoder, 0);
        if (result != MA_SUCCESS) return result;
    }
    return ma_decoder_seek_to_pcm_frame(&stream->decoder, frame);
}

/* Seeks, opening the decoder again first when it must be (`reopen`); a failed seek leaves it
 * to be opened again before the next one. */
static ma_result seek_decoder(sp_stream *stream, uint64_t frame) {
    const ma_result result = seek_opened(stream, frame);
    stream->reopen = result != MA_SUCCESS;
    return result;
}

void sp_negate_strided(float *dst, const float *src, uint32_t stride, uint64_t frames) {
    for (uint64_t i = 0; i < frames; i++) dst[i] = 0.0f - src[i * stride];
}

static sp_result open_decoder(sp_stream *stream) {
    if (stream->open) ma_decoder_uninit(&stream->decoder);
    stream->open = false;
    ma_decoder_config config = ma_decoder_config_init(ma_format_f32, stream->channels, 0);
    config.encodingFormat = stream->format;
    if (ma_decoder_init_file(stream->path, &config, &stream->decoder) != MA_SUCCESS) {
        return SP_ERROR_DECODE;
    }
    /* Opened again after a cut, the file may be another by now (a stem exported again over
     * it): at another rate its frames would play at the wrong speed and key. Not the song's. */
    ma_uint32 channels = 0, rate = 0;
    if (ma_data_source_get_data_format(stream->decoder.pBackend, NULL, &channels, &rate, NULL,
                                       0) != MA_SUCCESS ||
        rate != stream->source_rate || channels != stream->channels) {
        ma_decoder_uninit(&stream->decoder);
        return SP_ERROR_DECODE;
    }
    stream->open = true;
    return SP_OK;
}

/* A file shorter than its header says (a copy cut off) is refused at load, as the whole-file
 * decode refuses it (decode.c: more than SP_TRUNCATION_SLACK frames missing), rather than
 * found out mid-song: the frame that must exist is sought and decoded. */
static sp_result check_tail(ma_decoder *decoder, uint64_t length, char *detail, size_t size) {
    if (length <= SP_TRUNCATION_SLACK) return SP_OK;
    ma_format format;
    ma_uint32 channels;
    ma_decoder_get_data_format(decoder, &format, &channels, NULL, NULL, 0);
    uint8_t frame[SP_MAX_CHANNELS * sizeof(double)];
    if (ma_get_bytes_per_frame(format, channels) > sizeof frame) return SP_ERROR_FORMAT;
    const uint64_t last = length - SP_TRUNCATION_SLACK - 1;
    ma_uint64 got = 0;
    if (ma_decoder_seek_to_pcm_frame(decoder, last) == MA_SUCCESS) {
        ma_decoder_read_pcm_frames(decoder, frame, 1, &got);
    }
    if (got == 1) return SP_OK;
    snprintf(detail, size, "truncated: the header promises %llu frames, the file ends before %llu",
             (unsigned long long)length, (unsigned long long)(last + 1));
    return SP_ERROR_TRUNCATED;
}

void sp_stream_free(sp_stream *stream) {
    if (stream == NULL) return;
    sp_stretch_reader_free(stream->stretch);
    if (stream->open) ma_decoder_uninit(&stream->decoder);
    sp_resampler_free(stream->resampler);
    free(stream->in);
    free(stream->path);
    free(stream);
}

sp_result sp_stream_open(const char *path, uint32_t rate, sp_stream **out_stream, char *detail,
                         size_t size) {
    ma_encoding_format format = ma_encoding_format_unknown;
    const char *name = NULL;
    uint64_t file_size = 0;
    uint32_t quirks = 0;
    sp_result result = sp_inspect_file(path, &format, &name, &file_size, &quirks, detail, size);
    if (result != SP_OK) return result;

    sp_stream *stream = calloc(1, sizeof(sp_stream));
    SP_CHECK(stream != NULL, SP_ERROR_OUT_OF_MEMORY);
    stream->path = strdup(path);
    stream->format = format;
    stream->quirks = quirks;
    if (stream->path == NULL) {
        sp_stream_free(stream);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    /* At the file's own channels and rate first, to learn them. */
    ma_decoder_config config = ma_decoder_config_init(ma_format_unknown, 0, 0);
    config.encodingFormat = format;
    if (ma_decoder_init_file(path, &config, &stream->decoder) != MA_SUCCESS) {
        sp_stream_free(stream);
        snprintf(detail, size, "the decoder rejected the file (corrupt or unsupported)");
        return SP_ERROR_DECODE;
    }
    ma_format sample_format;
    ma_uint32 channels = 0, source_rate = 0;
    ma_decoder_get_data_format(&stream->decoder, &sample_format, &channels, &source_rate, NULL, 0);
    ma_uint64 length = 0;
    const bool known = ma_decoder_get_length_in_pcm_frames(&stream->decoder, &length) == MA_SUCCESS;
    result = sp_check_format(source_rate, channels, detail, size);
    if (result == SP_OK && (!known || length == 0 || sample_format == ma_format_u8 ||
                            format == ma_encoding_format_mp3)) {
        /* 8-bit audio is widened exactly by the whole-file decode; a stream without a known
         * length cannot say where the song ends; MP3 seeks by decoding from the file's start
         * (about 150 ms three minutes in). All load whole instead. */
        snprintf(detail, size, "%s",
                 !known || length == 0 ? "length unknown"
                 : format == ma_encoding_format_mp3 ? "MP3 seeks slowly"
                                                    : "8-bit samples");
        result = SP_ERROR_FORMAT_UNAVAILABLE;
    }
    if (result == SP_OK) result = check_tail(&stream->decoder, length, detail, size);
    ma_decoder_uninit(&stream->decoder);
    if (result != SP_OK) {
        sp_stream_free(stream);
        return result;
    }
    stream->channels = channels;
    stream->source_rate = source_rate;
    stream->in_frames = length;
    stream->format_name = name;
    if (source_rate != rate) {
        const uint32_t divisor = sp_gcd(source_rate, rate);
        stream->up = rate / divisor;
        stream->down = source_rate / divisor;
        result = sp_resampler_create(source_rate, rate, channels, &stream->resampler);
        stream->frames = (uint64_t)((double)length * rate / source_rate + 0.5);
    } else {
        stream->frames = length;
    }
    stream->in = malloc((size_t)STREAM_CHUNK * channels * sizeof(float));
    if (result == SP_OK && stream->in == NULL) result = SP_ERROR_OUT_OF_MEMORY;
    if (result == SP_OK) result = open_decoder(stream);
    if (result == SP_OK) result = sp_stream_seek(stream, 0);
    if (result != SP_OK) {
        sp_stream_free(stream);
        return result;
    }
    *out_stream = stream;
    return SP_OK;
}

uint32_t sp_stream_channels(const sp_stream *stream) { return stream->channels; }
uint64_t sp_stream_frames(const sp_stream *stream) { return stream->frames; }
uint32_t sp_stream_source_rate(const sp_stream *stream) { return stream->source_rate; }
const char *sp_stream_format(const sp_stream *stream) { return stream->format_name; }

/* Up to `want` frames from the decoder. Stopped short of the file's end (a cut or a failed
 * decode, met by a read or by a seek's dropped frames), it is opened again before the next
 * seek; stopped at the end it is kept (no reopen by path each time a song ends). */
static uint64_t read_decoder(sp_stream *stream, float *out, uint64_t want) {
    ma_uint64 got = 0, cursor = 0;
    ma_decoder_read_pcm_frames(&stream->decoder, out, want, &got);
    if (got < want &&
        (ma_decoder_get_cursor_in_pcm_frames(&stream->decoder, &cursor) != MA_SUCCESS ||
         cursor < stream->in_frames)) {
        stream->reopen = true;
    }
    return got;
}

/* Reads up to `want` input frames; fewer only at the end. */
static uint64_t read_input(sp_stream *stream, uint64_t want) {
    if (stream->input_done || !stream->open) return 0; /* not opened again: read as ended */
    const uint64_t got = read_decoder(stream, stream->in, want);
    if (got < want) stream->input_done = true;
    return got;
}

/* Output frames from the resampler; drops them when out is NULL. Input the resampler has not
 * taken yet waits in `in` for the next call. */
static uint64_t resampled(sp_stream *stream, float *out, uint64_t want) {
    sp_resampler *r = stream->resampler;
    uint64_t made = 0;
    while (made < want) {
        uint64_t available = stream->in_len - stream->in_pos;
        if (available == 0 && !sp_resampler_finished(r)) {
            stream->in_pos = 0;
            stream->in_len = read_input(stream, STREAM_CHUNK);
            available = stream->in_len;
            if (available == 0) sp_resampler_finish(r);
        }
        uint64_t consumed = available, n = want - made;
        const float *in = available ? stream->in + (size_t)stream->in_pos * stream->channels : NULL;
        sp_resampler_process(r, in, &consumed, out == NULL ? NULL : out + (size_t)made * stream->channels,
                             &n);
        stream->in_pos += consumed;
        made += n;
        if (n == 0 && consumed == 0 && (sp_resampler_finished(r) || available > 0)) break;
    }
    return made;
}

sp_result sp_stream_seek(sp_stream *stream, uint64_t frame) {
    if (stream->stretch != NULL) return sp_stretch_reader_seek(stream->stretch, frame);
    if (frame > stream->frames) frame = stream->frames;
    stream->input_done = false;
    stream->cut_short = false;
    stream->in_pos = stream->in_len = 0;
    if (stream->resampler == NULL) {
        if (seek_decoder(stream, frame) != MA_SUCCESS) return SP_ERROR_DECODE;
        stream->next = frame;
        return SP_OK;
    }
    /* The filter reaches `delay` input frames ahead and as far behind: start it afresh far
     * enough before the target, at a phase-0 frame. */
    const uint64_t margin = 4ull * sp_resampler_delay(stream->resampler) + 64u;
    const uint64_t periods_back = (margin + stream->down - 1) / stream->down;
    const uint64_t period = frame / stream->up;
    const uint64_t start_period = period > periods_back ? period - periods_back : 0;
    sp_resampler_reset(stream->resampler);
    if (seek_decoder(stream, start_period * stream->down) != MA_SUCCESS) {
        return SP_ERROR_DECODE;
    }
    stream->next = start_period * stream->up;
    if (frame > stream->next) {
        const uint64_t drop = frame - stream->next;
        stream->next += resampled(stream, NULL, drop);
    }
    return SP_OK;
}

uint32_t sp_stream_read(sp_stream *stream, float *out, uint32_t want) {
    if (stream->stretch != NULL) return sp_stretch_reader_read(stream->stretch, out, want);
    if (stream->next >= stream->frames) return 0;
    if (want > stream->frames - stream->next) want = (uint32_t)(stream->frames - stream->next);
    uint64_t got;
    if (stream->resampler != NULL) {
        got = resampled(stream, out, want);
    } else {
        got = 0;
        while (got < want && stream->open) {
            const uint64_t n =
                read_decoder(stream, out + (size_t)got * stream->channels, want - got);
            if (n == 0) break;
            got += n;
        }
    }
    if (stream->quirks & SP_QUIRK_AIFF_G711) {
        sp_negate_strided(out, out, 1, (uint64_t)got * stream->channels);
    }
    /* The file ended (or a read failed) before its length: cut short on disk after loading.
     * Only what was read is given; the caller stops there rather than play made-up silence. */
    if (got < want && stream->frames - (stream->next + got) > SP_TRUNCATION_SLACK) {
        stream->cut_short = true;
        stream->next += got;
        return (uint32_t)got;
    }
    /* The resampler's last few frames: silence to the length, as the whole decode pads. */
    if (got < want) memset(out + (size_t)got * stream->channels, 0,
                           (size_t)(want - got) * stream->channels * sizeof(float));
    stream->next += want;
    return want;
}

bool sp_stream_cut_short(const sp_stream *stream) {
    return stream->stretch != NULL ? sp_stretch_reader_cut_short(stream->stretch)
                                   : stream->cut_short;
}

sp_result sp_stream_stretch(sp_stream **stream, uint32_t rate, double speed, double pitch_scale,
                            uint32_t engine) {
    SP_CHECK(stream != NULL && *stream != NULL && (*stream)->stretch == NULL,
             SP_ERROR_INVALID_ARGUMENT);
    sp_stream *shell = calloc(1, sizeof(sp_stream));
    SP_CHECK(shell != NULL, SP_ERROR_OUT_OF_MEMORY);
    const sp_result result =
        sp_stretch_reader_create(*stream, rate, speed, pitch_scale, engine, &shell->stretch);
    if (result != SP_OK) {
        free(shell);
        return result;
    }
    shell->channels = (*stream)->channels;
    shell->source_rate = (*stream)->source_rate;
    shell->format_name = (*stream)->format_name;
    shell->frames = sp_stretch_reader_frames(shell->stretch);
    *stream = shell;
    return SP_OK;
}

bool sp_stream_stretched(const sp_stream *stream) { return stream->stretch != NULL; }

sp_result sp_stream_seek_via(sp_stream *stream, uint64_t frame, uint64_t from) {
    return stream->stretch != NULL ? sp_stretch_reader_seek_via(stream->stretch, frame, from)
                                   : sp_stream_seek(stream, frame);
}

sp_result sp_stream_keep(sp_stream *stream, uint64_t frame, uint64_t from) {
    return stream->stretch != NULL ? sp_stretch_reader_keep(stream->stretch, frame, from) : SP_OK;
}

bool sp_stream_kept(const sp_stream *stream, uint64_t frame, uint64_t from) {
    return stream->stretch == NULL || sp_stretch_reader_kept(stream->stretch, frame, from);
}
