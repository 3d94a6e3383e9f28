/* fuzz_decode.c: feeds mutated copies of small valid WAV, AIFF, FLAC, MP3 and Ogg Vorbis files
 * through the decode job API (create, run, progress, source, format, error, take, pcm info and
 * read, free), built with AddressSanitizer and UndefinedBehaviorSanitizer; LeakSanitizer
 * checks nothing leaks.
 *
 * Mutations, chosen by a deterministic generator: bit flips, random bytes, truncation at any
 * length, lies in the size fields (WAV and AIFF chunk sizes, AIFF's COMM, FLAC metadata
 * lengths and STREAMINFO, MP3 frame headers, Ogg page headers and segment tables), and random
 * bytes inserted into the header. Most mutated Ogg files get their page checksums fixed, so
 * the damage reaches the Vorbis decoder instead of stopping at the CRC check. AIFF files also
 * get their chunks reordered (COMM after SSND), a second COMM, another compression type
 * (ulaw, alaw, an unknown one) and a frame count of 0: the header walk and dr_wav must agree.
 *
 * Every file that decodes whole is also opened as a stream (sp_file_source_open without a
 * ring) and read at heads from its start, middle and end: the streaming reader's seeks (the
 * AIFF seek from frame 0), its G.711 sign fix and its truncation check run under the
 * sanitizers too.
 *
 * Usage: fuzz_decode <scratch folder> <cases> <seed> <seed file>...
 * Prints one summary line per result code and "fuzz: ok" at the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stemplay.h"

typedef struct {
    unsigned char *data;
    size_t size;
} bytes;

static uint64_t rng_state;

static uint64_t next_random(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static size_t below(size_t n) { return n == 0 ? 0 : (size_t)(next_random() % n); }

static bytes read_file(const char *path) {
    bytes out = {0};
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "fuzz: cannot read seed %s\n", path);
        exit(2);
    }
    fseek(file, 0, SEEK_END);
    out.size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    out.data = malloc(out.size + 1);
    if (out.data == NULL || fread(out.data, 1, out.size, file) != out.size) exit(2);
    fclose(file);
    return out;
}

static void write_file(const char *path, const bytes *b) {
    FILE *file = fopen(path, "wb");
    if (file == NULL || fwrite(b->data, 1, b->size, file) != b->size) {
        fprintf(stderr, "fuzz: cannot write %s\n", path);
        exit(2);
    }
    fclose(file);
}

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A size a liar would write: edges, off-by-some, huge. */
static uint32_t lying_size(uint32_t truth) {
    switch (below(8)) {
        case 0: return 0;
        case 1: return 1;
        case 2: return 0xFFFFFFFFu;
        case 3: return 0x7FFFFFFFu;
        case 4: return truth + 1 + (uint32_t)below(64);
        case 5: return truth > 64 ? truth - 1 - (uint32_t)below(64) : 0;
        case 6: return truth * 2 + 1;
        default: return (uint32_t)next_random();
    }
}

static void lie_wav(bytes *b) {
    size_t offsets[64], count = 0;
    offsets[count++] = 4; /* RIFF size */
    size_t at = 12;
    while (at + 8 <= b->size && count < 64) {
        offsets[count++] = at + 4;
        const uint32_t size = get32(b->data + at + 4);
        if (!memcmp(b->data + at, "fmt ", 4) && at + 24 <= b->size) {
            /* channels, rate, byte rate, block align and bits live here too */
            const size_t field = at + 8 + 2 + 2 * below(4);
            if (below(2)) b->data[field] = (unsigned char)next_random();
            else put32(b->data + at + 12, lying_size(get32(b->data + at + 12)));
        }
        at += 8 + (size_t)size + (size & 1u);
    }
    const size_t pick = offsets[below(count)];
    if (pick + 4 <= b->size) put32(b->data + pick, lying_size(get32(b->data + pick)));
}

static uint32_t get32be(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put32be(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Where chunk `id` starts in an AIFF, or 0. */
static size_t aiff_chunk(const bytes *b, const char *id) {
    size_t at = 12;
    for (int n = 0; n < 64 && at + 8 <= b->size; n++) {
        if (!memcmp(b->data + at, id, 4)) return at;
        const uint32_t size = get32be(b->data + at + 4);
        at += 8 + (size_t)size + (size & 1u);
    }
    return 0;
}

/* Chunk-level damage a header walk must follow the way dr_wav does: COMM moved to the end,
 * a copy of COMM with other fields appended, a new compression type, 0 frames. */
static void shuffle_aiff(bytes *b) {
    const size_t comm = aiff_chunk(b, "COMM");
    if (comm == 0) return;
    const uint32_t size = get32be(b->data + comm + 4);
    const size_t length = 8 + (size_t)size + (size & 1u);
    if (comm + length > b->size || length > 4096) return;
    unsigned char saved[4096];
    memcpy(saved, b->data + comm, length);
    switch (below(4)) {
        case 0: /* COMM after everything (after SSND) */
            memmove(b->data + comm, b->data + comm + length, b->size - comm - length);
            memcpy(b->data + b->size - length, saved, length);
            break;
        case 1: { /* a second COMM at the end, its frames or bits changed */
            unsigned char *grown = realloc(b->data, b->size + length + 1);
            if (grown == NULL) exit(2);
            b->data = grown;
            if (length >= 16) saved[8 + 2 + below(6)] = (unsigned char)next_random();
            memcpy(b->data + b->size, saved, length);
            b->size += length;
            break;
        }
        case 2: /* AIFF-C's compression type */
            if (size >= 22 && comm + 30 <= b->size) {
                static const char *types[] = {"ulaw", "alaw", "ULAW", "NONE", "sowt", "fl32",
                                              "fl64", "ima4", "QDM2"};
                memcpy(b->data + comm + 26, types[below(9)], 4);
            }
            break;
        default: /* 0 frames */
            if (comm + 14 <= b->size) put32be(b->data + comm + 10, 0);
    }
}

static void lie_aiff(bytes *b) {
    if (below(3) == 0) {
        shuffle_aiff(b);
        return;
    }
    size_t offsets[64], count = 0;
    offsets[count++] = 4; /* FORM size */
    size_t at = 12;
    while (at + 8 <= b->size && count < 64) {
        offsets[count++] = at + 4;
        const uint32_t size = get32be(b->data + at + 4);
        if (!memcmp(b->data + at, "COMM", 4) && at + 26 <= b->size && below(2)) {
            /* channels, frames, bits, the 80-bit rate, AIFF-C's compression type */
            b->data[at + 8 + below(18)] = (unsigned char)next_random();
            return;
        }
        at += 8 + (size_t)size + (size & 1u);
    }
    const size_t pick = offsets[below(count)];
    if (pick + 4 <= b->size) put32be(b->data + pick, lying_size(get32be(b->data + pick)));
}

/* Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial 0, over the page with its
 * checksum field zeroed. */
static uint32_t ogg_crc(const unsigned char *p, size_t n) {
    uint32_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint32_t)p[i] << 24;
        for (int k = 0; k < 8; k++) crc = crc & 0x80000000u ? crc << 1 ^ 0x04c11db7u : crc << 1;
    }
    return crc;
}

/* Recomputes the checksum of every whole page, so a page with damage inside still passes. */
static void fix_ogg_crcs(bytes *b) {
    size_t at = 0;
    while (at + 27 <= b->size && !memcmp(b->data + at, "OggS", 4)) {
        const size_t segments = b->data[at + 26];
        if (at + 27 + segments > b->size) return;
        size_t body = 0;
        for (size_t i = 0; i < segments; i++) body += b->data[at + 27 + i];
        const size_t length = 27 + segments + body;
        if (at + length > b->size) return;
        memset(b->data + at + 22, 0, 4);
        const uint32_t crc = ogg_crc(b->data + at, length);
        b->data[at + 22] = (unsigned char)crc;
        b->data[at + 23] = (unsigned char)(crc >> 8);
        b->data[at + 24] = (unsigned char)(crc >> 16);
        b->data[at + 25] = (unsigned char)(crc >> 24);
        at += length;
    }
}

static void lie_ogg(bytes *b) {
    /* Pick a page, then one of its header fields, a segment length, or its body. */
    size_t pages[64], count = 0, at = 0;
    while (at + 27 <= b->size && count < 64 && !memcmp(b->data + at, "OggS", 4)) {
        pages[count++] = at;
        const size_t segments = b->data[at + 26];
        if (at + 27 + segments > b->size) break;
        size_t body = 0;
        for (size_t i = 0; i < segments; i++) body += b->data[at + 27 + i];
        at += 27 + segments + body;
    }
    if (count == 0) return;
    const size_t page = pages[below(count)];
    const size_t segments = b->data[page + 26];
    switch (below(4)) {
        case 0: /* header type, granule position, serial, sequence */
            b->data[page + 5 + below(17)] = (unsigned char)next_random();
            break;
        case 1: /* the segment count */
            b->data[page + 26] = (unsigned char)next_random();
            break;
        case 2: /* a segment length */
            if (segments > 0 && page + 27 + segments <= b->size) {
                b->data[page + 27 + below(segments)] = (unsigned char)next_random();
            }
            break;
        default: { /* packet bytes: the Vorbis headers and codebooks live in the first pages */
            const size_t start = page + 27 + segments;
            if (start < b->size) {
                const size_t span = b->size - start < 4096 ? b->size - start : 4096;
                const size_t n = 1 + below(4);
                for (size_t i = 0; i < n; i++) b->data[start + below(span)] ^= (unsigned char)(1u << below(8));
            }
        }
    }
}

static void lie_flac(bytes *b) {
    if (b->size < 42) return;
    switch (below(4)) {
        case 0: /* a metadata block length */
            b->data[5 + below(3)] = (unsigned char)next_random();
            break;
        case 1: /* sample rate, channels, bits */
            b->data[18 + below(3)] = (unsigned char)next_random();
            break;
        case 2: /* total samples */
            for (size_t i = 21; i < 26; i++) b->data[i] = (unsigned char)next_random();
            break;
        default: /* block and frame sizes */
            b->data[8 + below(10)] = (unsigned char)next_random();
    }
}

static void lie_mp3(bytes *b) {
    /* Corrupt the bytes after a sync word: version, layer, bitrate, rate, channel mode. */
    for (int tries = 0; tries < 64 && b->size > 4; tries++) {
        const size_t at = below(b->size - 4);
        if (b->data[at] == 0xFF && (b->data[at + 1] & 0xE0) == 0xE0) {
            b->data[at + 1 + below(3)] = (unsigned char)next_random();
            return;
        }
    }
    if (b->size > 4) b->data[1 + below(3)] = (unsigned char)next_random();
}

static void mutate(bytes *b) {
    const int rounds = 1 + (int)below(3);
    for (int r = 0; r < rounds && b->size > 0; r++) {
        switch (below(6)) {
            case 0: { /* bit flips */
                const size_t flips = 1 + below(8);
                for (size_t i = 0; i < flips; i++) b->data[below(b->size)] ^= (unsigned char)(1u << below(8));
                break;
            }
            case 1: { /* random bytes, mostly in the header */
                const size_t n = 1 + below(16);
                const size_t span = below(2) ? (b->size < 128 ? b->size : 128) : b->size;
                for (size_t i = 0; i < n; i++) b->data[below(span)] = (unsigned char)next_random();
                break;
            }
            case 2: /* truncation anywhere */
                b->size = below(b->size + 1);
                break;
            case 3: /* size fields that lie */
                if (b->size >= 12 && !memcmp(b->data, "RIFF", 4)) lie_wav(b);
                else if (b->size >= 12 && !memcmp(b->data, "FORM", 4)) lie_aiff(b);
                else if (b->size >= 4 && !memcmp(b->data, "fLaC", 4)) lie_flac(b);
                else if (b->size >= 4 && !memcmp(b->data, "OggS", 4)) lie_ogg(b);
                else lie_mp3(b);
                break;
            case 4: { /* insert random bytes into the first 256 */
                const size_t n = 1 + below(32);
                unsigned char *grown = realloc(b->data, b->size + n + 1);
                if (grown == NULL) exit(2);
                b->data = grown;
                const size_t at = below((b->size < 256 ? b->size : 256) + 1);
                memmove(b->data + at + n, b->data + at, b->size - at);
                for (size_t i = 0; i < n; i++) b->data[at + i] = (unsigned char)next_random();
                b->size += n;
                break;
            }
            default: /* a lie and a cut: a header promising more than is left */
                if (b->size >= 12 && !memcmp(b->data, "RIFF", 4)) lie_wav(b);
                else if (b->size >= 12 && !memcmp(b->data, "FORM", 4)) lie_aiff(b);
                else if (b->size >= 4 && !memcmp(b->data, "fLaC", 4)) lie_flac(b);
                else if (b->size >= 4 && !memcmp(b->data, "OggS", 4)) lie_ogg(b);
                b->size = b->size / 2 + below(b->size / 2 + 1);
        }
    }
    if (b->size >= 4 && !memcmp(b->data, "OggS", 4) && below(4) != 0) fix_ogg_crcs(b);
}

static const uint32_t TARGET_RATES[] = {0, 48000, 44100, 22050};

/* Opens the file as a stream without a ring and decodes heads at its start, middle and end:
 * the reader's seek, read and truncation paths. Any refusal must say why. */
static void stream_once(const char *path, uint32_t rate) {
    sp_file_source *source = NULL;
    char detail[256] = "";
    const sp_result result =
        sp_file_source_open(path, rate == 0 ? 48000 : rate, 0, &source, detail, sizeof detail);
    if (result != SP_OK) {
        if (source != NULL || detail[0] == '\0') {
            fprintf(stderr, "fuzz: stream refused (%d) without a detail\n", result);
            exit(3);
        }
        return;
    }
    uint64_t info[SP_FILE_INFO_COUNT];
    if (sp_file_source_info(source, info) != SP_OK) exit(3);
    const uint64_t frames = info[SP_FILE_INFO_FRAMES];
    if (frames == 0 || info[SP_FILE_INFO_CHANNELS] == 0 ||
        info[SP_FILE_INFO_CHANNELS] > SP_MAX_CHANNELS) {
        exit(3);
    }
    const uint64_t starts[] = {0, frames / 2, frames > 300 ? frames - 300 : 0, frames / 3 + 1};
    for (size_t h = 0; h < sizeof starts / sizeof starts[0]; h++) {
        const sp_result added = sp_file_source_add_head(source, starts[h], 1000 + 97 * (uint32_t)h);
        if (added != SP_OK) exit(3);
    }
    const sp_result decoded = sp_file_source_decode_heads(source);
    if (decoded != SP_OK && decoded != SP_ERROR_DECODE) exit(3);
    sp_file_source_free(source);
}

/* Peaks of the file over a few windows, through the direct WAV path (peaks_wav.c) and the
 * decoder (STEMPLAY_PEAKS_DECODER): both must give the same result and, when they read it, the
 * same bits. */
static void peaks_once(const char *path) {
    static float direct[2 * 4099 * SP_MAX_CHANNELS], decoded[2 * 4099 * SP_MAX_CHANNELS];
    static const struct {
        double start, end;
        uint32_t points;
    } windows[] = {{0, 1e-3, 1}, {0, 10, 997}, {0.001, 0.03, 4099}, {0.02, 0.021, 333}};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        uint64_t info_direct[3] = {0}, info_decoded[3] = {0};
        char detail[256];
        unsetenv("STEMPLAY_PEAKS_DECODER");
        const sp_result a = sp_peaks_file(path, windows[w].start, windows[w].end, windows[w].points,
                                          SP_MAX_CHANNELS, direct, info_direct, detail, sizeof detail);
        setenv("STEMPLAY_PEAKS_DECODER", "1", 1);
        const sp_result b = sp_peaks_file(path, windows[w].start, windows[w].end, windows[w].points,
                                          SP_MAX_CHANNELS, decoded, info_decoded, detail, sizeof detail);
        unsetenv("STEMPLAY_PEAKS_DECODER");
        const size_t values = (size_t)2 * windows[w].points * info_direct[1];
        if (a != b || (a == SP_OK && (memcmp(info_direct, info_decoded, sizeof info_direct) != 0 ||
                                      memcmp(direct, decoded, values * sizeof(float)) != 0))) {
            fprintf(stderr, "fuzz: peaks differ from the decoder's (%d, %d) in window %zu\n", a,
                    b, w);
            exit(3);
        }
    }
}

/* Runs one file through the whole job API; returns the sp_result of the run and, in *format,
 * the container the header check named (a static string). */
static sp_result decode_once(const char *path, uint32_t rate, const char **format) {
    sp_decode_job *job = NULL;
    sp_result result = sp_decode_job_create(path, rate, &job);
    if (result != SP_OK) {
        fprintf(stderr, "fuzz: create failed: %d\n", result);
        exit(3);
    }
    result = sp_decode_job_run(job);
    uint64_t progress[2];
    uint32_t source[2];
    sp_decode_job_progress(job, progress);
    sp_decode_job_source(job, source);
    const char *error = sp_decode_job_error(job);
    *format = sp_decode_job_format(job);
    if (*format == NULL) exit(3);
    if (result != SP_OK && error[0] == '\0') {
        fprintf(stderr, "fuzz: result %d without a detail\n", result);
        exit(3);
    }
    if (result == SP_OK) {
        sp_pcm *pcm = NULL;
        if (sp_decode_job_take(job, &pcm) != SP_OK) exit(3);
        uint64_t info[3];
        sp_pcm_info(pcm, info);
        if (info[0] == 0 || info[1] == 0 || info[1] > SP_MAX_CHANNELS) {
            fprintf(stderr, "fuzz: ok with %llu frames, %llu channels\n",
                    (unsigned long long)info[0], (unsigned long long)info[1]);
            exit(3);
        }
        float tail[16];
        const uint64_t n = info[0] < 16 ? info[0] : 16;
        for (uint32_t c = 0; c < (uint32_t)info[1]; c++) {
            if (sp_pcm_read_channel(pcm, c, info[0] - n, n, tail) != SP_OK) exit(3);
        }
        sp_pcm_free(pcm);
    }
    sp_decode_job_free(job);
    return result;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: fuzz_decode <scratch folder> <cases> <seed> <seed file>...\n");
        return 2;
    }
    const char *scratch = argv[1];
    const long cases = strtol(argv[2], NULL, 10);
    rng_state = strtoull(argv[3], NULL, 10) | 1u;
    const int seeds = argc - 4;
    bytes *originals = calloc((size_t)seeds, sizeof(bytes));
    if (originals == NULL) return 2;
    for (int i = 0; i < seeds; i++) originals[i] = read_file(argv[4 + i]);

    char path[4096];
    snprintf(path, sizeof path, "%s/fuzz.bin", scratch);
    long counts[32] = {0};
    struct {
        const char *name;
        long cases, ok;
    } formats[16] = {{0}};
    for (int i = 0; i < seeds; i++) { /* the seeds themselves must decode */
        const char *format = "";
        const sp_result result = decode_once(argv[4 + i], 48000, &format);
        if (result != SP_OK) {
            fprintf(stderr, "fuzz: seed %s does not decode: %s\n", argv[4 + i],
                    sp_result_string(result));
            return 4;
        }
    }
    for (long n = 0; n < cases; n++) {
        const bytes *original = &originals[n % seeds];
        bytes copy = {malloc(original->size + 1), original->size};
        if (copy.data == NULL) return 2;
        memcpy(copy.data, original->data, original->size);
        mutate(&copy);
        write_file(path, &copy);
        free(copy.data);
        const char *format = "";
        const uint32_t rate = TARGET_RATES[below(4)];
        const sp_result result = decode_once(path, rate, &format);
        if (result == SP_OK) stream_once(path, rate);
        if (strcmp(format, "WAV") == 0) peaks_once(path);
        counts[result >= 0 && result < 32 ? result : 31]++;
        /* Per container: how many mutated files reached it, and how many still decoded. */
        int slot = 0;
        while (slot < 15 && formats[slot].name != NULL && strcmp(formats[slot].name, format) != 0) slot++;
        formats[slot].name = format;
        formats[slot].cases++;
        if (result == SP_OK) formats[slot].ok++;
    }
    for (int code = 0; code < 32; code++) {
        if (counts[code] > 0) printf("fuzz: %ld x %s\n", counts[code], sp_result_string(code));
    }
    for (int slot = 0; slot < 16 && formats[slot].name != NULL; slot++) {
        printf("fuzz: format \"%s\": %ld cases, %ld ok\n", formats[slot].name[0] ? formats[slot].name : "(none)",
               formats[slot].cases, formats[slot].ok);
    }
    for (int i = 0; i < seeds; i++) free(originals[i].data);
    free(originals);
    remove(path);
    printf("fuzz: %ld cases, ok\n", cases);
    return 0;
}
