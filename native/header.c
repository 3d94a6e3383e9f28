/* header.c: decides the container from a file's first bytes and checks what a WAV or FLAC
 * header claims before the decoder runs. miniaudio's WAV reader silently clamps a data chunk
 * that claims more bytes than the file holds, and rejects a 0 Hz header as merely "invalid";
 * a live rig needs to be told "truncated" and "unsupported rate" instead. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAX_CHUNKS 4096u /* a WAV file with more chunks before its data is not one we read */

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static sp_result report(char *detail, size_t size, sp_result result, const char *text) {
    snprintf(detail, size, "%s", text);
    return result;
}

sp_result sp_check_format(uint32_t rate, uint32_t channels, char *detail, size_t size) {
    if (rate < SP_MIN_SAMPLE_RATE || rate > SP_MAX_SAMPLE_RATE) {
        snprintf(detail, size, "unsupported sample rate %u Hz (%u to %u)", rate,
                 SP_MIN_SAMPLE_RATE, SP_MAX_SAMPLE_RATE);
        return SP_ERROR_FORMAT;
    }
    if (channels == 0 || channels > SP_MAX_CHANNELS) {
        snprintf(detail, size, "%u channels (at most %u are supported)", channels,
                 SP_MAX_CHANNELS);
        return SP_ERROR_FORMAT;
    }
    return SP_OK;
}

/* Walks the RIFF chunks up to "data". Anything this walk cannot make sense of is left to the
 * decoder, which then names it. */
static sp_result check_wav(FILE *file, uint64_t file_size, bool rf64, char *detail, size_t size) {
    uint64_t offset = 12, rf64_data_size = 0;
    bool have_format = false;
    for (uint32_t n = 0; n < MAX_CHUNKS && offset + 8 <= file_size; n++) {
        unsigned char head[8], body[24];
        if (fseek(file, (long)offset, SEEK_SET) != 0 || fread(head, 1, 8, file) != 8) break;
        const uint32_t chunk_size = le32(head + 4);
        const size_t body_bytes = chunk_size < sizeof body ? chunk_size : sizeof body;
        if (!memcmp(head, "fmt ", 4) || !memcmp(head, "ds64", 4)) {
            if (fread(body, 1, body_bytes, file) != body_bytes) break;
        }
        if (!memcmp(head, "fmt ", 4) && body_bytes >= 16) {
            const sp_result result =
                sp_check_format(le32(body + 4), (uint32_t)body[2] | (uint32_t)body[3] << 8, detail, size);
            if (result != SP_OK) return result;
            have_format = true;
        } else if (!memcmp(head, "ds64", 4) && body_bytes >= 16) {
            rf64_data_size = le64(body + 8);
        } else if (!memcmp(head, "data", 4)) {
            /* 0xFFFFFFFF: "size unknown" (a recorder that never finished, or RF64's ds64). */
            uint64_t claimed = chunk_size;
            if (rf64 && chunk_size == 0xFFFFFFFFu) claimed = rf64_data_size;
            else if (chunk_size == 0xFFFFFFFFu) return SP_OK;
            const uint64_t held = file_size - (offset + 8);
            if (have_format && claimed > held) {
                snprintf(detail, size,
                         "truncated: the header promises %llu bytes of audio, the file holds %llu",
                         (unsigned long long)claimed, (unsigned long long)held);
                return SP_ERROR_TRUNCATED;
            }
            return SP_OK;
        }
        offset += 8 + (uint64_t)chunk_size + (chunk_size & 1u);
    }
    return SP_OK;
}

/* STREAMINFO is the first metadata block: 20 bits of rate, 3 of channels - 1. A file that ends
 * inside its own metadata is truncated. */
static sp_result check_flac(FILE *file, uint64_t file_size, char *detail, size_t size) {
    unsigned char info[38];
    if (fseek(file, 4, SEEK_SET) != 0 || fread(info, 1, sizeof info, file) != sizeof info) {
        return report(detail, size, SP_ERROR_TRUNCATED, "truncated: the FLAC header is cut short");
    }
    if ((info[0] & 0x7f) == 0) {
        const uint32_t rate = (uint32_t)info[14] << 12 | (uint32_t)info[15] << 4 | info[16] >> 4;
        const sp_result result = sp_check_format(rate, ((info[16] >> 1) & 7u) + 1, detail, size);
        if (result != SP_OK) return result;
    }
    uint64_t offset = 4;
    for (uint32_t n = 0; n < MAX_CHUNKS; n++) {
        unsigned char head[4];
        if (offset + 4 > file_size || fseek(file, (long)offset, SEEK_SET) != 0 ||
            fread(head, 1, 4, file) != 4) {
            return report(detail, size, SP_ERROR_TRUNCATED,
                          "truncated: the file ends inside the FLAC metadata");
        }
        offset += 4 + ((uint64_t)head[1] << 16 | (uint64_t)head[2] << 8 | head[3]);
        if (head[0] & 0x80) break; /* the last metadata block */
    }
    if (offset >= file_size) {
        return report(detail, size, SP_ERROR_TRUNCATED,
                      "truncated: the file ends before the first FLAC frame");
    }
    return SP_OK;
}

sp_result sp_inspect_file(const char *path, ma_encoding_format *format, uint64_t *out_size,
                          char *detail, size_t size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return report(detail, size, SP_ERROR_FILE, "cannot open the file");
    unsigned char head[12] = {0};
    const size_t got = fread(head, 1, sizeof head, file);
    uint64_t file_size = 0;
    if (fseek(file, 0, SEEK_END) == 0) {
        const long end = ftell(file);
        if (end > 0) file_size = (uint64_t)end;
    }
    *out_size = file_size;
    sp_result result = SP_OK;
    if (got == 0) {
        result = report(detail, size, SP_ERROR_EMPTY, "the file is empty");
    } else if (got >= 12 && (!memcmp(head, "RIFF", 4) || !memcmp(head, "RF64", 4)) &&
               !memcmp(head + 8, "WAVE", 4)) {
        *format = ma_encoding_format_wav;
        result = check_wav(file, file_size, head[1] == 'F', detail, size);
    } else if (got >= 4 && !memcmp(head, "fLaC", 4)) {
        *format = ma_encoding_format_flac;
        result = check_flac(file, file_size, detail, size);
    } else if ((got >= 3 && !memcmp(head, "ID3", 3)) ||
               (got >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)) {
        /* Random bytes named .mp3 would otherwise decode as noise: sync words are easy to find. */
        *format = ma_encoding_format_mp3;
    } else {
        result = report(detail, size, SP_ERROR_DECODE, "not a WAV, FLAC or MP3 file");
    }
    fclose(file);
    return result;
}
