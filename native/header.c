/* header.c: decides the container from a file's first bytes and checks what a WAV, AIFF or
 * FLAC header claims before the decoder runs. Containers that only the optional decoder reads
 * (MP4/M4A, Opus, CAF, ...) are named and answered with SP_ERROR_FORMAT_UNAVAILABLE. miniaudio's WAV reader silently clamps a data chunk
 * that claims more bytes than the file holds, and rejects a 0 Hz header as merely "invalid";
 * a live rig needs to be told "truncated" and "unsupported rate" instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_CHUNKS 4096u /* a WAV file with more chunks before its data is not one we read */

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* AIFF's sample rate: an 80-bit IEEE extended float. 0 for anything out of range. */
static uint32_t extended_to_rate(const unsigned char *p) {
    const int exponent = ((p[0] & 0x7f) << 8 | p[1]) - 16383;
    const uint64_t mantissa = (uint64_t)be32(p + 2) << 32 | be32(p + 6);
    if ((p[0] & 0x80) || exponent < 0) return 0;
    if (exponent > 31) return UINT32_MAX; /* reported as far too high, not as 0 Hz */
    return (uint32_t)(mantissa >> (63 - exponent));
}

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

/* The audio chunk's claimed size against what the file holds after its header (checked once
 * the format is known). */
static sp_result audio_fits(bool have_format, uint64_t claimed, uint64_t held, char *detail,
                            size_t size) {
    if (!have_format || claimed <= held) return SP_OK;
    snprintf(detail, size, "truncated: the header promises %llu bytes of audio, the file holds %llu",
             (unsigned long long)claimed, (unsigned long long)held);
    return SP_ERROR_TRUNCATED;
}

/* A chunk before the audio that claims more bytes than the file has left: the file was cut
 * (or its header is corrupt); named, never walked past. */
static sp_result chunk_past_end(const unsigned char *id, uint32_t chunk_size, char *detail,
                                size_t size) {
    char name[5];
    for (int i = 0; i < 4; i++) name[i] = id[i] >= 0x20 && id[i] < 0x7f ? (char)id[i] : '?';
    name[4] = '\0';
    snprintf(detail, size, "truncated: the '%s' chunk claims %u bytes, past the end of the file",
             name, chunk_size);
    return SP_ERROR_TRUNCATED;
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
            return audio_fits(have_format, claimed, file_size - (offset + 8), detail, size);
        }
        if (offset + 8 + chunk_size > file_size) return chunk_past_end(head, chunk_size, detail, size);
        offset += 8 + (uint64_t)chunk_size + (chunk_size & 1u);
    }
    return SP_OK;
}

/* Bytes per frame of an AIFF's sample data as dr_wav reckons them (its COMM parse and
 * ma_dr_wav_get_bytes_per_pcm_frame), or 0 when dr_wav refuses the encoding anyway. It goes by
 * COMM's sampleSize, whatever the compression type says (an "fl32" COMM of 64 bits reads as
 * doubles). */
static uint64_t aiff_frame_bytes(uint32_t channels, uint32_t bits, bool g711) {
    uint32_t block_align = (uint16_t)(channels * bits / 8);
    if (g711 && bits > 8) {
        bits = 8;
        block_align = channels;
    }
    bits += bits & 7u;
    const uint64_t bytes = (bits & 7u) == 0 ? (uint64_t)bits * channels / 8 : block_align;
    if (g711 && bytes != channels) return 0;
    return bytes;
}

static bool is_g711(const unsigned char *type) {
    return type != NULL && (!memcmp(type, "ulaw", 4) || !memcmp(type, "ULAW", 4) ||
                            !memcmp(type, "alaw", 4) || !memcmp(type, "ALAW", 4));
}

/* Walks every AIFF/AIFF-C chunk (big-endian) as dr_wav does: it reads the whole file, and the
 * last COMM and the last SSND win wherever they stand (COMM after SSND is legal AIFF). Then:
 * COMM's channels and rate, whether the sound data the header claims is in the file, and
 * whether COMM's frame count fits in SSND after its offset (else dr_wav reads the next chunk's
 * bytes as audio). Every size is the file's word: checked before it is used. */
static sp_result check_aiff(FILE *file, uint64_t file_size, bool aifc, uint32_t *quirks,
                            char *detail, size_t size) {
    uint64_t offset = 12, frames = 0, frame_bytes = 0;
    uint32_t rate = 0, channels = 0;
    bool have_format = false, g711 = false, have_sound = false;
    uint64_t ssnd_at = 0; /* the last SSND chunk's offset in the file */
    uint32_t ssnd_size = 0;
    for (uint32_t n = 0; n < MAX_CHUNKS && offset + 8 <= file_size; n++) {
        unsigned char head[8], body[22];
        if (fseek(file, (long)offset, SEEK_SET) != 0 || fread(head, 1, 8, file) != 8) break;
        const uint32_t chunk_size = be32(head + 4);
        const bool past_end = offset + 8 + chunk_size > file_size;
        if (!memcmp(head, "COMM", 4) && chunk_size >= 18) {
            const size_t want = aifc && chunk_size >= 22 ? 22 : 18;
            if (fread(body, 1, want, file) != want) break;
            const unsigned char *type = want == 22 ? body + 18 : NULL;
            channels = (uint32_t)body[0] << 8 | body[1];
            rate = extended_to_rate(body + 8);
            frames = be32(body + 2);
            g711 = is_g711(type);
            frame_bytes = aiff_frame_bytes(channels, (uint32_t)body[6] << 8 | body[7], g711);
            have_format = true;
        } else if (!memcmp(head, "SSND", 4)) {
            have_sound = true;
            ssnd_at = offset;
            ssnd_size = chunk_size;
        }
        if (past_end) {
            /* Before the sound data: the file was cut (or its header is corrupt). After it:
             * where dr_wav's walk ends too. */
            if (!have_sound) return chunk_past_end(head, chunk_size, detail, size);
            break;
        }
        offset += 8 + (uint64_t)chunk_size + (chunk_size & 1u);
    }
    if (!have_format) return SP_OK; /* the decoder names what is missing */
    sp_result result = sp_check_format(rate, channels, detail, size);
    if (result != SP_OK) return result;
    if (g711) *quirks |= SP_QUIRK_AIFF_G711;
    if (!have_sound) return SP_OK;
    result = audio_fits(true, ssnd_size, file_size - (ssnd_at + 8), detail, size);
    if (result != SP_OK) return result;
    unsigned char fields[8];
    if (ssnd_size < 8 || fseek(file, (long)(ssnd_at + 8), SEEK_SET) != 0 ||
        fread(fields, 1, 8, file) != 8) {
        return report(detail, size, SP_ERROR_DECODE,
                      "the SSND chunk is too short for its offset and block size");
    }
    const uint64_t skip = be32(fields);
    if (skip > ssnd_size - 8u) {
        snprintf(detail, size, "the SSND chunk's offset %llu runs past its %u bytes",
                 (unsigned long long)skip, ssnd_size);
        return SP_ERROR_DECODE;
    }
    const uint64_t held = ssnd_size - 8u - skip;
    if (frame_bytes > 0 && frames > held / frame_bytes) {
        snprintf(detail, size,
                 "truncated: the header promises %llu frames, the SSND chunk holds %llu",
                 (unsigned long long)frames, (unsigned long long)(held / frame_bytes));
        return SP_ERROR_TRUNCATED;
    }
    /* 0 frames in COMM: dr_wav then counts SSND's size, its 8 bytes of offset and blockSize
     * included (clamped only by the file's end), so with anything after SSND it would play
     * the next chunk's header as a frame or two. */
    if (frames == 0 && file_size > ssnd_at + 8 + ssnd_size) {
        snprintf(detail, size,
                 "the COMM chunk counts 0 frames while its SSND chunk holds %llu bytes and "
                 "chunks follow it",
                 (unsigned long long)held);
        return SP_ERROR_DECODE;
    }
    return SP_OK;
}

#ifdef SP_HAVE_STB_VORBIS
#define MAX_COMMENT_PACKET (64u << 20) /* a Vorbis comment header larger than this is refused */

/* Copies the Ogg stream's second packet (Vorbis's comment header) into a new buffer; NULL when
 * the pages end first, are not Ogg pages, or the packet is absurdly large. */
static unsigned char *second_packet(FILE *file, uint64_t file_size, uint32_t *out_length) {
    unsigned char *packet = NULL;
    uint32_t length = 0, capacity = 0, index = 0;
    uint64_t offset = 0;
    while (offset + 27 <= file_size) {
        unsigned char head[27], lacing[255];
        if (fseek(file, (long)offset, SEEK_SET) != 0 || fread(head, 1, 27, file) != 27 ||
            memcmp(head, "OggS", 4) != 0 || fread(lacing, 1, head[26], file) != head[26]) {
            break;
        }
        uint64_t body = offset + 27 + head[26];
        for (uint32_t s = 0; s < head[26]; body += lacing[s], s++) {
            if (index == 1) {
                if (length + lacing[s] > MAX_COMMENT_PACKET) goto fail;
                if (length + lacing[s] > capacity) {
                    capacity = capacity * 2 > length + lacing[s] ? capacity * 2 : length + 4096;
                    unsigned char *grown = realloc(packet, capacity);
                    if (grown == NULL) goto fail;
                    packet = grown;
                }
                if (fseek(file, (long)body, SEEK_SET) != 0 ||
                    fread(packet + length, 1, lacing[s], file) != lacing[s]) {
                    goto fail;
                }
                length += lacing[s];
            }
            if (lacing[s] < 255 && ++index == 2) {
                *out_length = length;
                return packet;
            }
        }
        offset = body;
    }
fail:
    free(packet);
    return NULL;
}

/* stb_vorbis trusts the comment header's lengths: a vendor string or comment that claims more
 * bytes than its packet holds makes it allocate (up to 2 GiB) and loop that far. Every length
 * must fit in what is left of the packet. */
static sp_result check_vorbis_comments(FILE *file, uint64_t file_size, char *detail, size_t size) {
    uint32_t length = 0;
    unsigned char *packet = second_packet(file, file_size, &length);
    if (packet == NULL) {
        return report(detail, size, SP_ERROR_DECODE,
                      "the Ogg Vorbis comment header is missing, cut short or over 64 MiB");
    }
    bool ok = length >= 7 + 4 && packet[0] == 3 && !memcmp(packet + 1, "vorbis", 6);
    uint64_t at = 7;
    if (ok) {
        const uint32_t vendor = le32(packet + at);
        at += 4;
        ok = vendor <= length - at;
        at += vendor;
    }
    if (ok && (ok = length - at >= 4)) {
        const uint32_t comments = le32(packet + at);
        at += 4;
        ok = comments <= (length - at) / 4;
        for (uint32_t i = 0; ok && i < comments; i++) {
            ok = length - at >= 4;
            if (!ok) break;
            const uint32_t bytes = le32(packet + at);
            at += 4;
            ok = bytes <= length - at;
            at += bytes;
        }
    }
    free(packet);
    return ok ? SP_OK
              : report(detail, size, SP_ERROR_DECODE,
                       "the Ogg Vorbis comment header is corrupt (a length runs past its packet)");
}
#endif

/* The first Ogg page holds the codec's identification packet: what the stream is. */
static sp_result check_ogg(FILE *file, uint64_t file_size, ma_encoding_format *format,
                           const char **name, char *detail, size_t size) {
    unsigned char page[27 + 255 + 8] = {0};
    if (fseek(file, 0, SEEK_SET) != 0) return report(detail, size, SP_ERROR_FILE, "cannot read");
    const size_t got = fread(page, 1, sizeof page, file);
    const size_t packet = 27u + page[26];
    if (got < packet + 8) {
        return report(detail, size, SP_ERROR_TRUNCATED, "truncated: the first Ogg page is cut short");
    }
    const unsigned char *id = page + packet;
    if (!memcmp(id, "\x01vorbis", 7)) {
        *name = "Ogg Vorbis";
#ifdef SP_HAVE_STB_VORBIS
        *format = ma_encoding_format_vorbis;
        return check_vorbis_comments(file, file_size, detail, size);
#else
        (void)file_size;
        (void)format;
        return report(detail, size, SP_ERROR_FORMAT_UNAVAILABLE,
                      "Ogg Vorbis (this build has no stb_vorbis)");
#endif
    }
    if (!memcmp(id, "OpusHead", 8)) *name = "Ogg Opus";
    else if (!memcmp(id, "\x7f" "FLAC", 5)) *name = "Ogg FLAC";
    else *name = "Ogg";
    return report(detail, size, SP_ERROR_FORMAT_UNAVAILABLE, *name);
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

sp_result sp_inspect_file(const char *path, ma_encoding_format *format, const char **name,
                          uint64_t *out_size, uint32_t *quirks, char *detail, size_t size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return report(detail, size, SP_ERROR_FILE, "cannot open the file");
    unsigned char head[16] = {0};
    const size_t got = fread(head, 1, sizeof head, file);
    uint64_t file_size = 0;
    if (fseek(file, 0, SEEK_END) == 0) {
        const long end = ftell(file);
        if (end > 0) file_size = (uint64_t)end;
    }
    *out_size = file_size;
    *name = "";
    *quirks = 0;
    sp_result result = SP_OK;
    if (got == 0) {
        result = report(detail, size, SP_ERROR_EMPTY, "the file is empty");
    } else if (got >= 12 && (!memcmp(head, "RIFF", 4) || !memcmp(head, "RF64", 4)) &&
               !memcmp(head + 8, "WAVE", 4)) {
        *format = ma_encoding_format_wav;
        *name = head[1] == 'F' ? "RF64" : "WAV";
        result = check_wav(file, file_size, head[1] == 'F', detail, size);
    } else if (got >= 16 && !memcmp(head, "riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00", 16)) {
        *format = ma_encoding_format_wav; /* Sony Wave64: dr_wav reads it */
        *name = "Wave64";
    } else if (got >= 12 && !memcmp(head, "FORM", 4) &&
               (!memcmp(head + 8, "AIFF", 4) || !memcmp(head + 8, "AIFC", 4))) {
        *format = ma_encoding_format_wav; /* dr_wav reads AIFF and AIFF-C */
        *name = head[11] == 'C' ? "AIFF-C" : "AIFF";
        *quirks |= SP_QUIRK_AIFF;
        result = check_aiff(file, file_size, head[11] == 'C', quirks, detail, size);
    } else if (got >= 4 && !memcmp(head, "fLaC", 4)) {
        *format = ma_encoding_format_flac;
        *name = "FLAC";
        result = check_flac(file, file_size, detail, size);
    } else if (got >= 4 && !memcmp(head, "OggS", 4)) {
        result = check_ogg(file, file_size, format, name, detail, size);
    } else if (got >= 12 && !memcmp(head + 4, "ftyp", 4)) {
        *name = "MP4/M4A";
        result = report(detail, size, SP_ERROR_FORMAT_UNAVAILABLE, *name);
    } else if (got >= 4 && !memcmp(head, "caff", 4)) {
        *name = "CAF";
        result = report(detail, size, SP_ERROR_FORMAT_UNAVAILABLE, *name);
    } else if (got >= 4 && !memcmp(head, "\x30\x26\xb2\x75", 4)) {
        *name = "ASF/WMA";
        result = report(detail, size, SP_ERROR_FORMAT_UNAVAILABLE, *name);
    } else if (got >= 2 && head[0] == 0xFF && (head[1] & 0xF6) == 0xF0) {
        /* ADTS: the MP3 sync word with layer bits 00, which MPEG audio never uses. */
        *name = "ADTS AAC";
        result = report(detail, size, SP_ERROR_FORMAT_UNAVAILABLE, *name);
    } else if ((got >= 3 && !memcmp(head, "ID3", 3)) ||
               (got >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)) {
        /* Random bytes named .mp3 would otherwise decode as noise: sync words are easy to find. */
        *format = ma_encoding_format_mp3;
        *name = "MP3";
    } else {
        result = report(detail, size, SP_ERROR_DECODE,
                        "not an audio file stemplay can read (WAV, AIFF, FLAC, MP3, Ogg Vorbis; "
                        "M4A, AAC, ALAC, Opus through ffmpeg)");
    }
    fclose(file);
    return result;
}
